"""The networks, their recipes and how they are compiled."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from pydantic import ValidationError

from fashion_mnist.cost import multiply_adds, network_parameters
from fashion_mnist.networks import (
    NETWORKS,
    build_classifier,
    build_network,
)
from fashion_mnist.recipes import LAB_RECIPE
from fashion_mnist.recipes.compilation import wants_one_hot
from fashion_mnist.training import (
    AugmentationParams,
    ShapeParams,
    TrainingParams,
    train_classifier,
)
from fashion_mnist.views import averaged


def _kinds(model: keras.Model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_mlp_is_exactly_the_labs_network():
    model = build_network("mlp")
    assert model.count_params() == 407_050
    assert _kinds(model) == ["Flatten", "Dense", "Dense"]
    layers = model.layers
    assert (layers[1].units, layers[1].activation.__name__) == (512, "relu")
    assert (layers[2].units, layers[2].activation.__name__) == (10, "softmax")
    assert model.input_shape == (None, 28, 28)


def test_mlp_and_cnn_are_trained_the_labs_way():
    assert NETWORKS["mlp"].recipe == NETWORKS["cnn"].recipe == LAB_RECIPE
    assert (LAB_RECIPE.epochs, LAB_RECIPE.batch_size) == (10, 64)
    assert (LAB_RECIPE.schedule, LAB_RECIPE.learning_rate) == ("constant", 0.001)
    assert not (LAB_RECIPE.flip or LAB_RECIPE.shift or LAB_RECIPE.label_smoothing)


def test_cnn_augmented_adds_flips_to_the_same_two_convolutions():
    plain, augmented = build_network("cnn"), build_network("cnn_augmented")
    assert _kinds(plain).count("Conv2D") == _kinds(augmented).count("Conv2D") == 2
    assert _kinds(augmented)[:2] == ["Reshape", "RandomFlip"]
    trainable = sum(w.numpy().size for w in augmented.trainable_weights)
    assert trainable == plain.count_params() == 225_034


def test_the_default_whitens_then_has_two_narrow_stages_with_fused_batch_norm():
    model = build_network("cnn_bn")
    kinds = _kinds(model)
    assert kinds.count("Conv2D") == 4 and kinds.count("MaxPooling2D") == 2
    assert kinds.count("FusedBatchNormalization") == 4  # 3 convolutions, 1 dense
    # The frozen whitening layer (8 filters) in place of the first convolution.
    assert _filters(model) == [8, 16, 32, 32]
    whitening = model.layers[2]
    assert (whitening.name, whitening.trainable) == ("whitening", False)
    momenta = {
        layer.momentum
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    }
    assert momenta == {0.9}  # short runs predict with settled running averages
    assert kinds[:2] == ["Reshape", "RandomFlip"]
    assert "RandomTranslation" not in kinds
    # By hand: 2x2x1x8 (whitening) + 3x3x8x16 + 3x3x16x32 + 3x3x32x32 (no
    # biases), 4 x (16 + 32 + 32) batch norm, 7x7x32x128 + 4x128, (128 + 1) x 10.
    assert model.count_params() == 32 + 1152 + 4608 + 9216 + 320 + 201_216 + 1290
    recipe = NETWORKS["cnn_bn"].recipe
    assert (recipe.epochs, recipe.learning_rate) == (8, 0.02)


def test_vgg_bn_whitens_then_has_two_stages_of_two_convolutions_with_batch_norm():
    model = build_network("vgg_bn")
    kinds = _kinds(model)
    assert kinds.count("Conv2D") == 5 and kinds.count("MaxPooling2D") == 2
    assert kinds.count("FusedBatchNormalization") == 5  # 4 convolutions, 1 dense
    # The frozen whitening layer (8 filters) before the first stage, which has
    # 16 filters at full resolution; the second stage has width 32 doubled.
    assert _filters(model) == [8, 16, 16, 64, 64]
    assert not model.get_layer("whitening").trainable
    # By hand: 2x2x1x8 + 3x3x8x16 + 3x3x16x16 + 3x3x16x64 + 3x3x64x64, 4 x
    # (16 + 16 + 64 + 64) batch norm, 7x7x64x256 + 4x256, (256 + 1) x 10.
    assert model.count_params() == (
        32 + 1152 + 2304 + 9216 + 36_864 + 640 + 802_816 + 1024 + 2570
    )
    recipe = NETWORKS["vgg_bn"].recipe
    assert (recipe.epochs, recipe.learning_rate) == (20, 0.02)
    assert recipe.flip_tta and recipe.shift_tta  # ten views


def _filters(model: keras.Model) -> list[int]:
    return [layer.filters for layer in model.layers if hasattr(layer, "filters")]


def test_the_shape_fields_build_the_stages_they_say():
    recipe = TrainingParams(
        shape=ShapeParams(
            width=8, stages=2, convolutions=1, whitening=False, dense=0, dropout=0.1
        ),
        augmentation=AugmentationParams(flip=False),
    ).recipe("cnn_bn")
    model = build_network("cnn_bn", recipe)
    conv_bn = ["Conv2D", "FusedBatchNormalization", "ReLU"]
    assert _kinds(model) == [
        "Reshape",
        *conv_bn,
        "MaxPooling2D",
        *conv_bn,
        "MaxPooling2D",
        "Flatten",
        "Dropout",
        "Dense",
    ]
    assert _filters(model) == [8, 16]
    assert model.layers[-2].rate == 0.1
    # By hand: 3x3x1x8 + 4x8 (batch norm) + 3x3x8x16 + 4x16 + (7x7x16 + 1) x 10.
    assert model.count_params() == 72 + 32 + 1152 + 64 + 7850
    # One field changed, the rest the architecture's own.
    narrower = TrainingParams(shape=ShapeParams(width=16)).recipe("vgg_bn")
    assert _filters(build_network("vgg_bn", narrower)) == [8, 16, 16, 32, 32]
    assert narrower.dense == 256
    wider = TrainingParams(shape=ShapeParams(width=32)).recipe("cnn_bn")
    assert _filters(build_network("cnn_bn", wider)) == [8, 32, 64, 64]
    assert (wider.dense, wider.epochs) == (128, 8)


def test_the_first_stage_can_have_its_own_number_of_convolutions():
    one_then_two = TrainingParams(
        shape=ShapeParams(width=8, stages=3, convolutions=2, first_convolutions=1)
    ).recipe("cnn_bn")
    # (after cnn_bn's whitening layer, 8 filters)
    assert _filters(build_network("cnn_bn", one_then_two)) == [8, 8, 16, 16, 32, 32]
    three_then_two = TrainingParams(shape=ShapeParams(first_convolutions=3)).recipe(
        "cnn_bn"
    )
    assert _filters(build_network("cnn_bn", three_then_two)) == [8, 16, 16, 16, 32, 32]
    # Left out, the first stage has as many as the others.
    assert _filters(build_network("vgg_bn")) == [8, 16, 16, 64, 64]
    with pytest.raises(ValueError, match="refine a network shape"):
        LAB_RECIPE.changed(first_convolutions=1)
    with pytest.raises(ValueError, match="mlp's shape is fixed"):
        TrainingParams(shape=ShapeParams(first_convolutions=1)).recipe("mlp")


def test_the_first_stage_can_have_its_own_width():
    # vgg_bn's first stage (16 filters) is narrower than width 32; the next
    # stage has width doubled (64). first_width: 32 gives the earlier preset.
    narrow_first = NETWORKS["vgg_bn"].recipe
    assert (narrow_first.width, narrow_first.first_width) == (32, 16)
    earlier = TrainingParams(shape=ShapeParams(first_width=32)).recipe("vgg_bn")
    assert _filters(build_network("vgg_bn", earlier)) == [8, 32, 32, 64, 64]
    three_stages = TrainingParams(
        shape=ShapeParams(width=8, stages=3, first_width=4, first_convolutions=1)
    ).recipe("cnn_bn")
    assert _filters(build_network("cnn_bn", three_stages)) == [8, 4, 16, 16, 32, 32]
    # Its multiply-adds follow: after the whitening's 2x2x1x8 per pixel, the
    # first stage's second convolution at 28 x 28 px is 3x3x16x16 instead of
    # 3x3x32x32 per pixel, and so on.
    assert multiply_adds(build_network("vgg_bn", narrow_first)) == (
        784 * (4 * 8 + 9 * (8 * 16 + 16 * 16))
        + 196 * 9 * (16 * 64 + 64 * 64)
        + 3136 * 256
        + 2560
    )
    with pytest.raises(ValueError, match="refine a network shape"):
        LAB_RECIPE.changed(first_width=16)
    with pytest.raises(ValueError, match="cnn's shape is fixed"):
        TrainingParams(shape=ShapeParams(first_width=16)).recipe("cnn")
    with pytest.raises(ValidationError, match="greater than or equal to 4"):
        ShapeParams(first_width=2)


def test_residual_stages_add_their_first_convolution_to_their_last():
    recipe = TrainingParams(
        shape=ShapeParams(
            width=4, first_width=4, stages=2, convolutions=3, residual=True
        )
    ).recipe("vgg_bn")
    model = build_network("vgg_bn", recipe, seed=3)
    plain = build_network("vgg_bn", recipe.changed(residual=None), seed=3)
    stages = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert [stage.name for stage in stages] == ["stage_1", "stage_2"]
    assert [_filters(stage) for stage in stages] == [[4, 4, 4], [8, 8, 8]]
    # A skip has no weights: the same parameters, in the same order.
    assert model.count_params() == plain.count_params()
    plain.set_weights(model.get_weights())

    stage = stages[1]
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 14, 14, 4)).astype("float32")
    inner = [
        layer
        for layer in stage.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    assert type(inner[-1]).__name__ == "Add"
    blocks = [inner[i : i + 3] for i in range(0, 9, 3)]  # conv, batch norm, ReLU
    first = features
    for layer in blocks[0]:
        first = layer(first, training=False)
    last = first
    for block in blocks[1:]:
        for layer in block:
            last = layer(last, training=False)
    np.testing.assert_allclose(
        stage(features, training=False), first + last, rtol=1e-5, atol=1e-5
    )
    images = rng.uniform(0, 1, size=(4, 28, 28)).astype("float32")
    assert not np.allclose(
        model.predict(images, verbose=0), plain.predict(images, verbose=0)
    )

    # A stage of one convolution has nothing to skip over.
    single = TrainingParams(shape=ShapeParams(convolutions=1)).recipe("cnn_bn")
    skipping = single.changed(residual=True)
    assert _kinds(build_network("cnn_bn", skipping)) == _kinds(
        build_network("cnn_bn", single)
    )
    with pytest.raises(ValueError, match="refine a network shape"):
        LAB_RECIPE.changed(residual=True)


def test_early_pooling_runs_each_stages_later_convolutions_at_half_resolution():
    early = TrainingParams(shape=ShapeParams(early_pooling=True)).recipe("vgg_bn")
    model = build_network("vgg_bn", early)
    convolutions = [
        layer.output.shape[1:3]
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D) and layer.name != "whitening"
    ]
    assert convolutions == [(28, 28), (14, 14), (14, 14), (7, 7)]
    # The same weights as the preset's (pooling has none), a quarter of the
    # arithmetic for each stage's second convolution; the same 7 x 7 x 64 into
    # the dense layer.
    assert model.count_params() == build_network("vgg_bn").count_params()
    assert multiply_adds(model) == (
        784 * (4 * 8 + 9 * 8 * 16)
        + 196 * 9 * (16 * 16 + 16 * 64)
        + 49 * 9 * 64 * 64
        + 3136 * 256
        + 2560
    )
    # In a residual stage the skip starts after the pooling (ResNet-9's order).
    skips = early.changed(residual=True)
    stage = build_network("vgg_bn", skips).get_layer("stage_2")
    assert _kinds(stage)[1:5] == [
        "Conv2D",
        "FusedBatchNormalization",
        "ReLU",
        "MaxPooling2D",
    ]
    assert stage.output.shape[1:] == (7, 7, 64)
    assert "MaxPooling2D" not in _kinds(build_network("vgg_bn", skips))
    with pytest.raises(ValueError, match="refine a network shape"):
        LAB_RECIPE.changed(early_pooling=True)


def test_a_fixed_shape_refuses_the_shape_fields():
    with pytest.raises(ValueError, match="mlp's shape is fixed; .* cnn_bn, vgg_bn"):
        TrainingParams(shape=ShapeParams(width=16)).recipe("mlp")
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        ShapeParams(stages=5)
    with pytest.raises(ValueError, match="fixed shape"):
        build_network("cnn", NETWORKS["cnn_bn"].recipe)


def test_shifts_and_erasing_are_keras_layers_when_asked_for():
    recipe = TrainingParams(
        augmentation=AugmentationParams(shift=0.1, erasing=0.25)
    ).recipe("vgg_bn")
    kinds = _kinds(build_network("vgg_bn", recipe))
    assert {"RandomFlip", "RandomTranslation", "RandomErasing"} <= set(kinds)


@pytest.mark.parametrize("architecture", sorted(NETWORKS))
def test_no_lambda_layers_and_a_float32_output_under_mixed_precision(architecture):
    model = build_network(architecture, dtype="mixed_bfloat16")
    assert "Lambda" not in _kinds(model)
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"
    assert model.layers[-2].dtype_policy.name == "mixed_bfloat16"
    assert model.output_shape == (None, 10)
    output = model(np.zeros((2, 28, 28), dtype=np.float32))
    assert output.dtype == "float32"


def test_build_classifier_compiles_as_the_lab_does():
    model = build_classifier("cnn", seed=1)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    assert not wants_one_hot(model)
    assert model.steps_per_execution == 1
    assert model.layers[0].dtype_policy.name == "float32"


def test_same_seed_gives_same_initial_weights():
    first = build_network("mlp", seed=7).get_weights()[0]
    second = build_network("mlp", seed=7).get_weights()[0]
    third = build_network("mlp", seed=8).get_weights()[0]
    assert (first == second).all()
    assert not (first == third).all()


def test_unknown_architecture_is_rejected():
    with pytest.raises(ValueError, match="Unknown architecture 'resnet'"):
        build_network("resnet")


def test_training_parameters_override_the_recipe_key_by_key():
    recipe = TrainingParams(
        epochs=3, augmentation=AugmentationParams(flip=False)
    ).recipe("cnn_bn")
    default = NETWORKS["cnn_bn"].recipe
    assert (recipe.epochs, recipe.flip) == (3, False)
    assert recipe.batch_size == default.batch_size == 128
    assert recipe.schedule == "one_cycle" and recipe.label_smoothing == 0.1
    assert TrainingParams().recipe("mlp") == LAB_RECIPE


def test_flip_tta_predicts_the_mean_of_the_image_and_its_mirror():
    network = build_network("cnn", seed=0)
    images = np.random.default_rng(0).uniform(size=(4, 28, 28)).astype(np.float32)
    tta = averaged(network, flip=True)
    expected = (network(images) + network(images[:, :, ::-1])) / 2
    np.testing.assert_allclose(tta(images), expected, rtol=1e-5, atol=1e-6)
    mirror = tta.get_layer("mirror")
    np.testing.assert_array_equal(mirror(images), images[:, :, ::-1])
    assert not mirror.trainable


def _moved(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """By hand: the images moved down ``rows`` and right ``columns`` pixels,
    black coming in."""
    moved = np.zeros_like(images)
    height, width = images.shape[1:]
    moved[
        :,
        max(rows, 0) : height + min(rows, 0),
        max(columns, 0) : width + min(columns, 0),
    ] = images[
        :,
        max(-rows, 0) : height + min(-rows, 0),
        max(-columns, 0) : width + min(-columns, 0),
    ]
    return moved


def test_shift_tta_adds_the_image_moved_one_pixel_each_way():
    network = build_network("cnn", seed=0)
    images = np.random.default_rng(1).uniform(size=(3, 28, 28)).astype(np.float32)
    views = [
        _moved(images, r, c) for r, c in ((0, 0), (0, 1), (0, -1), (1, 0), (-1, 0))
    ]
    assert (
        _moved(images, 0, 1)[0, 5, 0] == 0
        and _moved(images, 0, 1)[0, 5, 1] == images[0, 5, 0]
    )
    shifted = averaged(network, flip=False, shift=True)
    expected = np.mean([network(view) for view in views], axis=0)
    np.testing.assert_allclose(shifted(images), expected, rtol=1e-5, atol=1e-6)
    both = averaged(network, flip=True, shift=True)
    views += [view[:, :, ::-1] for view in views]
    expected = np.mean([network(view) for view in views], axis=0)
    np.testing.assert_allclose(both(images), expected, rtol=1e-5, atol=1e-6)
    fixed = [
        layer for layer in both.layers if layer.name.startswith(("move_", "mirror"))
    ]
    assert len(fixed) == 5 and not any(layer.trainable for layer in fixed)
    # The views' fixed maps (28 x 28 each) are no parameters of the network.
    assert both.count_params() == network.count_params() + 5 * 28 * 28
    assert network_parameters(both) == network.count_params()


def test_an_ensemble_predicts_the_mean_of_its_members_each_trained_alone():
    """``members=2`` trains from seeds 5 and 6 what two runs with those seeds
    train alone, and predicts (with the recipe's views) the mean of the two."""
    rng = np.random.default_rng(2)
    images = rng.uniform(size=(192, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, size=192).astype(np.uint8)
    images[np.arange(192), labels, :] += 1.0  # separable: row `label` is bright
    recipe = {"epochs": 2, "batch_size": 32, "flip_tta": True}
    alone = [
        train_classifier("mlp", images, labels, TrainingParams(**recipe, seed=seed))
        for seed in (5, 6)
    ]
    ensemble, result = train_classifier(
        "mlp", images, labels, TrainingParams(**recipe, seed=5, members=2)
    )
    assert [
        layer.name for layer in ensemble.layers if isinstance(layer, keras.Model)
    ] == [
        "mlp_1",
        "mlp_2",
    ]
    expected = np.mean([model.predict(images, verbose=0) for model, _ in alone], axis=0)
    np.testing.assert_allclose(
        ensemble.predict(images, verbose=0), expected, rtol=1e-4, atol=1e-5
    )
    assert not np.allclose(alone[0][0].predict(images, verbose=0), expected, atol=1e-3)
    histories = [fit.history[["loss", "accuracy"]] for _, fit in alone]
    np.testing.assert_allclose(
        result.history[["loss", "accuracy"]],
        (histories[0] + histories[1]) / 2,
        rtol=1e-4,
    )
    assert result.samples_per_second * result.seconds == pytest.approx(192 * 2 * 2)
    assert (
        network_parameters(ensemble) == 2 * alone[0][0].get_layer("mlp").count_params()
    )


@pytest.mark.parametrize("members", [0, 6])
def test_members_outside_one_to_five_are_refused(members):
    with pytest.raises(ValidationError, match="members"):
        TrainingParams(members=members)
