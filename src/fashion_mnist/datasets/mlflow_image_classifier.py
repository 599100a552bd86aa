"""Records the classifier as an MLflow model that takes pictures and carries
its own code, and registers it."""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import mlflow
import onnx
from kedro_mlflow.io.models import MlflowModelTrackingDataset
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

import fashion_mnist_classifier
from fashion_mnist.registry import (
    ClassifierPackage,
    champion_should_move,
    pinned_requirements,
)
from fashion_mnist_classifier.model import ARTIFACT, SIGNATURE

# The package the model carries, and the file MLflow runs to load it.
CODE = Path(fashion_mnist_classifier.__file__).parent
MODEL_FILE = CODE / "mlflow_model.py"
ONNX_ARTIFACT = "onnx"  # the ONNX file, for receivers without Python or Keras

logger = logging.getLogger(__name__)

ACCURACY_TAG = "test_accuracy"


class MlflowImageClassifierDataset(MlflowModelTrackingDataset):
    """Logs a trained classifier as ``fashion_mnist_classifier.model.ImageClassifier``
    (an MLflow ``python_function`` model whose artifact is the ``.keras`` file)
    and, when ``registered_model_name`` is given, registers it as a new version
    with its test accuracy as a tag. The alias ``champion_alias`` moves to the
    new version when its test accuracy is at least the champion's.

    The model stands alone: it is recorded from code (``mlflow_model.py``) with
    the ``fashion_mnist_classifier`` package as its code path, and its
    requirements are that package's imports pinned to the versions installed
    here (the ones it was trained and tested with). It loads with nothing but
    its own ``requirements.txt`` installed.

    Named like kedro-mlflow's datasets, so that switching tracking off switches
    it off too. Saving only: ``load`` gives the last model it saved.

    Examples:
        Using the YAML API:

        ```yaml
        registered_classifier:
          type: fashion_mnist.datasets.MlflowImageClassifierDataset
          registered_model_name: fashion_mnist_classifier
          champion_alias: champion
          save_args:
            name: image_classifier
        ```
    """

    def __init__(
        self,
        *,
        registered_model_name: str | None = None,
        champion_alias: str = "champion",
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            flavor="mlflow.pyfunc",
            pyfunc_workflow="python_model",
            save_args=save_args,
            metadata=metadata,
        )
        self._registered_model_name = registered_model_name
        self._champion_alias = champion_alias

    def _save(self, package: ClassifierPackage) -> None:
        if not self._logging_activated:
            return
        with tempfile.TemporaryDirectory(prefix="fashion-mnist-model-") as folder:
            path = Path(folder) / "classifier.keras"
            package.model.save(path)
            artifacts = {ARTIFACT: str(path)}
            if package.onnx_model is not None:
                artifacts[ONNX_ARTIFACT] = str(Path(folder) / "classifier.onnx")
                onnx.save(package.onnx_model, artifacts[ONNX_ARTIFACT])
            self._save_args = {
                **self._save_args,
                "artifacts": artifacts,
                "code_paths": [str(CODE)],
                "signature": SIGNATURE,
                "pip_requirements": pinned_requirements(),
            }
            with warnings.catch_warnings():
                # Type hints on predict() would make MLflow take them as the
                # input schema; the signature above says it instead.
                warnings.filterwarnings("ignore", message="Add type hints")
                super()._save(str(MODEL_FILE))
        if self._registered_model_name:
            self._register(package)

    def _register(self, package: ClassifierPackage) -> None:
        name, alias = self._registered_model_name, self._champion_alias
        client = MlflowClient()
        version = mlflow.register_model(
            self.model_info.model_uri,
            name,
            tags={
                ACCURACY_TAG: f"{package.test_accuracy:.4f}",
                "architecture": package.architecture,
            },
        )
        champion = _champion(client, name, alias)
        current = float(champion.tags[ACCURACY_TAG]) if champion else None
        if not champion_should_move(package.test_accuracy, current):
            logger.info(
                "Registered %s version %s (test accuracy %.4f); '%s' stays version "
                "%s (%.4f).",
                name,
                version.version,
                package.test_accuracy,
                alias,
                champion.version,
                current,
            )
            return
        client.set_registered_model_alias(name, alias, version.version)
        logger.info(
            "Registered %s version %s (test accuracy %.4f), now '%s'%s. Serve it with: "
            "mlflow models serve -m models:/%s@%s --env-manager local",
            name,
            version.version,
            package.test_accuracy,
            alias,
            f" (was version {champion.version}, {current:.4f})" if champion else "",
            name,
            alias,
        )


def _champion(client: MlflowClient, name: str, alias: str) -> Any:
    """The version the alias points to, or None (no alias yet, or a version
    registered without a test accuracy)."""
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return None
    return version if ACCURACY_TAG in version.tags else None
