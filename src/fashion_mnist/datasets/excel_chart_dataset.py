"""``ExcelChartDataset``: kedro-datasets' ``pandas.ExcelDataset`` that also draws
native Excel line charts, laid out from the catalog, and writes atomically."""

from __future__ import annotations

import io
import math
from copy import deepcopy
from typing import Any

import pandas as pd
from kedro.io.core import DatasetError, get_filepath_str
from kedro_datasets.pandas import ExcelDataset
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


class ExcelChartDataset(ExcelDataset):
    """Saves a dict of DataFrames as a multi-sheet workbook with native line charts.

    Each chart reads a sheet laid out like the lab's table: the first column holds
    the series names (one line per row), the header row the x-axis categories.
    Charts are drawn with openpyxl, so Excel and LibreOffice render them natively.
    Every sheet prints one page wide, its header row on each page.
    The workbook is built in memory and written in one step (atomically on local
    disk, see ``datasets/atomic.py``), so a failed save never leaves a
    half-written file.
    Loading is ``ExcelDataset``'s (openpyxl drops charts on load).

    Examples:
        Using the YAML API:

        ```yaml
        benchmark_workbook:
          type: fashion_mnist.datasets.ExcelChartDataset
          filepath: data/08_reporting/benchmark.xlsx
          load_args:
            sheet_name: null
          charts:
            - sheet: lab_table
              title: Seconds per epoch against batch_size
              x_axis_title: batch_size
              y_axis_title: seconds per epoch
        ```
    """

    DEFAULT_CHART: dict[str, Any] = {
        "title": None,
        "x_axis_title": None,
        "y_axis_title": None,
        "anchor": None,  # default: two rows below the sheet's table, column A
        "width_cm": 16.0,
        "height_cm": 10.0,
        "markers": True,
    }

    def __init__(
        self,
        *,
        charts: list[dict[str, Any]] | None = None,
        autofit_columns: bool = True,
        **kwargs: Any,
    ) -> None:
        """Creates a new instance of ``ExcelChartDataset``.

        Args:
            charts: Line charts to draw, each a mapping with ``sheet`` (required)
                and optionally ``title``, ``x_axis_title``, ``y_axis_title``,
                ``anchor`` (a cell such as ``H2``), ``width_cm``, ``height_cm``
                and ``markers``.
            autofit_columns: Widen each column to fit its longest value.
            **kwargs: Everything ``pandas.ExcelDataset`` takes.
        """
        super().__init__(**kwargs)
        self._charts = []
        for chart in deepcopy(charts) or []:
            unknown = set(chart) - set(self.DEFAULT_CHART) - {"sheet"}
            if "sheet" not in chart or unknown:
                raise DatasetError(
                    f"ExcelChartDataset chart {chart}: needs 'sheet' and takes only "
                    f"{sorted(self.DEFAULT_CHART)}; unknown: {sorted(unknown)}."
                )
            self._charts.append({**self.DEFAULT_CHART, **chart})
        self._autofit_columns = autofit_columns

    def _describe(self) -> dict[str, Any]:
        return {**super()._describe(), "charts": self._charts}

    def save(self, data: pd.DataFrame | dict[str, pd.DataFrame]) -> None:
        save_args = dict(self._save_args)
        single_sheet = save_args.pop("sheet_name", "Sheet1")
        sheets = data if isinstance(data, dict) else {single_sheet: data}
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, **self._writer_args) as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, **save_args)
                if self._autofit_columns:
                    _autofit(writer.sheets[name])
                _printable(writer.sheets[name])
            for chart in self._charts:
                if chart["sheet"] not in sheets:
                    raise DatasetError(
                        f"Chart on sheet '{chart['sheet']}': no such sheet among "
                        f"{list(sheets)}."
                    )
                frame = sheets[chart["sheet"]]
                _add_line_chart(writer.sheets[chart["sheet"]], frame.shape, chart)
        save_path = get_filepath_str(self._get_save_path(), self._protocol)
        with self._fs.open(save_path, **self._fs_open_args_save) as file:
            file.write(buffer.getvalue())
        self._invalidate_cache()


BOOLEAN_FORMAT = '"TRUE";"TRUE";"FALSE"'


def _autofit(sheet: Worksheet) -> None:
    """Widen each column to its longest shown value; show decimals readably,
    in one format per column."""
    for column in sheet.columns:
        float_format = _float_format(
            [cell.value for cell in column if isinstance(cell.value, float)]
        )
        for cell in column:
            if isinstance(cell.value, bool):
                # Excel shows a boolean cell as TRUE/FALSE by itself,
                # LibreOffice as 1/0 unless the format says so.
                cell.number_format = BOOLEAN_FORMAT
            elif isinstance(cell.value, float):
                cell.number_format = float_format
        width = max(len(_shown(cell.value, float_format)) for cell in column)
        sheet.column_dimensions[get_column_letter(column[0].column)].width = min(
            width + 2, 60
        )


def _printable(sheet: Worksheet) -> None:
    """Print a sheet one page wide, as many pages long as it needs, with its
    header row on every page (a wide table otherwise prints its last columns
    on pages of their own)."""
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if sheet.max_column > 6:
        sheet.page_setup.orientation = "landscape"
    sheet.print_title_rows = "1:1"


SCIENTIFIC = "0.00E+00"


def _float_format(values: list[float]) -> str:
    """One format for a column's floats. Only how they are shown: the cell
    keeps every digit (a p-value of 1.1e-05 must not read 0.0000, an accuracy
    needs no 17 digits). Four decimals, five when the column's smallest value
    needs them for two significant digits (a standard deviation of 0.00071
    beside 0.0017), scientific below 1e-4 or from 1e7."""
    magnitudes = [abs(value) for value in values if value and math.isfinite(value)]
    if not magnitudes:
        return "0.0000"
    if max(magnitudes) >= 1e7:
        return SCIENTIFIC
    decimals = max(4, 1 - math.floor(math.log10(min(magnitudes))))
    if decimals > 5:
        return SCIENTIFIC
    return "0." + "0" * decimals


def _shown(value: object, float_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if float_format == SCIENTIFIC:
            return f"{value:.2E}"
        return f"{value:.{len(float_format) - 2}f}"
    return str(value)


def _add_line_chart(
    sheet: Worksheet, shape: tuple[int, int], spec: dict[str, Any]
) -> None:
    """A line per table row: series names in column A, categories in row 1."""
    rows, columns = shape
    if rows < 1 or columns < 2:
        raise DatasetError(
            f"Chart on sheet '{sheet.title}': needs a label column and at least one "
            f"value column with one row or more, found {rows} x {columns}."
        )
    chart = LineChart()
    chart.title = spec["title"]
    chart.x_axis.title = spec["x_axis_title"]
    chart.y_axis.title = spec["y_axis_title"]
    chart.width, chart.height = spec["width_cm"], spec["height_cm"]
    values = Reference(sheet, min_col=1, max_col=columns, min_row=2, max_row=rows + 1)
    chart.add_data(values, from_rows=True, titles_from_data=True)
    chart.set_categories(
        Reference(sheet, min_col=2, max_col=columns, min_row=1, max_row=1)
    )
    for series in chart.series:
        series.smooth = False  # openpyxl's line charts are curved otherwise
        series.marker.symbol = "circle" if spec["markers"] else "none"
    # Without these, Excel may hide both axes.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    sheet.add_chart(chart, spec["anchor"] or f"A{rows + 3}")
