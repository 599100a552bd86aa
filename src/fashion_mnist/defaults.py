"""The project's defaults that code in several layers names, each written once.

The configuration's home for the same values is ``conf/base/globals.yml``
(``defaults``), which the parameter files interpolate; a test checks both say
the same. The code needs its own copy for what runs without Kedro's
configuration: the pydantic models' defaults, and the tracking hook naming the
pipeline a plain ``kedro run`` runs.
"""

from __future__ import annotations

# What a plain `kedro run` runs (pipeline_registry.py's __default__).
DEFAULT_PIPELINE = "modeling"
# The network `model.architecture` (and the tuning search) use unless told.
ARCHITECTURE = "cnn_bn"
# The one seed of a run: initial weights, augmentation, data order, pictures;
# the tuning sampler's seed too.
SEED = 42
