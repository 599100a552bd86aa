"""A recipe in Keras: its loss, learning-rate schedule and optimizer, and the
compiled classifier."""

from __future__ import annotations

import keras

from fashion_mnist.recipes.definition import Recipe


def loss_for(recipe: Recipe) -> keras.losses.Loss:
    """Cross-entropy: on one-hot targets with the recipe's label smoothing, or on
    the labels themselves (the lab's sparse loss) without it."""
    return _loss(recipe, reduction="sum_over_batch_size")


def per_sample_loss(recipe: Recipe) -> keras.losses.Loss:
    """``loss_for(recipe)`` without the mean: one loss per sample."""
    return _loss(recipe, reduction=None)


def _loss(recipe: Recipe, reduction: str | None) -> keras.losses.Loss:
    if recipe.label_smoothing:
        return keras.losses.CategoricalCrossentropy(
            label_smoothing=recipe.label_smoothing, reduction=reduction
        )
    return keras.losses.SparseCategoricalCrossentropy(reduction=reduction)


def learning_rate(
    recipe: Recipe, total_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The recipe's learning rate: constant, or one cycle (a linear warm-up from a
    tenth of the peak over the first quarter of the steps, then a cosine decay to
    a hundredth of it)."""
    if recipe.schedule == "constant":
        return recipe.learning_rate
    warmup = max(1, total_steps // 4)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=recipe.learning_rate / 10,
        decay_steps=max(1, total_steps - warmup),
        alpha=0.01,
        warmup_target=recipe.learning_rate,
        warmup_steps=warmup,
    )


def optimizer_for(recipe: Recipe, total_steps: int) -> keras.optimizers.Optimizer:
    """The recipe's optimizer at its learning rate, keeping a moving average of
    the weights if ``recipe.ema``."""
    rate = learning_rate(recipe, total_steps)
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(
            rate, momentum=0.9, nesterov=True, use_ema=recipe.ema
        )
    kind = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW}
    return kind[recipe.optimizer](rate, use_ema=recipe.ema)


def compile_classifier(
    model: keras.Model,
    recipe: Recipe,
    *,
    total_steps: int,
    steps_per_execution: int = 1,
    jit_compile: bool = False,
) -> keras.Model:
    """Compile ``model`` with the recipe's optimizer (Adam, as the lab does,
    unless it says otherwise), cross-entropy and accuracy, plus the recipe's
    schedule and label smoothing (and XLA if asked)."""
    model.compile(
        optimizer=optimizer_for(recipe, total_steps),
        loss=loss_for(recipe),
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
        jit_compile=jit_compile,
    )
    return model


def wants_one_hot(model: keras.Model) -> bool:
    """Whether ``model``'s compiled loss takes one-hot targets (label smoothing)."""
    return isinstance(model.loss, keras.losses.CategoricalCrossentropy)
