"""scripts/ablate.py: its variants mean what ``kedro run --params`` would."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

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
    assert recipe.stages == 3  # the rest is the architecture's own
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
def test_a_bad_variant_stops_the_script_before_the_first_trains(variants, message):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *variants],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert "[1]" not in done.stderr  # no variant started


def test_the_speed_script_reads_variants_as_ablate_does_and_refuses_bad_ones():
    """scripts/measure_network_speed.py --variant: the same reading, checked
    against the recipe before anything is measured."""
    script = PROJECT_ROOT / "scripts" / "measure_network_speed.py"
    done = subprocess.run(
        [
            sys.executable,
            str(script),
            "--architectures",
            "cnn_bn",
            "--variant",
            "shape.width=16",
            "--variant",
            "shape.stages=9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "cnn_bn 'shape.stages=9'" in done.stderr
    assert "less than or equal to 4" in done.stderr  # the recipe's own bound
    assert "images" not in done.stdout  # nothing was measured
