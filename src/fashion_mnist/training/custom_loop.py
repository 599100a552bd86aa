"""Training under ``MultiWorkerMirroredStrategy`` with TensorFlow's custom loop:
Keras 3's ``fit()`` fails under that strategy (keras-team/keras#20585)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from fashion_mnist.recipes import Recipe
from fashion_mnist.recipes.compilation import per_sample_loss

from .data import training_dataset

logger = logging.getLogger(__name__)


def fit_with_custom_loop(
    model: keras.Model,
    strategy: tf.distribute.Strategy,
    images: np.ndarray,
    targets_: np.ndarray,
    recipe: Recipe,
    seed: int,
) -> pd.DataFrame:
    """Train ``model`` (built and compiled in ``strategy.scope()``) with
    TensorFlow's custom training loop: every worker reads the same seeded order
    and keeps its share of each global batch; each replica's loss is averaged
    over the global batch and the gradients are summed across replicas.

    Returns:
        One row per epoch, as ``fit``'s history: epoch, loss, accuracy.
    """
    one_hot = targets_.ndim == 2
    dataset = training_dataset(
        images, targets_, recipe.batch_size, seed, cache=False, drop_remainder=True
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    distributed = strategy.experimental_distribute_dataset(
        dataset.with_options(options)
    )
    loss_function = per_sample_loss(recipe)
    with strategy.scope():
        accuracy = (
            keras.metrics.CategoricalAccuracy()
            if one_hot
            else keras.metrics.SparseCategoricalAccuracy()
        )

    def replica_step(batch: tuple[tf.Tensor, tf.Tensor]) -> tf.Tensor:
        x, y = batch
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = tf.nn.compute_average_loss(
                loss_function(y, predictions), global_batch_size=recipe.batch_size
            )
        gradients = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        accuracy.update_state(y, predictions)
        return loss

    @tf.function
    def train_step(iterator: object) -> tf.Tensor:
        losses = strategy.run(replica_step, args=(next(iterator),))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    steps = len(images) // recipe.batch_size
    table = _epochs(train_step, distributed, accuracy, steps, recipe.epochs)
    # As fit() does at its end: the moving average of the weights (a recipe
    # with ema) becomes the weights.
    model.optimizer.finalize_variable_values(model.trainable_variables)
    return table


def _epochs(
    train_step: Callable[[object], tf.Tensor],
    distributed: tf.distribute.DistributedDataset,
    accuracy: keras.metrics.Metric,
    steps: int,
    epochs: int,
) -> pd.DataFrame:
    """Run ``epochs`` epochs of ``steps`` steps; one row per epoch."""
    rows = []
    for epoch in range(1, epochs + 1):
        iterator = iter(distributed)
        total = sum(float(train_step(iterator)) for _ in range(steps))
        rows.append(
            {
                "epoch": epoch,
                "loss": total / steps,
                "accuracy": float(accuracy.result()),
            }
        )
        accuracy.reset_state()
        logger.info(
            "Epoch %d/%d: loss %.4f, accuracy %.4f",
            epoch,
            epochs,
            rows[-1]["loss"],
            rows[-1]["accuracy"],
        )
    return pd.DataFrame(rows)
