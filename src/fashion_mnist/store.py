"""Where the project's MLflow store is: the one answer for the tracking hook,
the demo page and ``make serve``.

``python -m fashion_mnist.store``, in the project's folder, prints the tracking
URI and nothing else; it reads the configuration only (no session, no hook, no
store opened), so it is quick and safe to call from a Makefile.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any


def absolute_sqlite_uri(uri: str, project_path: Path) -> str:
    """``sqlite:///relative.db`` made absolute against the project's folder.

    A SQLite URI filename (``sqlite:///file:...?mode=ro&uri=true``) is left as
    it is: it names its file itself.
    """
    prefix = "sqlite:///"
    if not uri.startswith(prefix) or uri[len(prefix) :].startswith("file:"):
        return uri
    path = Path(uri[len(prefix) :])
    if path.is_absolute():
        return uri
    return prefix + (project_path / path).as_posix()


def embedded_uri(config_loader: Any, project_path: Path) -> str:
    """The project's own store (``conf/base/globals.yml``), a SQLite path made
    absolute against the project's folder."""
    uri = config_loader["globals"]["tracking"]["embedded_uri"]
    return absolute_sqlite_uri(uri, project_path)


def project_tracking_uri(config_loader: Any, project_path: Path) -> str:
    """Where this project's runs and models are: ``MLFLOW_TRACKING_URI`` when
    set, the project's own store otherwise (a SQLite path made absolute)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or embedded_uri(
        config_loader, project_path
    )


def main() -> None:
    """Print ``project_tracking_uri`` for the project in the current folder."""
    # Kedro logs to standard output: nothing but the URI may go there.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    from kedro.framework.project import settings  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    project = Path.cwd()
    bootstrap_project(project)
    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(project / settings.CONF_SOURCE), **settings.CONFIG_LOADER_ARGS
    )
    sys.stdout.write(project_tracking_uri(loader, project) + "\n")


if __name__ == "__main__":
    main()
