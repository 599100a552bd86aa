"""The demo page, used as a person and a program would: a real
``python -m fashion_mnist.demo`` serving the registered champion, driven by
``gradio_client`` and by a real headless Chromium (Playwright)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fashion_mnist.demo.classify import EXAMPLE_PHOTOS
from tests.helpers import NEW_GROUP, free_port, stop_group, wait_until_serving

# A real browser and a Gradio server, started once for the module.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]
CHROMIUM = "/usr/bin/chromium"
PHOTO = "sample-02-trouser.png"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, registered_project):
    """The demo page of the registered project on a free port."""
    root = tmp_path_factory.mktemp("demo")
    port = free_port()
    log = root / "demo.log"
    temporary = root / "tmp"
    temporary.mkdir()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "fashion_mnist.demo", "--port", str(port)],
            cwd=registered_project,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_project_store_env(temporary),
            **NEW_GROUP,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until_serving(url, process, log, timeout=300)
            assert _examples_folders(temporary), "the page's examples are written"
            yield registered_project, url
        finally:
            stop_group(process)  # SIGTERM, as a service manager stops it
    # Stopped, the page leaves nothing of its own behind (the examples, the
    # model's files), and Gradio's cache no visitor's upload: only the copies
    # of the example pictures it made at the start.
    assert process.returncode == 0, log.read_text()[-3000:]
    assert sorted(path.name for path in temporary.iterdir()) == ["gradio"]
    photos = sorted((registered_project / "data/01_raw/new_images").iterdir())
    uploaded_only = {photo.name for photo in photos[EXAMPLE_PHOTOS:]}
    assert len(uploaded_only) == 14
    cached = {path.name for path in (temporary / "gradio").rglob("*") if path.is_file()}
    assert cached & uploaded_only == set()


def _examples_folders(temporary) -> list:
    return sorted(temporary.glob("fashion-mnist-demo-*"))


def _project_store_env(temporary) -> dict[str, str]:
    """This environment, with the page reading the project's own MLflow store
    (``mlflow.set_tracking_uri`` in another test sets MLFLOW_TRACKING_URI) and
    making its temporary files in ``temporary``."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    return env | {"GRADIO_ANALYTICS_ENABLED": "False", "TMPDIR": str(temporary)}


def _expected(project) -> pd.DataFrame:
    table = pd.read_csv(project / "data/07_model_output/new_image_predictions.csv")
    return table.set_index("file")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_client_gets_the_inference_pipelines_answers_for_the_sample_photos(demo):
    from gradio_client import Client, handle_file  # noqa: PLC0415

    project, url = demo
    expected = _expected(project)
    client = Client(url, verbose=False)
    photos = sorted((project / "data/01_raw/new_images").iterdir())
    assert len(photos) == 20
    for photo in photos:
        original, seen, label, verdict = client.predict(
            handle_file(str(photo)), api_name="/classify"
        )
        row = expected.loc[photo.name]
        top = label["confidences"][:3]
        assert label["label"] == row["predicted_class"], photo.name
        assert [item["label"] for item in top] == [
            row[f"top{rank}_class"] for rank in (1, 2, 3)
        ]
        np.testing.assert_allclose(
            [item["confidence"] for item in top],
            [row[f"top{rank}_probability"] for rank in (1, 2, 3)],
            rtol=0,
            atol=1e-4,
        )
        assert row["predicted_class"] in verdict
        with Image.open(seen) as picture:  # the network's 28 x 28, enlarged
            assert picture.size == (280, 280)


def test_bad_files_get_a_message_and_the_next_picture_an_answer(demo, tmp_path):
    from gradio_client import Client, handle_file  # noqa: PLC0415

    project, url = demo
    client = Client(url, verbose=False)
    photo = project / "data/01_raw/new_images" / PHOTO
    cases = {
        "damaged.png": (photo.read_bytes()[:3000], "damaged or truncated"),
        "notes.txt": (b"this is not a picture at all", "not an image Pillow can read"),
        "huge.png": (_png(Image.new("L", (8000, 6000), 255)), "48 megapixels"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        original, seen, label, verdict = client.predict(
            handle_file(str(path)), api_name="/classify"
        )
        assert message in verdict, (name, verdict)
        assert "not a picture the classifier can read" in verdict
        assert original is None and seen is None and not label
        assert "Traceback" not in verdict
        *_, label, _ = client.predict(handle_file(str(photo)), api_name="/classify")
        assert label["label"] == _expected(project).loc[PHOTO, "predicted_class"]


def test_a_blank_picture_is_no_garment_not_a_guess(demo, tmp_path):
    from gradio_client import Client, handle_file  # noqa: PLC0415

    _, url = demo
    blank = tmp_path / "blank.png"
    blank.write_bytes(_png(Image.new("RGB", (300, 200), (250, 250, 250))))
    *_, label, verdict = Client(url, verbose=False).predict(
        handle_file(str(blank)), api_name="/classify"
    )
    assert label is None or not label.get("label")
    assert "No garment found" in verdict


def test_a_person_uploads_a_photo_in_a_real_browser(demo, tmp_path):
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    project, url = demo
    expected = _expected(project).loc[PHOTO, "predicted_class"]
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(
        (project / "data/01_raw/new_images/sample-01-t-shirt-top.jpg").read_bytes()[
            :1500
        ]
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()

            def drop(path):
                """Choose a file as a person does: the clear button first
                when a file is there, then the upload area's file dialog."""
                clear = page.locator("#upload button[aria-label=Clear]")
                if clear.count():
                    clear.click()
                with page.expect_file_chooser() as chooser:
                    page.locator("#upload button").first.click()
                chooser.value.set_files(str(path))

            page.goto(url)
            expect(page.locator("#model")).to_contain_text("fashion_mnist_classifier")
            drop(project / "data/01_raw/new_images" / PHOTO)
            expect(page.locator("#answer")).to_contain_text(expected, timeout=60_000)
            expect(page.locator("#verdict")).to_contain_text(expected)

            drop(damaged)
            expect(page.locator("#verdict")).to_contain_text(
                "damaged or truncated", timeout=60_000
            )
            # The last picture's answer is gone: nothing stands beside the message.
            expect(page.locator("#answer")).not_to_contain_text(expected)

            page.get_by_text("Русский").click()
            expect(page.get_by_text("Что видит нейросеть?")).to_be_visible()
        finally:
            browser.close()


def test_without_a_registered_model_the_demo_says_how_to_train_one(project, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fashion_mnist.demo", "--port", str(free_port())],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_project_store_env(tmp_path),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert (
        "No model to serve at models:/fashion_mnist_classifier@champion"
        in result.stderr
    )
    assert "make run" in result.stderr
    assert "Traceback" not in result.stderr
    assert _examples_folders(tmp_path) == []  # the examples' folder went too
