"""The Gradio page: its layout, what each event does, and the language switch."""

from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import Image

from .classify import (
    ENLARGED,
    ServedModel,
    answer,
    caption,
    picture_from_drawing,
    picture_from_file,
)
from .texts import LANGUAGES, TEXTS

# The components whose words the language switch changes, and which of their
# properties holds them ("value" for text, "label" for a caption).
TRANSLATED = {
    "title": "value",
    "intro": "value",
    "photo_tab": "label",
    "draw_tab": "label",
    "upload": "label",
    "sketch": "label",
    "classify_drawing": "value",
    "original": "label",
    "seen": "label",
    "answer": "label",
}


class DemoPage:
    """The page for ``model``, with ``examples`` to click: (file, caption key)
    pairs; ``photo_labels`` names the class of each sample photo."""

    def __init__(
        self,
        model: ServedModel,
        examples: list[tuple[str, str]],
        photo_labels: dict[str, str] | None = None,
    ) -> None:
        self.model = model
        self.examples = examples
        self.photo_labels = photo_labels or {}
        self.ui: dict[str, Any] = {}

    def describe(self, language: str) -> str:
        return TEXTS[language]["model"].format(
            name=self.model.name,
            architecture=self.model.architecture,
            accuracy=self.model.test_accuracy,
        )

    def gallery(self, language: str) -> list[tuple[str, str]]:
        return [
            (path, caption(key, language, self.photo_labels))
            for path, key in self.examples
        ]

    # --- what each event does ----------------------------------------------

    def show(self, picture: Image.Image, language: str) -> tuple:
        result = answer(self.model, picture, language)
        return result.original, result.seen, result.label, result.verdict

    @staticmethod
    def refused(message: str) -> tuple:
        """A picture the classifier cannot take: the message where the answer
        goes (it stays until the next picture) and as a notice, no traceback."""
        gr.Warning(message)
        return None, None, None, f"**⚠ {message}**"

    def on_file(self, path: str | None, language: str) -> tuple:
        try:
            return self.show(picture_from_file(path, language), language)
        except ValueError as exc:
            return self.refused(str(exc))

    def on_drawing(self, drawing: Any, language: str) -> tuple:
        try:
            return self.show(picture_from_drawing(drawing, language), language)
        except ValueError as exc:
            return self.refused(str(exc))

    def on_example(self, language: str, event: gr.SelectData) -> tuple:
        return self.on_file(self.examples[event.index][0], language)

    def relabel(self, choice: str) -> tuple:
        language = LANGUAGES[choice]
        text = TEXTS[language]
        updates = [gr.update(**{kind: text[key]}) for key, kind in TRANSLATED.items()]
        return (
            language,
            gr.update(value=self.describe(language)),
            gr.update(value=self.gallery(language), label=text["examples"]),
            *updates,
        )

    # --- the page ------------------------------------------------------------

    def _layout(self, language: str) -> None:
        text, ui = TEXTS[language], self.ui
        ui["language"] = gr.State(language)
        with gr.Row():
            ui["title"] = gr.Markdown(text["title"])
            ui["switch"] = gr.Radio(
                list(LANGUAGES),
                value=next(k for k, v in LANGUAGES.items() if v == language),
                show_label=False,
                elem_id="language",
            )
        ui["intro"] = gr.Markdown(text["intro"])
        ui["model"] = gr.Markdown(self.describe(language), elem_id="model")
        with gr.Row():
            with gr.Column():
                with gr.Tab(text["photo_tab"]) as ui["photo_tab"]:
                    ui["upload"] = gr.File(label=text["upload"], elem_id="upload")
                with gr.Tab(text["draw_tab"]) as ui["draw_tab"]:
                    ui["sketch"] = gr.Sketchpad(
                        label=text["sketch"], type="pil", canvas_size=(420, 420)
                    )
                    ui["classify_drawing"] = gr.Button(text["classify_drawing"])
                ui["examples"] = gr.Gallery(
                    self.gallery(language),
                    label=text["examples"],
                    columns=5,
                    height="auto",
                    allow_preview=False,
                )
            with gr.Column():
                with gr.Row():
                    ui["original"] = gr.Image(label=text["original"], height=ENLARGED)
                    ui["seen"] = gr.Image(label=text["seen"], height=ENLARGED)
                ui["answer"] = gr.Label(
                    num_top_classes=3, label=text["answer"], elem_id="answer"
                )
                ui["verdict"] = gr.Markdown(elem_id="verdict")

    def _events(self) -> None:
        ui = self.ui
        outputs = [ui["original"], ui["seen"], ui["answer"], ui["verdict"]]

        def cleared() -> tuple:
            return None, None, None, ""

        # Each new picture first clears the last answer, so that a picture
        # refused with a message never stands next to another one's answer.
        def after_clearing(event, fn, inputs, api_name) -> None:
            event(cleared, None, outputs, api_name=False, queue=False).then(
                fn, inputs, outputs, api_name=api_name
            )

        language = ui["language"]
        after_clearing(
            ui["upload"].upload, self.on_file, [ui["upload"], language], "classify"
        )
        after_clearing(
            ui["classify_drawing"].click,
            self.on_drawing,
            [ui["sketch"], language],
            "classify_drawing",
        )
        after_clearing(ui["examples"].select, self.on_example, [language], False)
        ui["upload"].clear(cleared, None, outputs, api_name=False, queue=False)
        ui["switch"].change(
            self.relabel,
            ui["switch"],
            [language, ui["model"], ui["examples"], *(ui[key] for key in TRANSLATED)],
            api_name=False,
        )

    def build(self, language: str = "en") -> gr.Blocks:
        """The page, in ``language`` until switched."""
        # Gradio keeps a copy of every upload in its cache: removed after an
        # hour, and all of them when the page stops (a visitor's photos are
        # not kept).
        with gr.Blocks(
            title="Fashion-MNIST classifier", delete_cache=(3600, 3600)
        ) as blocks:
            self._layout(language)
            self._events()
        return blocks
