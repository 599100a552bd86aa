"""The project's pipelines, one package each (registered in ``pipeline_registry``)."""
