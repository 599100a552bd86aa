"""fashion_mnist: the Fashion-MNIST clothing-classifier lab as a Kedro project."""

__version__ = "0.1.0"
