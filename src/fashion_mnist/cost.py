"""What a network costs, counted from its layers: parameters and multiply-adds.

A multiply-add is one product added to a sum. The count is that of one forward
pass of one image through the convolution and dense layers, where nearly all
the arithmetic is: ``Conv2D`` does ``kernel height x kernel width x input
channels`` of them for every output value, ``Dense`` one per input and output
unit. Batch normalisation, activations and pooling are a few operations per
value and are left out, as the literature's MAC counts leave them out. A
training step costs about three forward passes (the backward pass computes
gradients for activations and for weights); flip test-time augmentation
predicts twice. Counts from the layers' shapes compare across machines, where
seconds do not.

Keras has no such count (``model.summary()`` gives parameters only), hence
this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import keras


def _layers(model: keras.Model) -> Iterator[keras.layers.Layer]:
    """Every layer of ``model``, nested models flattened (a model called twice,
    as under flip test-time augmentation, is counted once per call)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            calls = max(1, len(getattr(layer, "_inbound_nodes", [])))
            for _ in range(calls):
                yield from _layers(layer)
        else:
            yield layer


def layer_multiply_adds(layer: keras.layers.Layer) -> int:
    """Multiply-adds of one image through ``layer`` (0 for a layer without weights
    to multiply by)."""
    if isinstance(layer, keras.layers.Conv2D) and not isinstance(
        layer, keras.layers.Conv2DTranspose
    ):
        _, height, width, filters = layer.output.shape
        kernel_height, kernel_width, channels, _ = layer.kernel.shape
        return height * width * filters * kernel_height * kernel_width * channels
    if isinstance(layer, keras.layers.Dense) and not _fixed_map(layer):
        # A Dense layer applies to the last axis; any other axes repeat it.
        inputs, units = layer.kernel.shape
        repeats = math.prod(layer.input.shape[1:-1])
        return repeats * inputs * units
    return 0


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of one forward pass of one image through ``model``."""
    return sum(layer_multiply_adds(layer) for layer in _layers(model))


def describe_cost(model: keras.Model) -> dict[str, int]:
    """Parameters (trainable and not) and forward multiply-adds per image."""
    return {"parameters": model.count_params(), "multiply_adds": multiply_adds(model)}


def network_parameters(model: keras.Model) -> int:
    """``model``'s parameters without the fixed 0/1 maps of its test-time views
    (``views.py``: a mirror or a one-pixel move is a non-trainable ``Dense`` of
    28 x 28 numbers): those of the trained network(s) it holds, as the training
    log and the cost table count them."""
    fixed = sum(layer.count_params() for layer in model.layers if _fixed_map(layer))
    return model.count_params() - fixed


def _fixed_map(layer: keras.layers.Layer) -> bool:
    """Whether ``layer`` is a test-time view's fixed 0/1 map (``views.py``): a
    non-trainable ``Dense``, a mirror or a one-pixel move of the image, no
    arithmetic worth counting and no learned parameters."""
    return isinstance(layer, keras.layers.Dense) and not layer.trainable
