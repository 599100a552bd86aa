"""The classifier leaves the project: a modeling run registers the inference
pipeline as an MLflow model, and a real ``mlflow models serve`` process on
127.0.0.1 answers real PNG and JPEG files as ``kedro run --pipelines inference``
does, and bad requests with a 400 that names the problem."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from PIL import Image

from tests.helpers import model_server

# One model server for the module's tests: they stay on one test process.
pytestmark = pytest.mark.xdist_group("serving")

MODEL = "fashion_mnist_classifier"


@pytest.fixture(scope="module")
def served(tmp_path_factory, registered_project):
    """The registered project's champion served by ``mlflow models serve`` on a
    free port (see ``registered_project`` in conftest.py)."""
    project = registered_project
    root = tmp_path_factory.mktemp("served")
    with model_server(
        f"models:/{MODEL}@champion",
        cwd=project,
        log=root / "serve.log",
        env={"MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"},
    ) as url:
        yield project, url


def _post(url: str, body: bytes | dict, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{url}/invocations", data=data, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _split(*cells) -> dict:
    return {"dataframe_split": {"columns": ["image"], "data": [[c] for c in cells]}}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _pipeline_answers(project) -> pd.DataFrame:
    table = pd.read_csv(project / "data/07_model_output/new_image_predictions.csv")
    return table.set_index("file")


def test_a_failed_run_registers_nothing_and_a_passing_run_becomes_champion(served):
    project, _ = served
    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    (version,) = client.search_model_versions(f"name = '{MODEL}'")
    champion = client.get_model_version_by_alias(MODEL, "champion")
    assert str(champion.version) == str(version.version) == "1"
    metrics = json.loads((project / "data/08_reporting/metrics.json").read_text())
    assert champion.tags["test_accuracy"] == f"{metrics['test_accuracy']:.4f}"
    assert champion.tags["architecture"] == "cnn_bn"
    # Two runs were recorded; the version comes from the second, which passed.
    runs = client.search_runs(
        [client.get_experiment_by_name("fashion_mnist").experiment_id],
        order_by=["attributes.start_time ASC"],
    )
    assert [run.info.status for run in runs] == ["FAILED", "FINISHED"]
    assert version.run_id == runs[1].info.run_id


def test_real_png_and_jpeg_files_get_the_inference_pipelines_answers(served):
    project, url = served
    expected = _pipeline_answers(project)
    files = sorted((project / "data/01_raw/new_images").iterdir())
    assert {f.suffix for f in files} == {".png", ".jpg"}

    status, body = _post(url, _split(*(_b64(f.read_bytes()) for f in files)))
    assert status == 200, body
    answers = pd.DataFrame(body["predictions"], index=[f.name for f in files])
    assert len(answers) == 20
    assert answers["object_found"].all()
    assert list(answers["predicted_class"]) == list(
        expected.loc[answers.index, "predicted_class"]
    )
    for rank in (1, 2, 3):
        assert list(answers[f"top{rank}_class"]) == list(
            expected.loc[answers.index, f"top{rank}_class"]
        )
        np.testing.assert_allclose(
            answers[f"top{rank}_probability"],
            expected.loc[answers.index, f"top{rank}_probability"],
            atol=1.5e-4,  # both rounded to 4 digits
        )
    # One image a request answers the same as a hundred.
    status, body = _post(url, _split(_b64(files[3].read_bytes())))
    assert status == 200
    assert (
        body["predictions"][0]["predicted_class"] == answers.iloc[3]["predicted_class"]
    )


def test_mlflows_column_forms_get_the_same_answers_as_rows(served):
    project, url = served
    files = sorted((project / "data/01_raw/new_images").iterdir())[:3]
    pictures = [_b64(f.read_bytes()) for f in files]
    status, by_rows = _post(url, _split(*pictures))
    assert status == 200, by_rows

    for body in ({"inputs": {"image": pictures}}, {"instances": pictures}):
        status, answer = _post(url, body)
        assert status == 200, (body.keys(), answer)
        assert answer["predictions"] == by_rows["predictions"]

    status, answer = _post(url, {"inputs": {"image": [pictures[0], "not base64!"]}})
    assert status == 400, answer
    assert "image 1 (counting from 0): text that is not base64" in answer["message"]
    status, answer = _post(url, {"inputs": {"image": []}})
    assert status == 400, answer
    assert "holds no images" in answer["message"]


def test_pixel_arrays_grey_or_colour_get_the_same_answer_as_their_file(served):
    project, url = served
    photo = project / "data/01_raw/new_images/sample-02-trouser.png"
    with Image.open(photo) as image:
        colour = np.asarray(image.convert("RGB"))
    grey = np.asarray(Image.fromarray(colour).convert("L"))
    png = io.BytesIO()
    Image.fromarray(grey).save(png, format="PNG")

    status, body = _post(
        url,
        {
            "dataframe_records": [
                {"image": colour.tolist()},
                {"image": grey.tolist()},
                {"image": _b64(png.getvalue())},
            ]
        },
    )
    assert status == 200, body
    by_file = _pipeline_answers(project).loc[photo.name]
    colour_answer, grey_answer, grey_png_answer = body["predictions"]
    assert colour_answer["predicted_class"] == by_file["predicted_class"]
    assert colour_answer["probability"] == pytest.approx(
        by_file["probability"], abs=1.5e-4
    )
    assert grey_answer == grey_png_answer


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, format="PNG", optimize=True)
    return out.getvalue()


BAD_REQUESTS = {
    "not an image": (_split(_b64(b"%PDF-1.4 not a picture")), "not an image"),
    "not base64": (_split("this is not base64!"), "not base64"),
    "truncated image": (None, "truncated"),  # made from a real photo below
    "empty list": (_split(), "no images"),
    "too many images": (_split(*["x"] * 1001), "at most 1,000 are accepted"),
    "enormous image": (lambda: _split(_b64(_png(8000, 6000))), "48 megapixels"),
    "misspelled field": (
        {"dataframe_split": {"columns": ["imgae"], "data": [["x"]]}},
        "missing inputs ['image']",
    ),
    "missing field": ({"dataframe_records": [{}]}, "image"),
    "unknown top-level key": ({"dataframe": [{"image": "x"}]}, "dataframe_split"),
    "not json": (b"image=photo.jpg", "valid JSON"),
    "wrong pixel shape": (
        {"dataframe_records": [{"image": [[[1, 2]]]}]},
        "expected height x width",
    ),
    "pixel values out of range": (
        {"dataframe_records": [{"image": [[0, 300], [2, 3]]}]},
        "0 to 255",
    ),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_a_bad_request_gets_a_400_naming_the_problem_and_the_server_goes_on(
    served, case
):
    project, url = served
    body, expected = BAD_REQUESTS[case]
    photo = project / "data/01_raw/new_images/sample-01-t-shirt-top.jpg"
    if body is None:
        body = _split(_b64(photo.read_bytes()[:2000]))
    elif callable(body):
        body = body()
    status, answer = _post(url, body)
    assert status == 400, (status, answer)
    assert expected in answer["message"], answer["message"]
    assert "stack_trace" not in answer and "Traceback" not in answer["message"]

    status, answer = _post(url, _split(_b64(photo.read_bytes())))
    assert status == 200 and len(answer["predictions"]) == 1


def test_a_bad_picture_among_several_is_named_by_its_index(served):
    project, url = served
    photo = _b64(
        (project / "data/01_raw/new_images/sample-01-t-shirt-top.jpg").read_bytes()
    )
    status, answer = _post(url, _split(photo, photo, _b64(b"GIF89a broken"), photo))
    assert status == 400, (status, answer)
    assert "image 2 (counting from 0): " in answer["message"], answer["message"]


def test_the_benchmark_script_measures_the_running_server(served):
    project, url = served
    script = Path(__file__).resolve().parents[1] / "scripts" / "benchmark_serving.py"
    result = subprocess.run(
        [
            sys.executable,
            str(script),
            "--url",
            url,
            "--images",
            str(project / "data/01_raw/new_images"),
            "--single",
            "3",
            "--batch",
            "5",
            "--batches",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[1:]] == [
        "| single image: median latency (3 requests)",
        "| single image: 95th percentile",
        "| 5 images a request: median latency (2 requests)",
        "| 5 images a request: throughput",
    ]
    assert rows[-1].endswith("images/s |")


def _load_test(*args: str) -> subprocess.CompletedProcess:
    script = Path(__file__).resolve().parents[1] / "scripts" / "load_test_serving.py"
    return subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_load_test_sends_concurrent_clients_and_bad_requests_get_400(served):
    project, url = served
    result = _load_test(
        "--url",
        url,
        "--images",
        str(project / "data/01_raw/new_images"),
        "--clients",
        "1,3",
        "--seconds",
        "2",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith(
        "| clients | answered | errors | bad requests answered 400"
    )
    levels = [row.split(" | ") for row in rows[1:]]
    assert [level[0] for level in levels] == ["| 1", "| 3"]
    for level in levels:
        assert int(level[1].replace(",", "")) > 0  # requests answered
        assert level[2] == "0"  # errors
        answered_400, _, sent = level[3].split()
        assert int(sent) > 0 and answered_400 == sent


def test_the_load_test_refuses_a_server_on_another_machine():
    result = _load_test("--url", "http://10.1.2.3:5001", "--seconds", "1")
    assert result.returncode != 0
    assert "only a server on this machine is load-tested" in result.stderr
