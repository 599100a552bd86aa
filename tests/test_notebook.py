"""The lab notebook runs top to bottom on a small subset, and is stored without outputs."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers import PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "fashion_mnist_lab.ipynb"

SMALL = """
SAMPLE_LIMIT = 1_000
EPOCHS = 1
ARCHITECTURE = "mlp"
THRESHOLD = 0.0
BENCHMARK_GRID = {"batch_sizes": [500], "use_multiprocessing": [True], "repeats": 1, "warmup_steps": 1, "speed": {"architectures": ["mlp"]}}
"""


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.fixture
def executed(project):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    parameters = [
        cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])
    ]
    assert len(parameters) == 1
    parameters[0].source = SMALL.strip()
    (project / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, project / "notebooks")
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(project / "notebooks")}},
    ).execute()
    return notebook, project


def _outputs(cell, mime: str) -> list[str]:
    return [
        output.get("data", {}).get(mime, "")
        for output in cell.outputs
        if "data" in output
    ] + [
        output.get("text", "")
        for output in cell.outputs
        if output.output_type == "stream"
    ]


@pytest.mark.slow  # executes the whole notebook: the full tier
def test_notebook_walks_through_the_lab(executed):
    notebook, project = executed
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [
        output
        for cell in code
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []

    def cell_with(text):
        return next(cell for cell in code if text in cell.source)

    # The pipelines, as %load_ext kedro.ipython found them.
    assert "'modeling'" in "".join(
        _outputs(cell_with("sorted(pipelines)"), "text/plain")
    )
    # The data: shape printed and the grid drawn.
    data_cell = cell_with('catalog.load("raw_train_images")')
    assert "(60000, 28, 28) uint8" in "".join(_outputs(data_cell, "text/plain"))
    assert any(output.get("data", {}).get("image/png") for output in data_cell.outputs)
    # Training ran through the modeling pipeline and reported its accuracy.
    assert "test accuracy" in "".join(
        _outputs(cell_with('catalog.load("metrics")'), "text/plain")
    )
    assert (project / "data" / "08_reporting" / "predictions.png").exists()
    assert any(
        output.get("data", {}).get("image/png")
        for output in cell_with("predictions.png").outputs
    )
    # The saved model was loaded and used.
    assert "predicted:" in "".join(
        _outputs(cell_with('catalog.load("classifier")'), "text/plain")
    )
    # The benchmark table is shown.
    table = "".join(_outputs(cell_with("benchmark_workbook"), "text/html"))
    assert "use_multiprocessing=True" in table and "arrays (reference)" in table
    assert (project / "data" / "08_reporting" / "benchmark.xlsx").exists()
