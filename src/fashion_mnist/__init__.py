"""fashion_mnist: the Fashion-MNIST clothing-classifier lab as a Kedro project."""

from fashion_mnist.runtime import import_tensorflow

__version__ = "0.2.0"

# Before any module of the project imports Keras: TensorFlow's start-up banners
# are filtered here, once, for every way in (kedro run, kedro viz, notebooks).
import_tensorflow()
