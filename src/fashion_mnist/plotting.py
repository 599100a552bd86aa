"""Figure helpers shared by the pipelines: the lab's image grid (docs/lab.md,
section 2), drawn by every pipeline that shows images, and point labels kept apart.

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot`` so
that no global figure state or GUI backend is involved; the catalog's
``matplotlib.MatplotlibDataset`` saves them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Annotation

MAX_COLUMNS = 5
WRONG_COLOUR = "#d62728"


def plot_image_grid(
    images: np.ndarray,
    class_names: Sequence[str],
    *,
    labels: Sequence[int] | np.ndarray | None = None,
    predictions: Sequence[int] | np.ndarray | None = None,
    titles: Sequence[str] | None = None,
    probabilities: Sequence[float] | np.ndarray | None = None,
) -> Figure:
    """Draw images in the lab's grid: at most five columns, inverted grey, no ticks.

    Args:
        images: N images of shape (28, 28), uint8 or floats in [0, 1].
        class_names: Class name of each label index.
        labels: True label of each image: titled ``lbl: <class>``.
        predictions: Predicted label of each image: ``pred: <class>`` under it.
            When ``labels`` are given too, a wrong prediction is drawn in red
            with a red frame and a cross.
        titles: Titles to use instead of ``lbl: <class>`` (e.g. file names).
        probabilities: Probability of each prediction, shown after its class.

    Returns:
        The figure, sized ``(n_cols + 3, n_rows + 4)`` inches as in the lab.
    """
    count = len(images)
    if count == 0:
        raise ValueError("plot_image_grid needs at least one image.")
    n_cols = min(MAX_COLUMNS, count)
    n_rows = math.ceil(count / n_cols)
    figure = Figure(figsize=(n_cols + 3, n_rows + 4), layout="constrained")
    axes = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
    for index, axis in enumerate(axes):
        if index >= count:
            axis.set_axis_off()
            continue
        axis.imshow(images[index], cmap="binary")
        axis.set_xticks([])
        axis.set_yticks([])
        if titles is not None:
            axis.set_title(titles[index], fontsize=9)
        elif labels is not None:
            axis.set_title(f"lbl: {class_names[int(labels[index])]}", fontsize=9)
        if predictions is not None:
            predicted = int(predictions[index])
            text = f"pred: {class_names[predicted]}"
            if probabilities is not None:
                text += f" ({float(probabilities[index]):.0%})"
            wrong = labels is not None and predicted != int(labels[index])
            if wrong:
                text += " \u2717"
                for spine in axis.spines.values():
                    spine.set_edgecolor(WRONG_COLOUR)
                    spine.set_linewidth(2.5)
            axis.set_xlabel(text, fontsize=9, color=WRONG_COLOUR if wrong else "black")
    return figure


def keep_labels_apart(figure: Figure, labels: Sequence[Annotation]) -> None:
    """Move each point's label (an annotation placed in offset points) down
    until it overlaps no label above it: in the cross-validation time figure a
    network and its variant often sit at nearly the same minutes and accuracy.
    (Written here because matplotlib has no overlap avoidance for annotations,
    and the one library that does, adjustText, would be a dependency for
    this alone.) A label that would run past the right edge of its axes goes
    to the left of its point instead."""
    figure.draw_without_rendering()  # lays the figure out: boxes in pixels
    for label in labels:
        if label.get_window_extent().x1 > label.axes.get_window_extent().x1:
            x, y = label.get_position()
            label.set_position((-x, y))
            label.set_horizontalalignment("right")
    points_per_pixel = 72 / figure.dpi
    placed = []
    for label in sorted(labels, key=lambda label: -label.xy[1]):  # top first
        box = label.get_window_extent()
        while any(box.overlaps(other) for other in placed):
            x, y = label.get_position()  # the offset from the point, in points
            label.set_position((x, y - (box.height + 2) * points_per_pixel))
            box = label.get_window_extent()
        placed.append(box)
