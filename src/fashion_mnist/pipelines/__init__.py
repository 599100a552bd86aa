"""The project's pipelines, one package each (registered in ``pipeline_registry``)."""

# What a plain `kedro run` runs: the lab's Task 1.
DEFAULT_PIPELINE = "modeling"
