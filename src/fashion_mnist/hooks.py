"""Project hooks."""

from __future__ import annotations

from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DatasetError
from kedro.pipeline import Pipeline


class MissingInputError(DatasetError):
    """Raised before a run when an input the run needs does not exist yet."""


class PreflightHooks:
    """Stop a run before its first node when an input it needs is missing.

    A catalog entry opts in with ``metadata: {if_missing: "<what to do>"}``; the
    error lists every missing input with that advice (e.g. "train a model first"),
    instead of a load error deep inside the run.
    """

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        missing = []
        for name in sorted(pipeline.inputs()):
            if (
                name.startswith("params:")
                or name == "parameters"
                or name not in catalog
            ):
                continue
            advice = (catalog.get(name).metadata or {}).get("if_missing")
            if advice and not catalog.exists(name):
                missing.append(f"  - {name}: {advice.strip()}")
        if missing:
            raise MissingInputError(
                "This run needs inputs that do not exist yet:\n" + "\n".join(missing)
            )
