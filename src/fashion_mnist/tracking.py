"""Experiment tracking with MLflow, through kedro-mlflow's hook.

``TrackingHook`` is kedro-mlflow's ``MlflowHook`` (registered in ``settings.py``
instead of through the plugin's entry point) with what this project adds:

- **Embedded store by default.** ``conf/base/mlflow.yml`` names the project's
  own SQLite store (``conf/base/globals.yml``) unless ``MLFLOW_TRACKING_URI``
  is set; a relative
  SQLite path is taken from the project's folder (kedro-mlflow does that only
  for plain paths), so a notebook or a test in another folder records into the
  same ``mlflow.db``.
- **Switching off.** ``FASHION_MNIST_TRACKING=off`` turns tracking off for a
  run; ``tracking.disable_tracking.pipelines`` in ``mlflow.yml`` for good.
- **A server that does not answer does not cost the run.** A remote tracking
  URI is checked at start (a few seconds at most); when it does not answer, the
  run goes on without tracking, writes all its outputs, and then fails with an
  error naming the URI and how to fall back to the embedded store.
- **A store that cannot be written** (a read-only or locked ``mlflow.db``)
  stops the run at once with an error naming it.
- **Parameters as MLflow can show them.** Kedro hands nodes validated pydantic
  objects; they are logged as their fields (``training.epochs``, ...).
- **Run names and tags** say the pipeline and the architecture.
"""

from __future__ import annotations

import contextlib
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro.io import AbstractDataset
from kedro.io.core import parse_dataset_definition
from kedro_mlflow.config.kedro_mlflow_config import KedroMlflowConfig
from kedro_mlflow.framework.hooks import MlflowHook
from kedro_mlflow.io.artifacts import MlflowArtifactDataset
from kedro_mlflow.io.metrics import (
    MlflowMetricDataset,
    MlflowMetricHistoryDataset,
    MlflowMetricsHistoryDataset,
)
from kedro_mlflow.io.models import MlflowModelTrackingDataset
from pydantic import BaseModel

from fashion_mnist.defaults import DEFAULT_PIPELINE
from fashion_mnist.distribution import is_helper_worker
from fashion_mnist.store import absolute_sqlite_uri, embedded_uri

logger = logging.getLogger(__name__)

SWITCH = "FASHION_MNIST_TRACKING"
REMOTE_SCHEMES = ("http", "https")
PROBE_TIMEOUT = 3.0


class TrackingError(RuntimeError):
    """Raised when the run could not be recorded where MLflow was told to."""


def tracking_switched_off() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() in {"off", "0", "false", "no"}


def unreachable_reason(uri: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why a remote tracking server does not answer, or None when it does (or
    when ``uri`` is not remote)."""
    if urllib.parse.urlparse(uri).scheme not in REMOTE_SCHEMES:
        return None
    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # it answered, even if not with 200
    except (urllib.error.URLError, OSError) as exc:
        return str(getattr(exc, "reason", exc))


def records_this_run(hook: MlflowHook) -> bool:
    """Whether kedro-mlflow's hook records the run it was told of in
    ``before_pipeline_run``.

    kedro-mlflow 2.0 keeps that answer in a private attribute and has no public
    way to ask; this is the one place the project reads it, and
    ``tests/test_tracking.py`` fails if an upgrade renames or drops it.
    """
    return hook._is_mlflow_enabled


class TrackingHook(MlflowHook):
    """kedro-mlflow's hook with the project's defaults (see the module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self._lost_uri: tuple[str, str] | None = None
        self._architecture: str | None = None
        self._helper = False
        self._catalog_config: dict[str, Any] | None = None
        self._embedded = ""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._lost_uri = None
        self._helper = is_helper_worker(context.params.get("training"))
        settings = context.config_loader["mlflow"]
        if tracking_switched_off():
            # kedro-mlflow's configuration, without opening any store.
            # (kedro-mlflow's own after_context_created is skipped; its
            # before_pipeline_run then finds every pipeline disabled.)
            self.mlflow_config = KedroMlflowConfig.model_validate(settings)
            return
        project = Path(context.project_path)
        self._embedded = embedded_uri(context.config_loader, project)
        uri = absolute_sqlite_uri(settings["server"]["mlflow_tracking_uri"], project)
        reason = unreachable_reason(uri)
        if reason is not None:
            # Set kedro-mlflow up on the embedded store, with tracking off for
            # the run; the run still writes its outputs, then fails (below).
            self._lost_uri = (uri, reason)
            logger.error(
                "MLflow tracking server %s does not answer (%s): this run goes on "
                "without tracking.",
                uri,
                reason,
            )
            uri = self._embedded
        settings["server"]["mlflow_tracking_uri"] = uri
        context.config_loader["mlflow"] = settings  # what kedro-mlflow reads next
        # In the project's folder: a new experiment in a local store keeps its
        # artifacts in ./mlruns of the current folder.
        with contextlib.chdir(project):
            try:
                super().after_context_created(context)
            except Exception as exc:
                raise TrackingError(_store_error(uri, exc)) from exc

    @hook_impl
    def after_catalog_created(  # noqa: PLR0913 (Kedro's hook specification)
        self,
        catalog: Any,
        conf_catalog: dict[str, Any],
        conf_creds: dict[str, Any],
        parameters: dict[str, Any],
        save_version: str,
        load_versions: dict[str, str],
    ) -> None:
        super().after_catalog_created(
            catalog, conf_catalog, conf_creds, parameters, save_version, load_versions
        )
        self._catalog_config = conf_catalog

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Any, catalog: Any
    ) -> None:
        # A plain `kedro run` is recorded under the pipeline it runs.
        names = [
            DEFAULT_PIPELINE if name == "__default__" else name
            for name in run_params.get("pipeline_names") or ["__default__"]
        ]
        run_params = {**run_params, "pipeline_name": None, "pipeline_names": names}
        # The hook lives as long as the process; kedro-mlflow sets run_id only
        # when it tracks, and re-opens that run in every node: start clean.
        self.run_id = None
        if tracking_switched_off() or self._lost_uri is not None or self._helper:
            if tracking_switched_off():
                logger.info("Tracking is off for this run (%s=off).", SWITCH)
            self.mlflow_config.tracking.disable_tracking.pipelines = list(names)
        super().before_pipeline_run(run_params, pipeline, catalog)
        if records_this_run(self):
            mlflow.set_tag("pipeline", "+".join(names))
        else:
            # kedro-mlflow switches off the MLflow datasets at the top of the
            # catalog; those inside another (a CachedDataset that keeps a
            # figure in memory) are made again from their configuration
            # without MLflow.
            for name, config in (self._catalog_config or {}).items():
                plain = untracked(config)
                if plain != config and name in catalog:
                    catalog[name] = AbstractDataset.from_config(name, plain)

    @hook_impl
    def before_node_run(
        self, node: Any, catalog: Any, inputs: dict[str, Any], is_async: bool
    ) -> None:
        plain = {
            name: value.model_dump() if isinstance(value, BaseModel) else value
            for name, value in inputs.items()
        }
        super().before_node_run(node, catalog, plain, is_async)
        model = plain.get("params:model")
        if records_this_run(self) and isinstance(model, dict) and mlflow.active_run():
            architecture = model.get("architecture")
            if architecture and architecture != self._architecture:
                self._architecture = architecture
                run = mlflow.active_run()
                mlflow.set_tag("architecture", architecture)
                mlflow.set_tag("mlflow.runName", f"{run.info.run_name}-{architecture}")

    @hook_impl
    def after_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Any, catalog: Any
    ) -> None:
        super().after_pipeline_run(run_params, pipeline, catalog)
        self._architecture = None
        if self._lost_uri is not None:
            uri, reason = self._lost_uri
            raise TrackingError(
                f"The run finished and its outputs are in data/, but it was not "
                f"recorded: the MLflow tracking server {uri} did not answer "
                f"({reason}). Start the server, or record into the project's own "
                f"store instead: unset MLFLOW_TRACKING_URI (runs then go to "
                f"{self._embedded}), or set {SWITCH}=off to run without tracking."
            )

    @hook_impl
    def on_pipeline_error(
        self, error: Exception, run_params: dict[str, Any], pipeline: Any, catalog: Any
    ) -> None:
        super().on_pipeline_error(error, run_params, pipeline, catalog)
        _end_active_runs("FAILED")
        self._architecture = None


def _end_active_runs(status: str = "FINISHED") -> None:
    """End whatever run is still open in this process, so that nothing is left
    for MLflow's exit handler (which would wait for a server that may be gone)."""
    while mlflow.active_run() is not None:
        mlflow.end_run(status)


# kedro-mlflow's datasets that record into the run: without tracking, the
# artifact wrapper is its inner dataset, the others keep their data in memory.
_RECORDING = (
    MlflowMetricDataset,
    MlflowMetricHistoryDataset,
    MlflowMetricsHistoryDataset,
    MlflowModelTrackingDataset,
)


def untracked(config: Any) -> Any:
    """A catalog entry's configuration with every kedro-mlflow dataset in it
    replaced by what it wraps (an artifact's own dataset) or by a
    ``MemoryDataset`` (metrics, models)."""
    if not isinstance(config, dict):
        return config
    if "type" in config:
        kind, _ = parse_dataset_definition(dict(config))
        if issubclass(kind, MlflowArtifactDataset) or kind is MlflowArtifactDataset:
            return untracked(config["dataset"])
        if issubclass(kind, _RECORDING):
            return {"type": "MemoryDataset"}
    return {key: untracked(value) for key, value in config.items()}


def _store_error(uri: str, exc: BaseException) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text or "locked" in text:
        what = "is read-only" if "lock" not in text else "is locked by another program"
        return (
            f"The MLflow store {uri} {what} ({text.splitlines()[0]}). Make the file "
            f"writable, close the program holding it, or set {SWITCH}=off to run "
            "without tracking."
        )
    return f"MLflow could not open the tracking store {uri}: {text.splitlines()[0]}"
