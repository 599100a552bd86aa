"""How a network is trained: its recipe (``definition.py``) and, in Keras, its
optimizer, schedule and loss (``compilation.py``).

A ``Recipe`` says how many epochs at which batch size, the learning rate and its
schedule, label smoothing, which augmentations, and whether to predict with flip
test-time augmentation. Each network comes with one (``networks.NETWORKS``);
``training`` parameters override any field of it.

- ``LAB_RECIPE``: the lab's way (Adam at its default rate, 10 epochs at batch 64).
- ``FAST_RECIPE``: what the fast-training literature uses: a one-cycle learning
  rate, label smoothing, horizontal flips and flip test-time augmentation.
"""

from fashion_mnist.recipes.definition import (
    AUGMENTATION,
    FAST_RECIPE,
    LAB_RECIPE,
    SHAPE,
    SHAPE_FIELDS,
    Recipe,
    check_recipe_value,
    recipe_group,
    recipe_kind,
)

__all__ = [
    "AUGMENTATION",
    "FAST_RECIPE",
    "LAB_RECIPE",
    "SHAPE",
    "SHAPE_FIELDS",
    "Recipe",
    "check_recipe_value",
    "recipe_group",
    "recipe_kind",
]
