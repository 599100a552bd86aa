"""The tuning pipeline's parameters and nodes, on small data."""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState
from pydantic import ValidationError

from fashion_mnist.networks import build_network
from fashion_mnist.pipelines.tuning.nodes import (
    TuningError,
    open_study,
    report_best,
    search_recipes,
)
from fashion_mnist.pipelines.tuning.objective import trial_settings
from fashion_mnist.pipelines.tuning.params import TuningParams
from fashion_mnist.pipelines.tuning.reports import _params_argument
from fashion_mnist.training import TrainingParams
from tests.helpers import barrier_env, separable_data


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"search_space": {"learning_rat": {"low": 0.1, "high": 1}}}, "learning_rat"),
        (
            {"search_space": {"label_smoothing": {"low": 0.3, "high": 0.1}}},
            "must be below high",
        ),
        (
            {"search_space": {"learning_rate": {"low": 0.0, "high": 0.1, "log": True}}},
            "through zero",
        ),
        ({"search_space": {"flip": {"low": 0, "high": 1}}}, "takes choices"),
        ({"search_space": {"ema": {"low": 0, "high": 1}}}, "takes choices"),
        (
            {"search_space": {"epochs": {"low": 2, "high": 30}}},
            "above the per-trial budget",
        ),
        (
            {"search_space": {"schedule": {"choices": ["cyclic"]}}},
            "schedule = 'cyclic'",
        ),
        (
            {"search_space": {"optimizer": {"choices": ["adam", "rmsprop"]}}},
            "optimizer = 'rmsprop'",
        ),
        ({"search_space": {"optimizer": {"low": 0, "high": 1}}}, "takes choices"),
        (
            {"search_space": {"label_smoothing": {"low": 0.0, "high": 1.5}}},
            "less than 1",
        ),
        ({"search_space": {"shift": {"choices": [0.1, 0.9]}}}, "shift = 0.9"),
        ({"search_space": {"batch_size": {"choices": []}}}, "must not be empty"),
        ({"search_space": {"stages": {"low": 1, "high": 5}}}, "stages = 5"),
        ({"search_space": {"width": {"low": 8.5, "high": 64}}}, "whole numbers"),
        (
            {"architecture": "mlp", "search_space": {"width": {"choices": [16, 32]}}},
            "mlp's is fixed",
        ),
        ({"architecture": "resnet"}, "architecture"),
        ({"validation_split": 0.0}, "validation_split"),
        ({"n_trial": 3}, "n_trial"),
    ],
)
def test_bad_parameters_are_refused_naming_the_problem(value, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        TuningParams.model_validate(value)


def test_a_trial_trains_with_the_training_section_and_its_own_values():
    training = TrainingParams(seed=7, performance={"precision": "float32"})
    tuning = TuningParams(epochs=5, validation_split=0.25)
    settings = trial_settings(
        training, {"learning_rate": 0.002, "erasing": 0.3, "batch_size": 64}, tuning
    )
    assert (settings.learning_rate, settings.batch_size) == (0.002, 64)
    assert settings.augmentation.erasing == 0.3  # under training.augmentation
    assert settings.epochs == 5  # the budget, as no range was searched
    assert settings.validation_split == 0.25
    assert settings.seed == 7 and settings.performance.precision == "float32"
    assert trial_settings(training, {"epochs": 3}, tuning).epochs == 3
    # A recipe field added later (ema) is a search key with nothing else to do.
    searched = TuningParams(search_space={"ema": {"choices": [True, False]}})
    assert trial_settings(training, {"ema": True}, searched).recipe("cnn_bn").ema
    searched = TuningParams(search_space={"optimizer": {"choices": ["adam", "sgd"]}})
    trial = trial_settings(training, {"optimizer": "sgd"}, searched)
    assert trial.recipe("cnn_bn").optimizer == "sgd"


def test_a_trial_may_change_the_networks_shape():
    training = TrainingParams(shape={"dropout": 0.2})
    tuning = TuningParams(
        search_space={"width": {"choices": [16, 48]}, "stages": {"low": 2, "high": 3}}
    )
    settings = trial_settings(training, {"width": 48, "stages": 3}, tuning)
    assert (settings.shape.width, settings.shape.stages) == (48, 3)
    assert settings.shape.dropout == 0.2  # from the training section
    recipe = settings.recipe("cnn_bn")
    assert (recipe.width, recipe.stages, recipe.convolutions) == (48, 3, 2)
    network = build_network("cnn_bn", recipe)
    filters = [layer.filters for layer in network.layers if hasattr(layer, "filters")]
    # cnn_bn's whitening layer, its first stage's one convolution, then two each
    assert filters == [8, 48, 96, 96, 192, 192]
    # The recommendation names each key where the modeling parameters have it.
    assert _params_argument("cnn_bn", {"width": 48, "learning_rate": 0.002}) == (
        "model.architecture=cnn_bn,training.learning_rate=0.002,training.shape.width=48"
    )


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ("postgres//user@127.0.0.1/optuna", "is not a database URL"),
        ("postgress://user:secret@127.0.0.1:5/optuna", "cannot open"),
        ("postgresql+psycopg://user:secret@127.0.0.1:9/optuna", "cannot open"),
    ],
)
def test_a_storage_that_cannot_be_opened_is_named_without_its_password(
    tmp_path, storage, message
):
    with pytest.raises(TuningError, match=message) as info:
        open_study(tmp_path / "tuning.journal", TuningParams(storage=storage))
    assert "secret" not in str(info.value)
    assert "tuning.storage" in str(info.value)


@pytest.mark.slow  # three trial processes: the full tier
def test_a_search_records_every_trial_resumes_and_recommends_the_best(tmp_path, caplog):
    images, labels = separable_data(300)
    tuning = TuningParams(
        architecture="mlp",
        n_trials=2,
        epochs=2,
        sample_limit=250,  # the other 50 images are never seen
        validation_split=0.2,
        search_space={"learning_rate": {"low": 0.001, "high": 0.01, "log": True}},
        pruner={"type": "none"},
    )
    journal = tmp_path / "tuning.journal"
    with caplog.at_level(logging.INFO):
        study = open_study(journal, tuning)
        first = search_recipes(study, journal, images, labels, tuning, TrainingParams())
    assert list(first["number"]) == [0, 1]
    assert set(first["state"]) == {"COMPLETE"}
    lines = re.findall(
        r"\[(\d)/2\] trial (\d): validation ([01]\.\d{4}) \((\d+) s\)", caplog.text
    )
    assert [(done, number) for done, number, _, _ in lines] == [("1", "0"), ("2", "1")]
    # The values are each trial's accuracy on the 50 held-out images.
    for (_, _, shown, _), value in zip(
        lines, first["validation_accuracy"], strict=True
    ):
        assert float(shown) == pytest.approx(value, abs=5e-5)
        assert round(value * 50) == pytest.approx(value * 50, abs=1e-6)

    # Another run continues the same study, from the journal file.
    again = open_study(journal, tuning)
    one_more = tuning.model_copy(update={"n_trials": 1})
    table = search_recipes(again, journal, images, labels, one_more, TrainingParams())
    assert list(table["number"]) == [0, 1, 2]
    # Each trial process drew its own learning rate (seeded apart).
    assert table["param_learning_rate"].nunique() == 3
    best = report_best(again, table, tuning)
    top = table.loc[table["validation_accuracy"].idxmax()]
    assert best["best"]["number"] == top["number"]
    rate = best["best"]["params"]["learning_rate"]
    assert best["command"] == (
        'kedro run --params "model.architecture=mlp,training.epochs=2,'
        f'training.learning_rate={rate:.4g}"'
    )


@pytest.mark.slow  # three trial processes: the full tier
def test_weak_trials_are_pruned_after_the_warm_up_epochs(tmp_path):
    """A learning rate of 1e-6 learns nothing: after the warm-up epoch its
    validation accuracy is below the median of the earlier trials, and it stops."""
    images, labels = separable_data(300)
    tuning = TuningParams(
        architecture="mlp",
        n_trials=3,
        epochs=4,
        sample_limit=300,
        search_space={"learning_rate": {"choices": [0.005, 1e-6]}},
        pruner={"type": "median", "n_startup_trials": 2, "n_warmup_steps": 1},
    )
    journal = tmp_path / "tuning.journal"
    study = open_study(journal, tuning)
    for rate in (0.005, 0.005, 1e-6):
        study.enqueue_trial({"learning_rate": rate})
    table = search_recipes(study, journal, images, labels, tuning, TrainingParams())
    assert list(table["state"]) == ["COMPLETE", "COMPLETE", "PRUNED"]
    # Reported after epoch 1 (the warm-up, not judged) and epoch 2 (judged).
    assert table["pruned_at_epoch"].iloc[2] == 2
    # Each trial trained in a process of its own: this one only waited.
    assert table["search_process_mb"].notna().all()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_a_trial_process_killed_outright_leaves_its_trial_failed(tmp_path, monkeypatch):
    """A trial process that cannot end its own trial (kill -9, the OOM killer):
    the search marks that trial failed, so none stays RUNNING."""
    images, labels = separable_data(300)
    tuning = TuningParams(
        architecture="mlp",
        n_trials=2,
        epochs=1,
        sample_limit=300,
        search_space={"learning_rate": {"low": 0.001, "high": 0.01, "log": True}},
        pruner={"type": "none"},
    )
    # The trial process, inside train_classifier (its trial begun), waits at a
    # barrier for a second process that never comes; it is killed there.
    barrier = tmp_path / "barrier"
    env = barrier_env(
        barrier, "fashion_mnist.pipelines.tuning.objective", "train_classifier"
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    killed: list[int] = []

    def kill_the_trial_process_inside_its_training() -> None:
        deadline = time.monotonic() + 300
        while not (markers := list((barrier / "inside").glob("*.inside"))):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        pid = int(markers[0].name.split(".")[0])
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_the_trial_process_inside_its_training)
    killer.start()
    journal = tmp_path / "tuning.journal"
    study = open_study(journal, tuning)
    try:
        with pytest.raises(TuningError, match=r"exit code -9"):
            search_recipes(study, journal, images, labels, tuning, TrainingParams())
    finally:
        killer.join()
    assert killed, "the trial process never reached its training"
    stored = optuna.load_study(
        study_name=tuning.study_name,
        storage=JournalStorage(JournalFileBackend(str(journal))),
    )
    assert [trial.state for trial in stored.trials] == [TrialState.FAIL]
