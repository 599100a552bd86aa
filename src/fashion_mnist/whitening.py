"""A frozen first layer that whitens the images' 2 x 2 patches (``Recipe.whitening``).

Keller Jordan's airbench starts its CIFAR-10 network with a convolution whose
filters are the eigenvectors of the training images' patch covariance, each
divided by the square root of its eigenvalue, and their negatives; the layer is
not trained. Its outputs are decorrelated and of one scale, which the next
layers learn from faster (docs/accuracy.md). Here a patch is 2 x 2 pixels of
one channel: four eigenvectors, eight filters, followed by a ReLU (the negated
filters keep what the ReLU cuts off).

The filters depend on the training images, so the network is built with
placeholder filters; ``patch_whitening`` computes the filters from the images it
is about to be trained on (the training part only, never validation or test
images) and ``set_whitening`` puts them in each network trained on them. The
layer is a standard ``Conv2D``: the saved model needs nothing of this project.
Written by hand because Keras has no whitening layer (nor scikit-learn one that
works on image patches).
"""

from __future__ import annotations

import keras
import numpy as np

NAME = "whitening"
SIZE = 2  # pixels of a patch's side
FILTERS = 2 * SIZE * SIZE  # each eigenvector and its negative
# Added to the eigenvalues before the square root (airbench's), so that the
# directions with next to no variance are not blown up.
EPSILON = 5e-4
# The patch statistics are taken from at most this many images, evenly spaced:
# a 4 x 4 covariance needs no more, and the patches of 60,000 images would take
# gigabytes.
MAX_IMAGES = 10_000


def whitening_layers() -> list[keras.layers.Layer]:
    """The frozen whitening convolution (placeholder filters until
    ``set_whitening``) and its ReLU, both in float32 whatever dtype the rest
    of the network computes in: the filters (up to 1/sqrt(EPSILON), about
    45) would multiply a 16-bit input's rounding in the directions of least
    variance, so that training in bfloat16 and a float32 prediction (the ONNX
    file) would see different inputs. The next layer casts to its own dtype;
    the layer costs 32 multiply-adds a pixel."""
    return [
        keras.layers.Conv2D(
            FILTERS,
            SIZE,
            padding="same",
            use_bias=False,
            trainable=False,
            name=NAME,
            dtype="float32",
        ),
        keras.layers.ReLU(dtype="float32"),
    ]


def patch_whitening(images: np.ndarray) -> np.ndarray:
    """The whitening filters of ``images`` (N x 28 x 28, scaled to 0-1): a
    ``Conv2D`` kernel of shape (2, 2, 1, 8) whose first four filters map the
    images' 2 x 2 patches to outputs with (nearly) the identity as their second
    moment, the last four their negatives."""
    step = max(1, len(images) // MAX_IMAGES)
    sample = np.asarray(images[::step], dtype=np.float32)
    patches = np.lib.stride_tricks.sliding_window_view(sample, (SIZE, SIZE), (1, 2))
    flat = patches.reshape(-1, SIZE * SIZE).astype(np.float64)
    moment = flat.T @ flat / len(flat)
    values, vectors = np.linalg.eigh(moment)
    filters = vectors / np.sqrt(values + EPSILON)  # a filter per column
    kernel = np.concatenate([filters, -filters], axis=1)
    return kernel.reshape(SIZE, SIZE, 1, FILTERS).astype(np.float32)


def set_whitening(model: keras.Model, kernel: np.ndarray | None) -> None:
    """Put ``kernel`` (``patch_whitening``'s, of the images ``model`` will be
    trained on) in ``model``'s whitening layer; ``None``: a network without one."""
    if kernel is not None:
        model.get_layer(NAME).kernel.assign(kernel)
