"""ExcelChartDataset: sheets as ExcelDataset writes them, plus a native line chart."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DatasetError
from openpyxl import load_workbook

from fashion_mnist.datasets import ExcelChartDataset

TABLE = pd.DataFrame(
    {"setting": ["fast", "slow"], 32: [2.5, 4.5], 64: [1.5, 2.5], 128: [0.5, 1.5]}
)
TIDY = pd.DataFrame({"setting": ["fast", "slow"], "seconds": [1.5, 2.5]})
CHART = {
    "sheet": "layout",
    "title": "Speed",
    "x_axis_title": "batch_size",
    "y_axis_title": "s",
}


def _dataset(path: Path, **kwargs) -> ExcelChartDataset:
    return ExcelChartDataset(
        filepath=str(path), load_args={"sheet_name": None}, **kwargs
    )


def _chart_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as workbook:
        names = [name for name in workbook.namelist() if name.startswith("xl/charts/")]
        assert names == ["xl/charts/chart1.xml"]
        return workbook.read(names[0]).decode()


def test_saves_sheets_that_load_back(tmp_path):
    path = tmp_path / "book.xlsx"
    _dataset(path, charts=[CHART]).save({"layout": TABLE, "tidy": TIDY})
    loaded = _dataset(path).load()
    assert list(loaded) == ["layout", "tidy"]
    pd.testing.assert_frame_equal(loaded["tidy"], TIDY)
    pd.testing.assert_frame_equal(loaded["layout"], TABLE)


def test_draws_a_straight_line_chart_of_the_layout_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    _dataset(path, charts=[CHART]).save({"layout": TABLE, "tidy": TIDY})
    xml = _chart_xml(path)
    assert "<lineChart>" in xml
    # One series per row, named from column A, values from its row, categories
    # from the header row of the layout sheet.
    assert re.findall(r"<tx><strRef><f>([^<]+)</f>", xml) == [
        "'layout'!A2",
        "'layout'!A3",
    ]
    assert re.findall(r"<val><numRef><f>([^<]+)</f>", xml) == [
        "'layout'!$B$2:$D$2",
        "'layout'!$B$3:$D$3",
    ]
    assert re.findall(r"<cat><numRef><f>([^<]+)</f>", xml) == ["'layout'!$B$1:$D$1"] * 2
    assert xml.count('<smooth val="0" />') == 2  # straight lines
    assert xml.count('<delete val="0" />') == 2  # both axes shown
    for text in ("Speed", "batch_size", "s"):
        assert f"<a:t>{text}</a:t>" in xml


def test_chart_spec_is_checked(tmp_path):
    with pytest.raises(DatasetError, match="unknown: \\['colour'\\]"):
        _dataset(tmp_path / "a.xlsx", charts=[{**CHART, "colour": "red"}])
    with pytest.raises(DatasetError, match="needs 'sheet'"):
        _dataset(tmp_path / "a.xlsx", charts=[{"title": "x"}])


def test_failed_save_leaves_the_previous_workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    _dataset(path, charts=[CHART]).save({"layout": TABLE})
    before = path.read_bytes()
    with pytest.raises(DatasetError, match="no such sheet"):
        _dataset(path, charts=[CHART]).save({"other": TABLE})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_columns_are_widened_to_fit(tmp_path):
    path = tmp_path / "book.xlsx"
    _dataset(path).save({"layout": TABLE})
    sheet = load_workbook(path)["layout"]
    assert sheet.column_dimensions["A"].width == len("setting") + 2


def test_decimals_are_shown_readably_but_kept_whole(tmp_path):
    path = tmp_path / "book.xlsx"
    frame = pd.DataFrame({"accuracy": [0.889833333333333], "p_value": [1.1e-05]})
    _dataset(path).save({"numbers": frame})
    sheet = load_workbook(path)["numbers"]
    accuracy, p_value = sheet["A2"], sheet["B2"]
    assert accuracy.value == 0.889833333333333  # every digit kept
    assert (accuracy.number_format, p_value.number_format) == ("0.0000", "0.00E+00")
    assert sheet.column_dimensions["A"].width == len("accuracy") + 2


def test_a_column_shows_its_decimals_in_one_format(tmp_path):
    # A standard deviation of 0.00071 beside 0.0017 reads in five decimals,
    # not as 7.13E-04 beside 0.0017; a p-value column goes scientific as a
    # whole once one of its values is below 1e-4.
    path = tmp_path / "book.xlsx"
    frame = pd.DataFrame(
        {"std": [0.0017, 0.000713, 0.0], "p_value": [0.094, 1.3e-06, 0.5]}
    )
    _dataset(path).save({"summary": frame})
    sheet = load_workbook(path)["summary"]
    assert [sheet[f"A{row}"].number_format for row in (2, 3, 4)] == ["0.00000"] * 3
    assert [sheet[f"B{row}"].number_format for row in (2, 3, 4)] == ["0.00E+00"] * 3
    assert sheet["A3"].value == 0.000713
    assert sheet.column_dimensions["A"].width == len("0.00071") + 2


def test_booleans_read_true_and_false_in_any_spreadsheet_program(tmp_path):
    path = tmp_path / "book.xlsx"
    frame = pd.DataFrame({"jit_compile": [True, False], "workers": [3, 2]})
    _dataset(path).save({"levers": frame})
    sheet = load_workbook(path)["levers"]
    assert [sheet["A2"].value, sheet["A3"].value] == [True, False]
    assert sheet["A2"].number_format == '"TRUE";"TRUE";"FALSE"'
    assert sheet["B2"].number_format == "General"  # integers as they are


def test_every_sheet_prints_one_page_wide_with_its_header_on_each_page(tmp_path):
    path = tmp_path / "book.xlsx"
    wide = pd.DataFrame({f"column {i}": [float(i)] * 80 for i in range(9)})
    _dataset(path).save({"layout": TABLE, "wide": wide})
    book = load_workbook(path)
    for sheet in book.worksheets:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$1:$1"
    assert book["wide"].page_setup.orientation == "landscape"
    assert book["layout"].page_setup.orientation != "landscape"
