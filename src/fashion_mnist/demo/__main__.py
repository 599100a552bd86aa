"""``python -m fashion_mnist.demo``: the demo page of the registry's champion."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from fashion_mnist import stopping

from .classify import DemoError, ServedModel, write_examples
from .texts import TEXTS

logger = logging.getLogger("fashion_mnist.demo")

DEFAULT_MODEL = "models:/fashion_mnist_classifier@champion"
PORT = 7860


def from_project(project: Path, folder: Path) -> tuple[str, list, dict[str, str]]:
    """From the project's configuration: the tracking store (MLFLOW_TRACKING_URI
    when set, the project's own otherwise), and the examples: the sample photos
    (if written) and a few test images, through the catalog (the data set is
    fetched if missing), written to ``folder``."""
    import csv  # noqa: PLC0415

    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    from fashion_mnist.store import project_tracking_uri  # noqa: PLC0415

    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        context = session.load_context()
        uri = project_tracking_uri(context.config_loader, project)
        images = context.catalog.load("raw_test_images")
        labels = context.catalog.load("raw_test_labels")
        photos_folder = (
            project / context.config_loader["globals"]["inference"]["new_images"]
        )
    photos = sorted(
        p
        for p in photos_folder.glob("*")
        if p.suffix.lower() in {".png", ".jpg", ".jpeg"}
    )
    photo_labels: dict[str, str] = {}
    labels_file = photos_folder.parent / "new_images_labels.csv"
    if labels_file.exists():
        with labels_file.open(encoding="utf-8") as file:
            photo_labels = {
                Path(row["file"]).stem: row["true_class"]
                for row in csv.DictReader(file)
            }
    return uri, write_examples(photos, images, labels, folder), photo_labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fashion_mnist.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"MLflow model URI (default {DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT})")
    parser.add_argument(
        "--lang", choices=sorted(TEXTS), default="en", help="the page's first language"
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=Path.cwd(),
        help="the Kedro project's folder (default: here)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio  # noqa: F401, PLC0415
    except ImportError:
        print(  # noqa: T201 (a command-line message)
            'Gradio is not installed: pip install -e ".[demo]"  (or: make demo)',
            file=sys.stderr,
        )
        return 2
    # SIGTERM stops the page as Ctrl-C does (Gradio closes its server on
    # either), so the folder below (the examples, the model's copy) is removed
    # however it stops.
    stopping.install()
    try:
        with tempfile.TemporaryDirectory(prefix="fashion-mnist-demo-") as folder:
            return _serve(args, Path(folder))
    except KeyboardInterrupt:  # stopped before the page was up
        return 130


def _serve(args: argparse.Namespace, folder: Path) -> int:
    """Write the examples into ``folder``/examples, load the model (its files
    copied into ``folder``/model, which the page does not serve) and serve the
    page until stopped."""
    import mlflow  # noqa: PLC0415

    project = args.project.resolve()
    (folder / "examples").mkdir()
    uri, examples, photo_labels = from_project(project, folder / "examples")
    mlflow.set_tracking_uri(uri)
    try:
        model = ServedModel.load(args.model, folder / "model")
    except DemoError as exc:
        print(exc, file=sys.stderr)  # noqa: T201
        return 2
    from .page import DemoPage  # noqa: PLC0415 (Gradio, once it is known to be there)

    page = DemoPage(model, examples, photo_labels).build(args.lang)
    logger.info("Serving %s on http://%s:%d", model.name, args.host, args.port)
    page.launch(
        server_name=args.host,
        server_port=args.port,
        ssr_mode=False,
        allowed_paths=[str(folder / "examples"), str(project / "data")],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
