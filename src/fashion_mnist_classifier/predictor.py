"""Class probabilities from a trained classifier, fast enough to serve.

``keras.Model.predict`` builds a data pipeline and a progress callback at every
call: tens of milliseconds before the network computes anything, which is most
of the time an answer for one image takes. ``Predictor`` calls the network
directly through one ``tf.function`` traced once for any batch size, in
batches of ``BATCH_SIZE``. The ``inference`` pipeline and the recorded MLflow
model both predict through it.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from .data_spec import IMAGE_SHAPE, NUM_CLASSES

BATCH_SIZE = 256


class Predictor:
    """``predictor(images)``: the class probabilities of N x 28 x 28 float32 images."""

    def __init__(self, classifier: keras.Model, batch_size: int = BATCH_SIZE) -> None:
        self.classifier = classifier
        self.batch_size = batch_size
        self._call = tf.function(
            lambda images: classifier(images, training=False),
            input_signature=[tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32)],
        )

    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        if len(images) == 0:
            return np.zeros((0, NUM_CLASSES), dtype=np.float32)
        return np.concatenate(
            [
                self._call(images[start : start + self.batch_size]).numpy()
                for start in range(0, len(images), self.batch_size)
            ]
        ).astype(np.float32)
