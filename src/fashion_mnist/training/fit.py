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
import tensorflow as tf

from fashion_mnist.cost import describe_cost
from fashion_mnist.distribution import make_strategy
from fashion_mnist.layers import with_standard_layers
from fashion_mnist.networks import Architecture, build_network
from fashion_mnist.performance import Levers, cpu_flags, onednn_state
from fashion_mnist.recipes import Recipe
from fashion_mnist.recipes.compilation import compile_classifier, wants_one_hot
from fashion_mnist.views import averaged
from fashion_mnist.whitening import patch_whitening, set_whitening

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
        return self.samples * len(self.history) * self.recipe.members / self.seconds


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
    ``batch_size`` is the global batch. With ``members`` above 1, that many
    networks train one after another from seeds ``seed``, ``seed + 1``, ...
    (``callbacks`` see each of them); the history is their per-epoch mean and
    the seconds their sum.
    """
    recipe = training.recipe(architecture)
    name = training.distribution.strategy
    fitted = len(images) - int(len(images) * training.validation_split)
    levers = levers or training.levers(architecture, samples=fitted * recipe.epochs)
    levers = _distributable(levers, name)
    strategy = make_strategy(training.distribution)
    steps = math.ceil(fitted / recipe.batch_size)
    networks, tables = [], []
    started = time.perf_counter()  # the filters are part of the training time
    # The whitening filters depend on the images only: once for every member.
    whitening = patch_whitening(images[:fitted]) if recipe.whitening else None
    seconds = time.perf_counter() - started
    for member in range(recipe.members):
        seed = training.seed + member
        network = _compiled(architecture, recipe, seed, strategy, levers, steps)
        if member == 0:
            _log_start(network, recipe, levers, name, strategy.num_replicas_in_sync)
        if recipe.members > 1:
            logger.info("Member %d of %d (seed %d)", member + 1, recipe.members, seed)
        y = targets(labels, wants_one_hot(network))
        keras.utils.set_random_seed(seed)
        started = time.perf_counter()
        set_whitening(network, whitening)  # from the training part only
        if name == "multi_worker":
            # Keras 3's fit() fails under MultiWorkerMirroredStrategy
            # (keras-team/keras#20585): TensorFlow's own custom loop instead.
            table = fit_with_custom_loop(
                network, strategy, images[:fitted], y[:fitted], recipe, seed
            )
        else:
            table = _fit(network, images, y, fitted, recipe, seed, levers, callbacks)
        seconds += time.perf_counter() - started
        networks.append(network)
        tables.append(table)
    with strategy.scope():
        model = finished_model(networks, recipe)
    replicas = strategy.num_replicas_in_sync
    history = _mean_history(tables)
    return model, FitResult(history, seconds, fitted, recipe, levers, name, replicas)


def _mean_history(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The members' per-epoch mean (one member: its own history)."""
    if len(tables) == 1:
        return tables[0]
    return pd.concat(tables).groupby("epoch", as_index=False).mean()


def _compiled(
    architecture: Architecture,
    recipe: Recipe,
    seed: int,
    strategy: tf.distribute.Strategy,
    levers: Levers,
    steps: int,
) -> keras.Model:
    """The network built from ``seed`` and compiled for ``steps`` steps per
    epoch, in ``strategy``'s scope."""
    with strategy.scope():
        network = build_network(architecture, recipe, seed=seed, dtype=levers.precision)
        return compile_classifier(
            network,
            recipe,
            total_steps=steps * recipe.epochs,
            steps_per_execution=min(levers.steps_per_execution, steps),
            jit_compile=levers.jit_compile,
        )


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


def finished_model(networks: list[keras.Model], recipe: Recipe) -> keras.Model:
    """The trained networks as one model, as it is evaluated and saved: built
    of Keras' own layers only (``layers.with_standard_layers``: the same
    weights, so any Keras loads the file), and averaging the members' answers
    and the test-time views (flips, one-pixel moves) when the recipe says so.
    Every later prediction, in this process or another, comes from this model."""
    standard = [with_standard_layers(network) for network in networks]
    views = recipe.flip_tta or recipe.shift_tta
    if len(networks) == 1 and not views:
        if standard[0] is networks[0]:
            return networks[0]
        model = standard[0]
    else:
        name = networks[0].name
        if len(networks) > 1:  # a model's layers need distinct names
            for number, network in enumerate(standard, start=1):
                network.name = f"{name}_{number}"
        model = averaged(
            standard, flip=recipe.flip_tta, shift=recipe.shift_tta, name=name
        )
    compile_classifier(model, recipe, total_steps=1, steps_per_execution=1)
    # Its optimizer's slots exist before saving, so that loading the saved
    # model matches them (Keras warns "Skipping variable loading for
    # optimizer" otherwise).
    model.optimizer.build(model.trainable_variables)
    return model
