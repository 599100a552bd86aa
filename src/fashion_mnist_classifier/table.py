"""The answer for each picture: the predicted class, its probability, the top
three and whether an object was found."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data_spec import CLASS_NAMES

TOP_K = 3
# The answer's columns and their types (MLflow's names), in order: the one
# home of both the table and the served model's signature (``model.py``).
# Only ``object_found`` is always filled.
ANSWER_COLUMNS: dict[str, str] = {
    "object_found": "boolean",
    "predicted_class": "string",
    "probability": "double",
} | {
    f"top{rank}_{what}": kind
    for rank in range(1, TOP_K + 1)
    for what, kind in (("class", "string"), ("probability", "double"))
}
PREDICTION_COLUMNS = list(ANSWER_COLUMNS)


def prediction_table(
    probabilities: np.ndarray, object_found: list[bool]
) -> pd.DataFrame:
    """One row per image: whether an object was found, the predicted class, its
    probability and the top three (probabilities rounded to 4 digits).

    An image with no object gets ``object_found = False`` and empty prediction
    columns: there is nothing to classify, so no class is guessed.
    """
    ranked = np.argsort(-probabilities, axis=1)[:, :TOP_K]
    rows = []
    for probs, top, found in zip(probabilities, ranked, object_found, strict=True):
        row: dict[str, object] = {"object_found": bool(found)}
        if found:
            row["predicted_class"] = CLASS_NAMES[top[0]]
            row["probability"] = round(float(probs[top[0]]), 4)
            for rank, index in enumerate(top, start=1):
                row[f"top{rank}_class"] = CLASS_NAMES[index]
                row[f"top{rank}_probability"] = round(float(probs[index]), 4)
        rows.append(row)
    return pd.DataFrame(rows, columns=PREDICTION_COLUMNS)
