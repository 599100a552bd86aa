"""Training a classifier: the one training loop of the project.

Shared by the ``modeling`` pipeline (one fit on all training images), the
``cross_validation`` pipeline (one fit per fold), the ``tuning`` pipeline (one
fit per trial) and the benchmark's speed table, so all of them train the same
way.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from dataclasses import dataclass, replace

import keras
import numpy as np
import pandas as pd

from fashion_mnist.cost import describe_cost
from fashion_mnist.distribution import make_strategy
from fashion_mnist.layers import with_standard_layers
from fashion_mnist.networks import Architecture, build_network, with_tta
from fashion_mnist.performance import Levers, cpu_flags, onednn_state
from fashion_mnist.recipes import Recipe
from fashion_mnist.recipes.compilation import compile_classifier, wants_one_hot

from .custom_loop import fit_with_custom_loop
from .data import targets, training_dataset
from .parameters import TrainingParams

logger = logging.getLogger(__name__)


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


def _input(
    images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int, levers: Levers
) -> dict[str, object]:
    """``fit`` arguments for the training data: an explicit tf.data pipeline
    (cached, reshuffled every epoch with a seeded order, batched, prefetched) or
    the arrays themselves."""
    if levers.input_pipeline == "arrays":
        return {"x": images, "y": labels, "batch_size": batch_size, "shuffle": True}
    dataset = training_dataset(images, labels, batch_size, seed)
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
    name = training.distribution.strategy
    fitted = len(images) - int(len(images) * training.validation_split)
    levers = levers or training.levers(architecture, samples=fitted * recipe.epochs)
    levers = _distributable(levers, name)
    strategy = make_strategy(training.distribution)
    steps = math.ceil(fitted / recipe.batch_size)
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
    _log_start(model, recipe, levers, name, strategy.num_replicas_in_sync)
    y = targets(labels, wants_one_hot(model))
    keras.utils.set_random_seed(training.seed)
    started = time.perf_counter()
    if name == "multi_worker":
        # Keras 3's fit() fails under MultiWorkerMirroredStrategy
        # (keras-team/keras#20585): TensorFlow's own custom loop instead.
        table = fit_with_custom_loop(
            model, strategy, images[:fitted], y[:fitted], recipe, training.seed
        )
    else:
        table = _fit(model, images, y, fitted, recipe, training.seed, levers, callbacks)
    seconds = time.perf_counter() - started
    with strategy.scope():
        model = finished_model(model, recipe)
    replicas = strategy.num_replicas_in_sync
    return model, FitResult(table, seconds, fitted, recipe, levers, name, replicas)


def _fit(
    model: keras.Model,
    images: np.ndarray,
    y: np.ndarray,
    fitted: int,
    recipe: Recipe,
    seed: int,
    levers: Levers,
    callbacks: list[keras.callbacks.Callback] | None,
) -> pd.DataFrame:
    """Keras' ``fit`` on the first ``fitted`` images, validated on the rest (if
    any); one row per epoch."""
    history = model.fit(
        **_input(images[:fitted], y[:fitted], recipe.batch_size, seed, levers),
        epochs=recipe.epochs,
        validation_data=(images[fitted:], y[fitted:]) if fitted < len(images) else None,
        callbacks=callbacks,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    table = pd.DataFrame(history.history)
    table.insert(0, "epoch", np.arange(1, len(table) + 1))
    return table


def _distributable(levers: Levers, strategy: str) -> Levers:
    """``levers`` as tf.distribute can take them (one step per call, no XLA)."""
    if strategy != "none" and levers.steps_per_execution > 1:
        # Keras 3.15's multi-step loop fails on distributed iterators ("You
        # must feed a value for placeholder tensor ... while/cond/Placeholder").
        logger.info(
            "steps_per_execution=1 under tf.distribute (Keras' multi-step loop fails there)"
        )
        levers = replace(levers, steps_per_execution=1)
    if strategy != "none" and levers.jit_compile:
        logger.info("jit_compile off under tf.distribute (Keras turns it off there)")
        levers = replace(levers, jit_compile=False)
    return levers


def _log_start(
    model: keras.Model, recipe: Recipe, levers: Levers, strategy: str, replicas: int
) -> None:
    cost = describe_cost(model)
    logger.info(
        "Training %s (%s parameters, %s multiply-adds per image): %s; %s; oneDNN %s",
        model.name,
        f"{cost['parameters']:,}",
        f"{cost['multiply_adds']:,}",
        ", ".join(f"{k}={v}" for k, v in recipe.describe().items()),
        ", ".join(f"{k}={v}" for k, v in levers.describe().items()),
        onednn_state(dict(os.environ), cpu_flags()),
    )
    if strategy != "none":
        logger.info(
            "Training with %s on %d replicas (global batch %d, %s per replica)",
            STRATEGY_NAMES[strategy],
            replicas,
            recipe.batch_size,
            f"{recipe.batch_size / replicas:g}",
        )


def finished_model(network: keras.Model, recipe: Recipe) -> keras.Model:
    """The trained network as it is evaluated and saved: built of Keras' own
    layers only (``layers.with_standard_layers``: the same weights, so any Keras
    loads the file), and wrapped for test-time augmentation (flips, one-pixel
    moves) when the recipe says so. Every later prediction, in this process or
    another, comes from this model."""
    standard = with_standard_layers(network)
    views = recipe.flip_tta or recipe.shift_tta
    if standard is network and not views:
        return network
    model = (
        with_tta(standard, flip=recipe.flip_tta, shift=recipe.shift_tta)
        if views
        else standard
    )
    compile_classifier(model, recipe, total_steps=1, steps_per_execution=1)
    # Its optimizer's slots exist before saving, so that loading the saved
    # model matches them (Keras warns "Skipping variable loading for
    # optimizer" otherwise).
    model.optimizer.build(model.trainable_variables)
    return model
