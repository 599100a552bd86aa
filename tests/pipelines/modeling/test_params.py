"""A bad parameter stops a real Kedro session before any node runs."""

from __future__ import annotations

import pytest
from kedro.framework.session import KedroSession


@pytest.mark.parametrize(
    ("runtime_params", "section", "key"),
    [
        ({"training": {"epoch": 3}}, "training", "epoch"),
        ({"model": {"architecture": "resnet"}}, "model", "architecture"),
        ({"accuracy_check": {"threshold": 1.5}}, "accuracy_check", "threshold"),
        ({"data_processing": {"sample_limit": 0}}, "data_processing", "sample_limit"),
        ({"training": {"shape": {"stages": 9}}}, "training", "stages"),
        ({"training": {"optimizer": "rmsprop"}}, "training", "optimizer"),
    ],
    ids=[
        "typo-epoch",
        "unknown-architecture",
        "threshold-1.5",
        "sample-limit-0",
        "stages-9",
        "optimizer-rmsprop",
    ],
)
def test_a_bad_parameter_stops_the_run_before_any_node(
    project, runtime_params, section, key
):
    with KedroSession.create(
        project_path=project, runtime_params=runtime_params
    ) as session:
        with pytest.raises(Exception) as info:
            session.run(pipeline_names=["modeling"])
    message = str(info.value)
    assert f"Parameter '{section}'" in message
    assert key in message
    # Stopped before any node ran: nothing was fetched, processed, trained or drawn.
    assert not any((project / "data" / "05_model_input").iterdir())
    assert not (project / "data" / "06_models" / "classifier.keras").exists()
    assert not any((project / "data" / "08_reporting").iterdir())
