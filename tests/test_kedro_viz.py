"""kedro-viz serves every registered pipeline with its nodes (a real server)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from kedro.framework.project import pipelines as project_pipelines

from fashion_mnist.pipeline_registry import register_pipelines
from tests.helpers import (
    NEW_GROUP,
    free_port,
    make_project_copy,
    stop_group,
    wait_until_serving,
)

EXPECTED = {
    "__default__",
    "data_processing",
    "modeling",
    "benchmarking",
    "cross_validation",
    "inference",
    "tuning",
}


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def viz_server(tmp_path):
    project = make_project_copy(tmp_path / "project")
    port = free_port()
    log = (tmp_path / "viz.log").open("w")
    # Its own process group: `kedro viz run` starts a child that holds the port.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kedro",
            "viz",
            "run",
            "--no-browser",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        **NEW_GROUP,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/api/main", process, tmp_path / "viz.log", 180)
        yield base
    finally:
        stop_group(process)
        log.close()
    # The whole group is gone: soon nothing holds the port any more.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/main", timeout=2)
        except OSError:
            break
        time.sleep(0.5)
    else:
        pytest.fail(
            f"kedro viz still answers on {base} after its process group was stopped"
        )


def test_viz_shows_every_pipeline_with_its_nodes(viz_server):
    main = _get(f"{viz_server}/api/main")
    assert {pipeline["id"] for pipeline in main["pipelines"]} == EXPECTED

    project_pipelines.set_requested(None)
    registered = register_pipelines()
    for pipeline_id in EXPECTED:
        data = _get(f"{viz_server}/api/pipelines/{pipeline_id}")
        # Shown by their short names, grouped under their namespace.
        shown = {node["name"] for node in data["nodes"] if node["type"] == "task"}
        expected = {
            node.name.rsplit(".", 1)[-1] for node in registered[pipeline_id].nodes
        }
        assert shown == expected, pipeline_id
        datasets = {node["name"] for node in data["nodes"] if node["type"] == "data"}
        assert datasets, pipeline_id

    # Readable names, grouped by namespace: one collapsible group per pipeline.
    modeling = _get(f"{viz_server}/api/pipelines/modeling")
    names = {node["name"] for node in modeling["nodes"]}
    assert {"train_model", "check_accuracy", "classifier", "metrics"} <= names
    groups = {
        node["name"] for node in modeling["nodes"] if node["type"] == "modularPipeline"
    }
    assert groups == {"data_processing", "modeling"}
