"""scripts/ablate.py: its variants mean what ``kedro run --params`` would."""

from __future__ import annotations

import importlib.util
import runpy
import sys

import numpy as np
import pytest

from fashion_mnist.training import TrainingParams
from tests.helpers import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "ablate.py"
spec = importlib.util.spec_from_file_location("ablate", SCRIPT)
ablate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ablate)


def test_a_variant_is_the_training_section_it_names():
    section = ablate.overrides(
        "epochs=12, shape.width=48,augmentation.flip=false,ema=true"
    )
    assert section == {
        "epochs": 12,
        "shape": {"width": 48},
        "augmentation": {"flip": False},
        "ema": True,
    }
    recipe = TrainingParams.model_validate(section).recipe("cnn_bn")
    assert (recipe.epochs, recipe.width, recipe.flip, recipe.ema) == (
        12,
        48,
        False,
        True,
    )
    assert recipe.convolutions == 2  # the rest is the architecture's own
    assert ablate.overrides("") == {}


@pytest.mark.parametrize("bad", ["epochs=0", "shape.stages=9"])
def test_a_value_out_of_bounds_is_refused_by_the_recipe(bad):
    with pytest.raises(ValueError, match=bad.split("=")[0].split(".")[-1]):
        TrainingParams.model_validate(ablate.overrides(bad))


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        (["epochs=2", "ema"], "'ema': expected key=value"),  # malformed
        (
            ["--architecture", "mlp", "epochs=2", "shape.width=16"],
            "mlp's shape is fixed",
        ),
    ],
    ids=["malformed", "out-of-recipe"],
)
def test_a_bad_variant_stops_the_script_before_the_first_trains(
    variants, message, monkeypatch, capfd
):
    with pytest.raises(SystemExit) as stopped:
        _run_script(SCRIPT, variants, monkeypatch)
    assert message in str(stopped.value)
    assert "[1]" not in capfd.readouterr().err  # no variant started


def test_an_ensemble_is_scored_by_its_members_mean_answer():
    """Each member is right on one image of two; their mean on both (neither
    member's score, nor a vote, which ties)."""
    labels = np.array([0, 1])
    first = np.array([[0.9, 0.1], [0.6, 0.4]])
    second = np.array([[0.4, 0.6], [0.1, 0.9]])
    assert ablate.ensemble_accuracy([(first, labels), (second, labels)]) == 1.0
    assert ablate.ensemble_accuracy([(first, labels), (first, labels)]) == 0.5
    with pytest.raises(ValueError, match="different held-out images"):
        ablate.ensemble_accuracy([(first, labels), (second, labels[::-1])])


def test_an_ensemble_needs_two_seeds(monkeypatch, capfd):
    with pytest.raises(SystemExit) as stopped:
        _run_script(SCRIPT, ["--ensemble", "--seeds", "42", "epochs=2"], monkeypatch)
    assert "at least two --seeds" in str(stopped.value)
    assert "[1]" not in capfd.readouterr().err  # nothing trained


def test_the_speed_script_reads_variants_as_ablate_does_and_refuses_bad_ones(
    monkeypatch, capfd
):
    """scripts/measure_network_speed.py --variant: the same reading, checked
    against the recipe before anything is measured."""
    script = PROJECT_ROOT / "scripts" / "measure_network_speed.py"
    args = ["--architectures", "cnn_bn", "--variant", "shape.width=16"]
    with pytest.raises(SystemExit) as stopped:
        _run_script(script, [*args, "--variant", "shape.stages=9"], monkeypatch)
    assert "cnn_bn 'shape.stages=9'" in str(stopped.value)
    assert "less than or equal to 4" in str(stopped.value)  # the recipe's own bound
    assert "images" not in capfd.readouterr().out  # nothing was measured


def _run_script(script, args, monkeypatch):
    """Run ``python SCRIPT ARGS`` as its command line would, in this process
    (``runpy``: the same ``__main__``, without a second TensorFlow start-up);
    an uncaught ``SystemExit`` is what would end such a process with an error."""
    monkeypatch.setattr(sys, "argv", [str(script), *args])
    runpy.run_path(str(script), run_name="__main__")
