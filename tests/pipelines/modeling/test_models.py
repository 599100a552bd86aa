"""The two model builders."""

from __future__ import annotations

import keras
import pytest

from fashion_mnist.models import build_classifier, build_cnn, build_mlp


def test_mlp_is_exactly_the_labs_network():
    model = build_mlp()
    assert model.count_params() == 407_050
    layers = model.layers
    assert [type(layer).__name__ for layer in layers] == ["Flatten", "Dense", "Dense"]
    assert layers[0].count_params() == 0
    assert (layers[1].units, layers[1].activation.__name__) == (512, "relu")
    assert (layers[2].units, layers[2].activation.__name__) == (10, "softmax")
    assert model.input_shape == (None, 28, 28)


def test_cnn_has_two_convolutions_and_no_lambda_layers():
    model = build_cnn()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 2
    assert "Lambda" not in kinds
    assert model.input_shape == (None, 28, 28)
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_build_classifier_compiles_with_the_labs_settings(architecture):
    model = build_classifier(architecture, seed=1)
    assert model.name == architecture
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.loss == "sparse_categorical_crossentropy"


def test_same_seed_gives_same_initial_weights():
    first = build_classifier("mlp", seed=7).get_weights()[0]
    second = build_classifier("mlp", seed=7).get_weights()[0]
    third = build_classifier("mlp", seed=8).get_weights()[0]
    assert (first == second).all()
    assert not (first == third).all()


def test_unknown_architecture_is_rejected():
    with pytest.raises(ValueError, match="Unknown architecture 'resnet'"):
        build_classifier("resnet")
