"""What one Fashion-MNIST sample is: a 28 x 28 grey image and one of ten labels.

The one home of these facts: every pipeline, the sample-photo script, the
notebook and the registered MLflow model (which carries this package) read them
from here (they are the data set's, not parameters to tune; see docs/lab.md,
section 1).
"""

from __future__ import annotations

IMAGE_SHAPE: tuple[int, int] = (28, 28)

CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

NUM_CLASSES = len(CLASS_NAMES)
