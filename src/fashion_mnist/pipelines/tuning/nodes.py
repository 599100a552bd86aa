"""Nodes of the ``tuning`` pipeline: a hyperparameter search with Optuna.

Each trial trains with the project's own training code (``train_classifier``,
as ``modeling`` does) on the first ``tuning.sample_limit`` training images,
holds out the last ``validation_split`` of them, and is scored on those by its
validation accuracy (with the recipe's flip test-time augmentation). After
every epoch the validation accuracy is reported to Optuna, whose pruner stops
weak trials early. The study lives in a storage shared by every process that
opens it, so a search resumes where it stopped and several processes (or
machines, with a database) add up their trials.

The search runs inside one node, as kedro-mlflow's authors advise, rather than
as generated pipelines. Each trial trains in a Python process of its own
(``trial.py``), which ends with it: TensorFlow keeps memory from every model it
has traced and run (even after ``keras.backend.clear_session()`` and
``gc.collect()``, as measured in docs/tuning.md; optuna#1178, keras#20552), so the search process itself stays as small as it starts. The
trial processes share the study through its storage, like any other worker.

The nodes by concern: the study's storage, sampler and pruner (``study.py``),
a trial's work in its process (``objective.py``, run by ``trial.py``), the
search supervising the trial processes (``search.py``), each trial's log line,
MLflow run and table row (``records.py``), the figures and the recommendation
(``reports.py``).
"""

from .records import trials_table
from .reports import plot_parameter_importances, plot_search_history, report_best
from .search import search_recipes
from .study import TuningError, open_study

__all__ = [
    "TuningError",
    "open_study",
    "plot_parameter_importances",
    "plot_search_history",
    "report_best",
    "search_recipes",
    "trials_table",
]
