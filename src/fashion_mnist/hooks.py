"""Project hooks: checks before a run starts, and a clean stop on SIGTERM."""

from __future__ import annotations

import logging
import shutil
import signal
import tempfile
import threading
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DatasetError
from kedro.pipeline import Pipeline

from fashion_mnist import stopping
from fashion_mnist.distribution import is_helper_worker, task

logger = logging.getLogger(__name__)


class MissingInputError(DatasetError):
    """Raised before a run when an input the run needs does not exist yet."""


class StaleInputError(DatasetError):
    """Raised before a run that would read arrays made with other parameters."""


class UnsupportedRunnerError(RuntimeError):
    """Raised before a run with a runner the project cannot use."""


class PreflightHooks:
    """Stop a run before its first node when it cannot succeed or would use
    stale data, saying why and what to do.

    - A catalog entry opts in with ``metadata: {if_missing: "<what to do>"}``;
      the error lists every missing input with that advice (e.g. "train a
      model first"), instead of a load error deep inside the run.
    - An entry with ``metadata: {made_with: [<parameter keys>], manifest:
      <dataset>}`` was saved together with a manifest of the parameters it was
      made with. A run that reads it from disk instead of making it (one that
      starts after the node that makes it, e.g. ``--from-nodes``) must ask for
      the same parameters, or it stops.
    - ``ParallelRunner`` runs nodes in forked processes, which TensorFlow does
      not survive: it is refused at once.
    """

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        runner = str(run_params.get("runner") or "")
        if "ParallelRunner" in runner:
            raise UnsupportedRunnerError(
                "ParallelRunner is not supported: it runs nodes in separate "
                "processes, and TensorFlow cannot be used in forked processes. "
                "Use the default SequentialRunner, or --runner ThreadRunner."
            )
        _check_missing_inputs(pipeline, catalog)
        _check_stale_inputs(pipeline, catalog)


def _metadata(catalog: Any, name: str) -> dict[str, Any]:
    if name.startswith("params:") or name == "parameters" or name not in catalog:
        return {}
    return catalog.get(name).metadata or {}


def _check_missing_inputs(pipeline: Pipeline, catalog: Any) -> None:
    missing = []
    for name in sorted(pipeline.inputs()):
        advice = _metadata(catalog, name).get("if_missing")
        if advice and not catalog.exists(name):
            missing.append(f"  - {name}: {advice.strip()}")
    if missing:
        raise MissingInputError(
            "This run needs inputs that do not exist yet:\n" + "\n".join(missing)
        )


def _check_stale_inputs(pipeline: Pipeline, catalog: Any) -> None:
    """Compare the manifest of every made-with-parameters dataset that this run
    reads from disk (an input of the pipeline) with the parameters it uses.

    (``--only-missing-outputs`` needs no check: the model-input datasets are
    ``CachedDataset``s, which Kedro always makes again under that flag.)
    """
    problems = []
    for name in sorted(pipeline.inputs()):
        metadata = _metadata(catalog, name)
        keys, manifest = metadata.get("made_with"), metadata.get("manifest")
        if not keys or not manifest or not catalog.exists(name):
            continue
        made = catalog.load(manifest)["parameters"] if catalog.exists(manifest) else {}
        for key in keys:
            wanted = catalog.load(f"params:{key}")
            if key not in made or made[key] != wanted:
                found = made.get(key, "unknown (no manifest)")
                problems.append(
                    f"  - {name} was made with {key}={found}; this run asks for "
                    f"{key}={wanted}."
                )
    if problems:
        raise StaleInputError(
            "This run would read saved data made with other parameters:\n"
            + "\n".join(problems)
            + "\nRun the whole pipeline (without --from-nodes) to make it again."
        )


class HelperWorkerHooks:
    """On a worker of a multi-worker run other than the chief, every file the
    run would write under ``data/`` goes to a temporary folder instead: the
    chief alone writes ``data/`` (and records the run in MLflow, see
    ``tracking.py``). The raw data (``data/01_raw``) is still read from the
    project. Done on the catalog's configuration, before the catalog is made.
    The folder is removed when the run ends, as it ends: nothing in it is kept
    (the chief's copy of every output is)."""

    def __init__(self) -> None:
        self._folder: Path | None = None

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        if not is_helper_worker(context.params.get("training")):
            return
        kind, index = task()
        self._folder = Path(tempfile.mkdtemp(prefix=f"fashion-mnist-{kind}-{index}-"))
        catalog = context.config_loader["catalog"]
        context.config_loader["catalog"] = redirect_outputs(catalog, self._folder)
        logger.info(
            "%s %d of the cluster: this run's outputs go to %s (removed when the "
            "run ends); the chief writes data/.",
            kind.capitalize(),
            index,
            self._folder,
        )

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._remove()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._remove()

    def _remove(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


PATH_KEYS = ("filepath", "path")


def redirect_outputs(catalog: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The catalog's configuration with every path under ``data/`` (other than
    ``data/01_raw/``) moved into ``folder``: ``folder/<entry>/<file name>``."""

    def moved(name: str, config: Any) -> Any:
        if not isinstance(config, dict):
            return config
        result = {}
        for key, value in config.items():
            path = PurePosixPath(str(value)) if key in PATH_KEYS else None
            if path and path.parts[:1] == ("data",) and path.parts[1:2] != ("01_raw",):
                result[key] = (folder / name / path.name).as_posix()
            else:
                result[key] = moved(name, value)
        return result

    return {name: moved(name, config) for name, config in catalog.items()}


class GracefulStopHooks:
    """Turn SIGTERM into an exception for the length of a run.

    Python's default for SIGTERM ends the process on the spot, leaving any file
    being written as a hidden ``.part`` file. Raised as an exception instead, it
    unwinds the save in progress: the temporary file is removed and the
    previous file stays (see ``datasets/atomic.py``). Like Ctrl-C, the run then
    stops with a non-zero exit code.
    """

    def __init__(self) -> None:
        self._previous: Any = None

    @hook_impl
    def before_pipeline_run(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = stopping.install()

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._restore()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._restore()

    def _restore(self) -> None:
        if self._previous is not None and (
            threading.current_thread() is threading.main_thread()
        ):
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None
