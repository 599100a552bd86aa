"""The page's words, in the two languages of the READMEs (one key each)."""

from __future__ import annotations

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
