"""The file MLflow runs to load the registered model (MLflow's "models from
code"): the model is this package's ``ImageClassifier``, found on the path
because the package travels with the model as its code path. Nothing is
pickled, so the model loads with any Python that has the model's own
requirements, without the Kedro project."""

import mlflow

from fashion_mnist_classifier.model import ImageClassifier

mlflow.models.set_model(ImageClassifier())
