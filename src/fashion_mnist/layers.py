"""Batch normalisation on TensorFlow's fused kernel.

Keras 3's ``BatchNormalization`` computes the batch moments, the running
averages and the normalisation as separate operations, each a pass over the
activations (keras-team/keras-core#225, "BatchNorm is slow"); on a CPU that
costs about as much as the convolutions around it. TensorFlow's
``fused_batch_norm`` does the same arithmetic in one kernel (oneDNN on CPUs,
cuDNN on GPUs) and halves the epoch of a network with batch norm after every
convolution (docs/modeling.md). Keras has no switch for it, hence this small
subclass: the same weights, configuration and results as Keras' layer, only
the training and inference passes of 4-D channels-last inputs go through the
fused kernel; anything else (masks, renormalisation, synchronised statistics,
other backends or ranks) falls back to Keras' own code.

It is registered with Keras under ``fashion_mnist>FusedBatchNormalization``, so
saved models load with ``safe_mode`` in any process that has run
``import fashion_mnist`` (the package imports this module).
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="fashion_mnist")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` computed by ``tf.nn.fused_batch_norm``."""

    def _fusable(self, inputs, mask) -> bool:
        return (
            keras.backend.backend() == "tensorflow"
            and mask is None
            and not self.renorm
            and not self.synchronized
            and len(inputs.shape) == 4
            and self.axis in (3, -1)
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        scale = tf.cast(self.gamma, "float32") if self.scale else tf.ones(channels)
        offset = tf.cast(self.beta, "float32") if self.center else tf.zeros(channels)
        if training and self.trainable:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                inputs, scale, offset, epsilon=self.epsilon, is_training=True
            )
            # The kernel returns the unbiased variance (divided by n - 1);
            # Keras' layer keeps the running average of the biased one.
            shape = tf.shape(inputs)
            n = tf.cast(shape[0] * shape[1] * shape[2], "float32")
            variance = variance * tf.maximum(n - 1.0, 0.0) / tf.maximum(n, 1.0)
            momentum = self.momentum
            self.moving_mean.assign(
                self.moving_mean * momentum + mean * (1.0 - momentum)
            )
            self.moving_variance.assign(
                self.moving_variance * momentum + variance * (1.0 - momentum)
            )
        else:
            outputs, _, _ = tf.compat.v1.nn.fused_batch_norm(
                inputs,
                scale,
                offset,
                mean=tf.cast(self.moving_mean, "float32"),
                variance=tf.cast(self.moving_variance, "float32"),
                epsilon=self.epsilon,
                is_training=False,
            )
        return tf.cast(outputs, self.compute_dtype)


def _standard_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    """A new, unbuilt copy of ``layer``: Keras' own class for the fused batch
    normalisation (the same configuration), the layer's own class otherwise."""
    kind = (
        keras.layers.BatchNormalization
        if isinstance(layer, FusedBatchNormalization)
        else type(layer)
    )
    return kind.from_config(layer.get_config())


def _all_layers(model: keras.Model) -> Iterator[keras.layers.Layer]:
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def uses_fused_layers(model: keras.Model) -> bool:
    """Whether any layer of ``model`` (nested models included) is fused."""
    return any(
        isinstance(layer, FusedBatchNormalization) for layer in _all_layers(model)
    )


def with_standard_layers(model: keras.Model) -> keras.Model:
    """``model`` rebuilt from Keras' own layers only, with the same weights.

    The copy is not compiled. A model without fused layers is returned as it is.
    """
    if not uses_fused_layers(model):
        return model
    copy = keras.models.clone_model(
        model, clone_function=_standard_layer, recursive=True
    )
    copy.set_weights(model.get_weights())
    return copy
