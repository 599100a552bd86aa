"""A page to try the classifier: drop a photo, draw a garment, or click an
example, and see what the network sees and what it answers.

    make demo                       # or: python -m fashion_mnist.demo
    python -m fashion_mnist.demo --model models:/fashion_mnist_classifier/3

It serves the registry's champion (``models:/fashion_mnist_classifier@champion``
in the project's MLflow store) through the same MLflow model ``make serve``
serves: its own code prepares each picture and answers, so the page, the
server and ``kedro run --pipelines inference`` agree. Gradio is an optional
extra (``pip install -e ".[demo]"``). See docs/demo.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from fashion_mnist_classifier import CLASS_NAMES, ImageError, open_image

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "models:/fashion_mnist_classifier@champion"
PORT = 7860
ENLARGED = 280  # pixels a side of the 28 x 28 picture as the page shows it
EXAMPLE_PHOTOS = 6  # sample photos among the examples
EXAMPLE_TEST_IMAGES = 4  # real test images among the examples
TRAIN_HINT = "make run  (or: kedro run)"

# The page's text, in the two languages of the READMEs.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "# What does the network see?",
        "intro": (
            "Drop a photo of one garment (any picture format), draw one, or click "
            "an example. The page shows the 28 × 28 picture the network receives "
            "after the project's preprocessing and its three most likely classes. "
            "A plain, light background works best: a busy photo may not."
        ),
        "model": "**Model:** {name}, {architecture}, test accuracy {accuracy}",
        "photo_tab": "Photo",
        "draw_tab": "Draw",
        "upload": "Drop a photo here, or click to choose one",
        "sketch": "Draw a garment (dark on white)",
        "classify_drawing": "Classify the drawing",
        "examples": "Examples (click one)",
        "original": "Your picture",
        "seen": "What the network sees (28 × 28, enlarged)",
        "answer": "Answer",
        "verdict": "**{label}** with probability {probability:.1%}",
        "no_garment": (
            "**No garment found:** the picture is blank or nearly uniform, so no "
            "class is guessed."
        ),
        "not_a_picture": "This file is not a picture the classifier can read: {reason}",
        "nothing": "Upload a photo or draw something first.",
        "example_photo": "{name}",
        "example_test": "test: {name}",
    },
    "ru": {
        "title": "# Что видит нейросеть?",
        "intro": (
            "Перетащите сюда фотографию одного предмета одежды (любого формата), "
            "нарисуйте его или выберите пример. Страница покажет картинку 28 × 28, "
            "которую сеть получает после предобработки проекта, и три самых "
            "вероятных класса. Лучше всего подходит простой светлый фон: на "
            "пёстрой фотографии сеть может ошибиться."
        ),
        "model": "**Модель:** {name}, {architecture}, точность на тесте {accuracy}",
        "photo_tab": "Фото",
        "draw_tab": "Рисунок",
        "upload": "Перетащите сюда фотографию или нажмите, чтобы выбрать",
        "sketch": "Нарисуйте предмет одежды (тёмным по белому)",
        "classify_drawing": "Распознать рисунок",
        "examples": "Примеры (нажмите на любой)",
        "original": "Ваша картинка",
        "seen": "Что видит сеть (28 × 28, увеличено)",
        "answer": "Ответ",
        "verdict": "**{label}** с вероятностью {probability:.1%}",
        "no_garment": (
            "**Одежда не найдена:** картинка пустая или почти однородная, поэтому "
            "класс не угадывается."
        ),
        "not_a_picture": "Этот файл — не картинка, которую может прочитать классификатор: {reason}",
        "nothing": "Сначала загрузите фотографию или нарисуйте что-нибудь.",
        "example_photo": "{name}",
        "example_test": "тест: {name}",
    },
}
LANGUAGES = {"English": "en", "Русский": "ru"}


class DemoError(RuntimeError):
    """Raised when the page cannot start: no model to serve, or no Gradio."""


@dataclass(frozen=True)
class ServedModel:
    """The MLflow model the page serves, and what the registry says of it."""

    classifier: Any  # fashion_mnist_classifier.model.ImageClassifier, loaded
    name: str  # e.g. "fashion_mnist_classifier version 3 (champion)"
    architecture: str
    test_accuracy: str

    @classmethod
    def load(cls, uri: str) -> ServedModel:
        """Load ``uri`` from the tracking store MLflow is set to.

        Raises:
            DemoError: When the URI names no model (none trained yet).
        """
        import mlflow  # noqa: PLC0415 (after the tracking URI is set)
        from mlflow.exceptions import MlflowException  # noqa: PLC0415

        try:
            version = _registered_version(uri)
            loaded = mlflow.pyfunc.load_model(uri)
        except (MlflowException, OSError) as exc:
            raise DemoError(
                f"No model to serve at {uri} ({str(exc).splitlines()[0]}). Train "
                f"and register one first with: {TRAIN_HINT}"
            ) from None
        tags = version.tags if version else {}
        name = uri
        if version:
            alias = f" ({', '.join(version.aliases)})" if version.aliases else ""
            name = f"{version.name} version {version.version}{alias}"
        return cls(
            classifier=loaded.unwrap_python_model(),
            name=name,
            architecture=tags.get("architecture", "unknown architecture"),
            test_accuracy=tags.get("test_accuracy", "unknown"),
        )


def _registered_version(uri: str) -> Any:
    """The registry's record of a ``models:/NAME@ALIAS`` or ``models:/NAME/N``
    URI, or None for other URIs (runs:/..., a folder)."""
    if not uri.startswith("models:/"):
        return None
    from mlflow.tracking import MlflowClient  # noqa: PLC0415

    client = MlflowClient()
    name, _, rest = uri.removeprefix("models:/").partition("/")
    if "@" in name:
        name, alias = name.split("@", 1)
        return client.get_model_version_by_alias(name, alias)
    return client.get_model_version(name, rest)


@dataclass(frozen=True)
class Answer:
    """What the page shows for one picture."""

    label: dict[str, float] | None  # class -> probability, or None (no garment)
    original: Image.Image
    seen: Image.Image  # the network's input, enlarged
    verdict: str  # Markdown


def answer(model: ServedModel, picture: Image.Image, language: str) -> Answer:
    """Classify one decoded picture with the served model's own code."""
    text = TEXTS[language]
    classified = model.classifier.classify([picture])
    seen = Image.fromarray((classified.images[0] * 255).round().astype(np.uint8))
    seen = seen.resize((ENLARGED, ENLARGED), Image.Resampling.NEAREST)
    row = classified.table.iloc[0]
    if not row["object_found"]:
        return Answer(None, picture, seen, text["no_garment"])
    probabilities = classified.probabilities[0]
    label = {name: float(p) for name, p in zip(CLASS_NAMES, probabilities, strict=True)}
    verdict = text["verdict"].format(
        label=row["predicted_class"], probability=float(probabilities.max())
    )
    return Answer(label, picture, seen, verdict)


def picture_from_file(path: str | None, language: str) -> Image.Image:
    """The uploaded file as a picture, with the served model's limits.

    Raises:
        ValueError: Saying, in ``language``, what is wrong with the file.
    """
    text = TEXTS[language]
    if not path:
        raise ValueError(text["nothing"])
    try:
        return open_image(Path(path).read_bytes())
    except ImageError as exc:
        raise ValueError(text["not_a_picture"].format(reason=exc)) from None


def picture_from_drawing(drawing: Any, language: str) -> Image.Image:
    """The sketchpad's picture (its layers over white)."""
    composite = drawing.get("composite") if isinstance(drawing, dict) else drawing
    if composite is None:
        raise ValueError(TEXTS[language]["nothing"])
    return (
        composite if isinstance(composite, Image.Image) else Image.fromarray(composite)
    )


def write_examples(
    photos: list[Path], test_images: np.ndarray, test_labels: np.ndarray, folder: Path
) -> list[tuple[str, str]]:
    """The examples the page offers: (file, caption key and arguments), the
    first sample photos and a few real test images saved as PNG files."""
    examples = [(str(path), f"photo:{path.stem}") for path in photos[:EXAMPLE_PHOTOS]]
    picks = [int(np.flatnonzero(test_labels == label)[0]) for label in (0, 1, 7, 8)]
    for index in picks[:EXAMPLE_TEST_IMAGES]:
        path = folder / f"test-{index:05d}.png"
        Image.fromarray(test_images[index]).save(path)
        examples.append((str(path), f"test:{index}:{int(test_labels[index])}"))
    return examples


def _caption(key: str, language: str, labels: dict[str, str]) -> str:
    text = TEXTS[language]
    kind, _, rest = key.partition(":")
    if kind == "test":
        index, label = rest.split(":")
        return text["example_test"].format(index=index, name=CLASS_NAMES[int(label)])
    return text["example_photo"].format(name=labels.get(rest, rest))


def build_page(
    model: ServedModel,
    examples: list[tuple[str, str]],
    photo_labels: dict[str, str] | None = None,
    language: str = "en",
):
    """The Gradio page (``gr.Blocks``), in ``language`` until switched."""
    import gradio as gr  # noqa: PLC0415 (an optional extra)

    photo_labels = photo_labels or {}

    def texts(lang: str) -> dict[str, str]:
        return TEXTS[lang]

    def describe(lang: str) -> str:
        return texts(lang)["model"].format(
            name=model.name,
            architecture=model.architecture,
            accuracy=model.test_accuracy,
        )

    def gallery(lang: str) -> list[tuple[str, str]]:
        return [(path, _caption(key, lang, photo_labels)) for path, key in examples]

    def show(picture: Image.Image, lang: str):
        result = answer(model, picture, lang)
        return result.original, result.seen, result.label, result.verdict

    def on_file(path, lang):
        try:
            return show(picture_from_file(path, lang), lang)
        except ValueError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def on_drawing(drawing, lang):
        try:
            return show(picture_from_drawing(drawing, lang), lang)
        except ValueError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def on_example(lang, event):
        return on_file(examples[event.index][0], lang)

    # Gradio passes the clicked example to a parameter annotated SelectData (set
    # here: this module's annotations are strings, and gradio is imported late).
    on_example.__annotations__["event"] = gr.SelectData

    text = texts(language)
    with gr.Blocks(title="Fashion-MNIST classifier") as page:
        lang = gr.State(language)
        with gr.Row():
            title = gr.Markdown(text["title"])
            switch = gr.Radio(
                list(LANGUAGES),
                value=next(k for k, v in LANGUAGES.items() if v == language),
                show_label=False,
                elem_id="language",
            )
        intro = gr.Markdown(text["intro"])
        described = gr.Markdown(describe(language), elem_id="model")
        with gr.Row():
            with gr.Column():
                with gr.Tab(text["photo_tab"]) as photo_tab:
                    upload = gr.File(label=text["upload"], elem_id="upload")
                with gr.Tab(text["draw_tab"]) as draw_tab:
                    sketch = gr.Sketchpad(
                        label=text["sketch"], type="pil", canvas_size=(420, 420)
                    )
                    drawn = gr.Button(text["classify_drawing"])
                shown = gr.Gallery(
                    gallery(language),
                    label=text["examples"],
                    columns=5,
                    height="auto",
                    allow_preview=False,
                )
            with gr.Column():
                with gr.Row():
                    original = gr.Image(label=text["original"], height=ENLARGED)
                    seen = gr.Image(label=text["seen"], height=ENLARGED)
                label = gr.Label(
                    num_top_classes=3, label=text["answer"], elem_id="answer"
                )
                verdict = gr.Markdown(elem_id="verdict")

        outputs = [original, seen, label, verdict]

        def cleared():
            return None, None, None, ""

        # Each new picture first clears the last answer, so that a picture
        # refused with a message never stands next to another one's answer.
        def after_clearing(event, fn, inputs, api_name):
            event(cleared, None, outputs, api_name=False, queue=False).then(
                fn, inputs, outputs, api_name=api_name
            )

        after_clearing(upload.upload, on_file, [upload, lang], "classify")
        after_clearing(drawn.click, on_drawing, [sketch, lang], "classify_drawing")
        after_clearing(shown.select, on_example, [lang], False)
        upload.clear(cleared, None, outputs, api_name=False, queue=False)

        def relabel(choice: str):
            new = LANGUAGES[choice]
            t = texts(new)
            return (
                new,
                gr.update(value=t["title"]),
                gr.update(value=t["intro"]),
                gr.update(value=describe(new)),
                gr.update(label=t["photo_tab"]),
                gr.update(label=t["draw_tab"]),
                gr.update(label=t["upload"]),
                gr.update(label=t["sketch"]),
                gr.update(value=t["classify_drawing"]),
                gr.update(value=gallery(new), label=t["examples"]),
                gr.update(label=t["original"]),
                gr.update(label=t["seen"]),
                gr.update(label=t["answer"]),
            )

        switch.change(
            relabel,
            switch,
            [
                lang,
                title,
                intro,
                described,
                photo_tab,
                draw_tab,
                upload,
                sketch,
                drawn,
                shown,
                original,
                seen,
                label,
            ],
            api_name=False,
        )
    return page


def from_project(project: Path, folder: Path) -> tuple[str, list, dict[str, str]]:
    """From the project's configuration: the tracking store (MLFLOW_TRACKING_URI
    when set, the project's own otherwise), and the examples: the sample photos
    (if written) and a few test images, through the catalog (the data set is
    fetched if missing), written to ``folder``."""
    import csv  # noqa: PLC0415

    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    from fashion_mnist.tracking import absolute_sqlite_uri, embedded_uri  # noqa: PLC0415

    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        context = session.load_context()
        uri = os.environ.get("MLFLOW_TRACKING_URI") or absolute_sqlite_uri(
            embedded_uri(context), project
        )
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
    import mlflow  # noqa: PLC0415

    project = args.project.resolve()
    folder = Path(tempfile.mkdtemp(prefix="fashion-mnist-demo-"))
    uri, examples, photo_labels = from_project(project, folder)
    mlflow.set_tracking_uri(uri)
    try:
        model = ServedModel.load(args.model)
    except DemoError as exc:
        print(exc, file=sys.stderr)  # noqa: T201
        return 2
    page = build_page(model, examples, photo_labels, args.lang)
    logger.info("Serving %s on http://%s:%d", model.name, args.host, args.port)
    page.launch(
        server_name=args.host,
        server_port=args.port,
        ssr_mode=False,
        allowed_paths=[str(folder), str(project / "data")],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
