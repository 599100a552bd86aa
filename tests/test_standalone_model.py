"""The registered champion stands alone: in a fresh virtual environment with
nothing but the model's own requirements.txt (no Kedro, no project: ``import
fashion_mnist`` fails there), it loads from the registry and answers the 20
sample photos as ``kedro run --pipelines inference`` does, in Python and over
HTTP from ``mlflow models serve`` with ``--env-manager local`` and ``uv``.
Models registered by earlier versions of the project still load in the
project's own environment."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.helpers import clean_env, model_server

# A fresh virtual environment from PyPI, made once for the module.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("standalone")]

MODEL_URI = "models:/fashion_mnist_classifier@champion"
LEGACY_MODEL = Path(__file__).parent / "data" / "legacy_image_classifier"
ANSWER_COLUMNS = ["predicted_class"] + [f"top{rank}_class" for rank in (1, 2, 3)]
# Both sides round probabilities to 4 digits, so equal answers differ by at
# most one unit in the last digit.
PROBABILITY_TOLERANCE = 1e-4 + 1e-9

# Run by the clean environment's Python: loads the champion and answers every
# photo of a folder as JSON; fails if anything of the project was imported.
RECEIVER = """
import json, sys
from pathlib import Path
import mlflow, pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
files = sorted(Path(sys.argv[2]).iterdir())
table = model.predict(pd.DataFrame({"image": [f.read_bytes() for f in files]}))
table.insert(0, "file", [f.name for f in files])
project = sorted(m for m in sys.modules if m.split(".")[0] in ("fashion_mnist", "kedro"))
assert not project, project
code = sys.modules["fashion_mnist_classifier"].__file__
print(json.dumps({"answers": table.to_dict("records"), "code": code}))
"""


def _pipeline_answers(project: Path) -> pd.DataFrame:
    table = pd.read_csv(project / "data/07_model_output/new_image_predictions.csv")
    return table.set_index("file").sort_index()


def _assert_same_answers(answers: pd.DataFrame, expected: pd.DataFrame) -> None:
    answers = answers.sort_index()
    assert list(answers.index) == list(expected.index)
    assert len(answers) == 20
    for column in ANSWER_COLUMNS:
        assert list(answers[column]) == list(expected[column]), column
    for rank in (1, 2, 3):
        column = f"top{rank}_probability"
        np.testing.assert_allclose(
            answers[column].astype(float),
            expected[column],
            rtol=0,
            atol=PROBABILITY_TOLERANCE,
        )


@pytest.fixture(scope="module")
def receiver(tmp_path_factory, registered_project):
    """A fresh virtual environment made from the champion's own
    requirements.txt (plus uv, for ``--env-manager uv``), outside the project."""
    root = tmp_path_factory.mktemp("receiver")
    mlflow.set_tracking_uri(f"sqlite:///{registered_project / 'mlflow.db'}")
    try:
        model = Path(mlflow.artifacts.download_artifacts(MODEL_URI, dst_path=root))
    finally:
        mlflow.set_tracking_uri(None)
    requirements = (model / "requirements.txt").read_text().split()
    assert {line.split("==")[0] for line in requirements} == {
        "mlflow",
        "keras",
        "tensorflow",
        "numpy",
        "pandas",
        "pillow",
    }
    assert all("==" in line for line in requirements), requirements
    venv = root / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], check=True, env=clean_env()
    )
    subprocess.run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(model / "requirements.txt"),
            "uv",
        ],
        check=True,
        timeout=1200,
        cwd=root,
        env=clean_env(),
    )
    return venv / "bin", root


def test_the_clean_environment_has_nothing_of_the_project(receiver):
    bin_folder, root = receiver
    for module in ("fashion_mnist", "kedro", "fashion_mnist_classifier"):
        result = subprocess.run(
            [str(bin_folder / "python"), "-c", f"import {module}"],
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
            env=clean_env(),
        )
        assert f"No module named '{module}'" in result.stderr, result.stderr


def test_the_champion_loads_and_answers_in_python_without_the_project(
    receiver, registered_project
):
    bin_folder, root = receiver
    result = subprocess.run(
        [
            str(bin_folder / "python"),
            "-c",
            RECEIVER,
            MODEL_URI,
            str(registered_project / "data/01_raw/new_images"),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
        check=False,
        env=clean_env()
        | {"MLFLOW_TRACKING_URI": f"sqlite:///{registered_project / 'mlflow.db'}"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    # The code came with the model, not from an installed package.
    assert "/code/fashion_mnist_classifier/" in report["code"], report["code"]
    answers = pd.DataFrame(report["answers"]).set_index("file")
    _assert_same_answers(answers, _pipeline_answers(registered_project))


def _served_answers(url: str, photos: list[Path]) -> pd.DataFrame:
    cells = [[base64.b64encode(photo.read_bytes()).decode()] for photo in photos]
    body = json.dumps({"dataframe_split": {"columns": ["image"], "data": cells}})
    request = urllib.request.Request(
        f"{url}/invocations", body.encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        predictions = json.load(response)["predictions"]
    return pd.DataFrame(predictions, index=[photo.name for photo in photos])


@pytest.mark.parametrize("env_manager", ["local", "uv"])
def test_the_champion_is_served_over_http_without_the_project(
    receiver, registered_project, env_manager
):
    bin_folder, root = receiver
    photos = sorted((registered_project / "data/01_raw/new_images").iterdir())
    with model_server(
        MODEL_URI,
        cwd=root,
        log=root / f"serve-{env_manager}.log",
        bin_folder=bin_folder,
        env_manager=env_manager,
        inherit_env=False,
        env={
            "MLFLOW_TRACKING_URI": f"sqlite:///{registered_project / 'mlflow.db'}",
            # uv builds the model's environment here, from its own files.
            "MLFLOW_ENV_ROOT": str(root / "mlflow-envs"),
        },
        timeout=900,
    ) as url:
        answers = _served_answers(url, photos)
    _assert_same_answers(answers, _pipeline_answers(registered_project))
    if env_manager == "uv":
        (environment,) = (root / "mlflow-envs").iterdir()
        assert not list(environment.glob("lib/python*/site-packages/fashion_mnist"))


def test_a_model_registered_by_an_earlier_version_still_loads_here(tmp_path):
    """Its MLmodel names no code: it is a pickle of fashion_mnist.serving's
    ImageClassifier, made by the project before models carried their code."""
    assert "code: null" in (LEGACY_MODEL / "MLmodel").read_text()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        version = mlflow.register_model(str(LEGACY_MODEL), "legacy")
        model = mlflow.pyfunc.load_model(f"models:/legacy/{version.version}")
    finally:
        mlflow.set_tracking_uri(None)
    import keras  # noqa: PLC0415

    from fashion_mnist_classifier import prepare_images  # noqa: PLC0415

    photo = np.zeros((40, 30), np.uint8)
    photo[5:35, 8:22] = 200
    answer = model.predict(pd.DataFrame({"image": [photo]}))
    network = keras.saving.load_model(
        LEGACY_MODEL / "artifacts/classifier.keras", safe_mode=True
    )
    images, _ = prepare_images([Image.fromarray(photo)])
    probabilities = network(images).numpy()[0]
    assert answer.loc[0, "top1_probability"] == pytest.approx(
        round(float(probabilities.max()), 4)
    )
