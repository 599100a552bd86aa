"""Custom Kedro datasets of the project."""

from fashion_mnist.datasets.excel_chart_dataset import ExcelChartDataset
from fashion_mnist.datasets.fetch import FetchError, fetch_file
from fashion_mnist.datasets.idx_dataset import IDXDataset, IDXFormatError
from fashion_mnist.datasets.mlflow_image_classifier import MlflowImageClassifierDataset
from fashion_mnist.datasets.mlflow_model import MlflowKerasModelDataset
from fashion_mnist.datasets.onnx_dataset import OnnxModelDataset
from fashion_mnist.datasets.path_dataset import LocalPathDataset

__all__ = [
    "ExcelChartDataset",
    "FetchError",
    "IDXDataset",
    "IDXFormatError",
    "LocalPathDataset",
    "MlflowImageClassifierDataset",
    "MlflowKerasModelDataset",
    "OnnxModelDataset",
    "fetch_file",
]
