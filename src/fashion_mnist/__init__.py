"""fashion_mnist: the Fashion-MNIST clothing-classifier lab as a Kedro project."""

import os

from fashion_mnist.runtime import import_tensorflow

__version__ = "0.2.0"

# No telemetry, whichever way the project is started (make, plain `kedro run`,
# a notebook): MLflow reads this before it sends anything. (Kedro's telemetry
# is declined by the project's .telemetry file.) A user's own setting wins.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

# Before any module of the project imports Keras: TensorFlow's start-up banners
# are filtered here, once, for every way in (kedro run, kedro viz, notebooks).
import_tensorflow()

# Registers the project's Keras layers, so that saved models load (with
# safe_mode) in any script that imports the package.
import fashion_mnist.layers  # noqa: E402,F401
