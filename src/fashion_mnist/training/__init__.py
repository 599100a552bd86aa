"""Training and scoring a classifier, by concern:

- ``parameters``: the ``training`` parameters (pydantic);
- ``data``: targets and the ``tf.data`` pipeline;
- ``fit``: ``train_classifier``, the one training loop of the project;
- ``custom_loop``: the multi-worker loop ``fit()`` cannot do;
- ``scoring``: a trained classifier's probabilities, loss and accuracy.
"""

from .fit import FitResult, train_classifier
from .parameters import AugmentationParams, ShapeParams, TrainingParams
from .scoring import score_classifier

__all__ = [
    "AugmentationParams",
    "ShapeParams",
    "FitResult",
    "TrainingParams",
    "score_classifier",
    "train_classifier",
]
