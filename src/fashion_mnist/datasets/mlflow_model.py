"""kedro-mlflow's model dataset for Keras models, with the model's signature."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from kedro_mlflow.io.models import MlflowModelTrackingDataset
from mlflow.models import ModelSignature
from mlflow.types import Schema, TensorSpec


class MlflowKerasModelDataset(MlflowModelTrackingDataset):
    """Records a Keras model as an MLflow model (the ``keras`` flavour), with its
    signature: the input and output tensors' dtype and shape, read from the
    model itself. MLflow shows the signature in its UI and checks the input of
    the model loaded as pyfunc against it.

    Named like kedro-mlflow's datasets, so that switching tracking off
    switches it off too.

    Examples:
        Using the YAML API:

        ```yaml
        tracked_classifier:
          type: fashion_mnist.datasets.MlflowKerasModelDataset
          save_args:
            name: classifier
        ```
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(flavor="mlflow.keras", **kwargs)

    def _save(self, model: keras.Model) -> None:
        if "signature" not in self._save_args:
            self._save_args = {**self._save_args, "signature": keras_signature(model)}
        super()._save(model)


def keras_signature(model: keras.Model) -> ModelSignature:
    """A tensor signature from a Keras model's (single) input and output."""

    def spec(tensor: keras.KerasTensor) -> Schema:
        shape = tuple(-1 if size is None else size for size in tensor.shape)
        return Schema([TensorSpec(np.dtype(tensor.dtype), shape)])

    return ModelSignature(inputs=spec(model.inputs[0]), outputs=spec(model.outputs[0]))
