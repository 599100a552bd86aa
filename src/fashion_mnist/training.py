"""Training and scoring a classifier: the one training loop of the project.

Shared by the ``modeling`` pipeline (one fit on all training images) and the
``cross_validation`` pipeline (one fit per fold), so both train the same way.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass, replace

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt

from fashion_mnist.data_spec import NUM_CLASSES
from fashion_mnist.distribution import DistributionParams, make_strategy
from fashion_mnist.layers import with_standard_layers
from fashion_mnist.models import (
    CONVOLUTIONAL,
    RECIPES,
    Architecture,
    Recipe,
    Schedule,
    build_network,
    compile_classifier,
    wants_one_hot,
    with_flip_tta,
)
from fashion_mnist.performance import Levers, PerformanceParams, resolve

logger = logging.getLogger(__name__)


class AugmentationParams(BaseModel):
    """``training.augmentation``: null values keep the architecture's recipe."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="augmentation")

    flip: bool | None = None
    shift: float | None = Field(None, ge=0.0, le=0.5)
    erasing: float | None = Field(None, ge=0.0, le=1.0)


class TrainingParams(BaseModel):
    """``training``: how the network is fitted.

    ``null`` (None) means "as the architecture's recipe says" (see
    ``models.RECIPES``); any value given here overrides the recipe.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, title="training")

    epochs: PositiveInt | None = None
    batch_size: PositiveInt | None = None
    learning_rate: PositiveFloat | None = None
    schedule: Schedule | None = None
    label_smoothing: float | None = Field(None, ge=0.0, lt=1.0)
    flip_tta: bool | None = None
    augmentation: AugmentationParams = Field(default_factory=AugmentationParams)
    seed: int = 42
    validation_split: float = Field(0.0, ge=0.0, lt=1.0)
    performance: PerformanceParams = Field(default_factory=PerformanceParams)
    distribution: DistributionParams = Field(default_factory=DistributionParams)

    def recipe(self, architecture: Architecture) -> Recipe:
        """The architecture's recipe with this section's non-null values on top."""
        base = RECIPES[architecture]
        changes = {
            key: value
            for key, value in {
                "epochs": self.epochs,
                "batch_size": self.batch_size,
                "learning_rate": self.learning_rate,
                "schedule": self.schedule,
                "label_smoothing": self.label_smoothing,
                "flip_tta": self.flip_tta,
                **self.augmentation.model_dump(),
            }.items()
            if value is not None
        }
        return replace(base, **changes)

    def levers(self, architecture: Architecture) -> Levers:
        """The speed levers ``performance`` resolves to on this machine for
        ``architecture`` under this section's distribution strategy."""
        return resolve(
            self.performance,
            convolutional=architecture in CONVOLUTIONAL,
            distributed=self.distribution.strategy != "none",
        )


@dataclass(frozen=True)
class FitResult:
    """What one ``fit`` produced besides the trained weights."""

    history: pd.DataFrame  # one row per epoch: epoch, loss, accuracy[, val_...]
    seconds: float  # wall time of fit()
    samples: int  # training samples per epoch (without the validation part)
    recipe: Recipe
    levers: Levers
    strategy: str = "none"
    replicas: int = 1

    @property
    def samples_per_second(self) -> float:
        return self.samples * len(self.history) / self.seconds


def targets(labels: np.ndarray, one_hot: bool) -> np.ndarray:
    """The labels as the compiled loss takes them."""
    return keras.utils.to_categorical(labels, NUM_CLASSES) if one_hot else labels


def _input(
    images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, levers: Levers
) -> dict[str, object]:
    """``fit`` arguments for the training data: an explicit tf.data pipeline
    (cached, reshuffled every epoch with a seeded order, batched, prefetched) or
    the arrays themselves."""
    if levers.input_pipeline == "arrays":
        return {"x": images, "y": labels, "batch_size": batch_size, "shuffle": True}
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .cache()
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    return {"x": dataset, "shuffle": False}  # the pipeline shuffles


STRATEGY_NAMES = {
    "mirrored": "MirroredStrategy",
    "multi_worker": "MultiWorkerMirroredStrategy",
}


def train_classifier(
    architecture: Architecture,
    images: np.ndarray,
    labels: np.ndarray,
    training: TrainingParams,
    *,
    levers: Levers | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> tuple[keras.Model, FitResult]:
    """Build, compile and fit ``architecture`` on the images, as ``training`` says.

    The seed fixes the initial weights, the augmentation and the data order.
    The last ``validation_split`` of the images (as Keras' own option takes
    them) is held out for validation curves. Keras' progress bar is shown in a
    terminal; elsewhere (a log file, CI) one line per epoch. Under a
    distribution strategy the model is built and compiled in its scope and
    ``batch_size`` is the global batch.
    """
    recipe = training.recipe(architecture)
    levers = levers or training.levers(architecture)
    strategy = make_strategy(training.distribution)
    replicas = strategy.num_replicas_in_sync
    fitted = len(images) - int(len(images) * training.validation_split)
    steps = math.ceil(fitted / recipe.batch_size)
    name = training.distribution.strategy
    if name != "none" and levers.steps_per_execution > 1:
        # Keras 3.15's multi-step loop fails on distributed iterators ("You
        # must feed a value for placeholder tensor ... while/cond/Placeholder").
        logger.info(
            "steps_per_execution=1 under tf.distribute (Keras' multi-step loop fails there)"
        )
        levers = replace(levers, steps_per_execution=1)
    if name != "none" and levers.jit_compile:
        logger.info("jit_compile off under tf.distribute (Keras turns it off there)")
        levers = replace(levers, jit_compile=False)
    with strategy.scope():
        model = build_network(
            architecture, recipe, seed=training.seed, dtype=levers.precision
        )
        compile_classifier(
            model,
            recipe,
            total_steps=steps * recipe.epochs,
            steps_per_execution=min(levers.steps_per_execution, steps),
            jit_compile=levers.jit_compile,
        )
    y = targets(labels, wants_one_hot(model))
    validation = None
    if fitted < len(images):
        validation = (images[fitted:], y[fitted:])
    logger.info(
        "Training %s (%s parameters): %s; %s",
        architecture,
        f"{model.count_params():,}",
        ", ".join(f"{k}={v}" for k, v in recipe.describe().items()),
        ", ".join(f"{k}={v}" for k, v in levers.describe().items()),
    )
    if name != "none":
        logger.info(
            "Training with %s on %d replicas (global batch %d, %s per replica)",
            STRATEGY_NAMES[name],
            replicas,
            recipe.batch_size,
            f"{recipe.batch_size / replicas:g}",
        )
    keras.utils.set_random_seed(training.seed)
    started = time.perf_counter()
    if name == "multi_worker":
        # Keras 3's fit() fails under MultiWorkerMirroredStrategy
        # (keras-team/keras#20585): TensorFlow's own custom loop instead.
        table = fit_with_custom_loop(
            model, strategy, images[:fitted], y[:fitted], recipe, training.seed
        )
    else:
        history = model.fit(
            **_input(
                images[:fitted], y[:fitted], recipe.batch_size, training.seed, levers
            ),
            epochs=recipe.epochs,
            validation_data=validation,
            callbacks=callbacks,
            verbose=1 if sys.stdout.isatty() else 2,
        )
        table = pd.DataFrame(history.history)
        table.insert(0, "epoch", np.arange(1, len(table) + 1))
    seconds = time.perf_counter() - started
    with strategy.scope():
        model = finished_model(model, recipe)
    return model, FitResult(table, seconds, fitted, recipe, levers, name, replicas)


def finished_model(network: keras.Model, recipe: Recipe) -> keras.Model:
    """The trained network as it is evaluated and saved: built of Keras' own
    layers only (``layers.with_standard_layers``: the same weights, so any Keras
    loads the file), and wrapped for flip test-time augmentation when the recipe
    says so. Every later prediction, in this process or another, comes from
    this model."""
    standard = with_standard_layers(network)
    if standard is network and not recipe.flip_tta:
        return network
    model = with_flip_tta(standard) if recipe.flip_tta else standard
    compile_classifier(model, recipe, total_steps=1, steps_per_execution=1)
    # Its optimizer's slots exist before saving, so that loading the saved
    # model matches them (Keras warns "Skipping variable loading for
    # optimizer" otherwise).
    model.optimizer.build(model.trainable_variables)
    return model


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
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, targets_))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(recipe.batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    distributed = strategy.experimental_distribute_dataset(
        dataset.with_options(options)
    )
    loss_function = (
        keras.losses.CategoricalCrossentropy(
            label_smoothing=recipe.label_smoothing, reduction=None
        )
        if one_hot
        else keras.losses.SparseCategoricalCrossentropy(reduction=None)
    )
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
    rows = []
    for epoch in range(1, recipe.epochs + 1):
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
            recipe.epochs,
            rows[-1]["loss"],
            rows[-1]["accuracy"],
        )
    return pd.DataFrame(rows)


def score_classifier(
    classifier: keras.Model, images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Class probabilities, loss and accuracy of ``classifier`` on labelled images.

    One forward pass; the loss is the compiled loss (with its options, e.g.
    label smoothing) applied to those probabilities.
    """
    probabilities = classifier.predict(images, verbose=0, batch_size=1024)
    loss = float(
        classifier.compute_loss(
            y=targets(labels, wants_one_hot(classifier)),
            y_pred=probabilities,
            training=False,
        )
    )
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == labels))
    return probabilities, loss, accuracy
