"""Custom Kedro datasets of the project."""

from fashion_mnist.datasets.excel_chart_dataset import ExcelChartDataset
from fashion_mnist.datasets.fetch import FetchError, fetch_file
from fashion_mnist.datasets.idx_dataset import IDXDataset, IDXFormatError

__all__ = [
    "ExcelChartDataset",
    "FetchError",
    "IDXDataset",
    "IDXFormatError",
    "fetch_file",
]
