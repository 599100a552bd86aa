"""The trained classifier for clients without Python or Keras."""

from __future__ import annotations

import keras
import onnx

from fashion_mnist.export import to_onnx


def export_onnx(classifier: keras.Model) -> onnx.ModelProto:
    """The classifier as an ONNX model (the catalog's ``classifier_onnx``):
    N x 28 x 28 float32 images in, N x 10 probabilities out."""
    return to_onnx(classifier)
