"""Where MLflow models registered by earlier versions of this project find
their class.

Those models are pickles of ``fashion_mnist.serving.ImageClassifier`` (with no
code of their own), so they load only where this project is installed, and
they unpickle the class named here: the one the registered model now carries,
``fashion_mnist_classifier.model.ImageClassifier``, with the same artifact.
Models registered since carry that package themselves (see
``datasets/mlflow_image_classifier.py``).
"""

from fashion_mnist_classifier.model import ImageClassifier

__all__ = ["ImageClassifier"]
