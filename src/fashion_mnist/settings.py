"""Project settings. For the defaults and what else can be set here, see
https://docs.kedro.org/en/stable/configure/configuration_basics/#configuration"""

import warnings

import fsspec

from fashion_mnist.datasets.atomic import AtomicLocalFileSystem
from fashion_mnist.hooks import GracefulStopHooks, PreflightHooks

# omegaconf 2.4 deprecates register_new_resolver(), which kedro 1.7 still calls
# several times per run; the warnings say nothing a user of this project can act on.
warnings.filterwarnings(
    "ignore", message=r"register_new_resolver\(\) is deprecated", category=UserWarning
)

# Every local file a dataset writes (pickles, JSON, CSV, Excel, figures, models)
# is written to a temporary file and renamed onto its target when complete: a
# run that reads it at the same time, or an interrupted save, never sees a
# partial file. Registered for fsspec's local protocols, so that all catalog
# entries get it without a special dataset class.
for _protocol in ("file", "local"):
    fsspec.register_implementation(_protocol, AtomicLocalFileSystem, clobber=True)

# Hooks are executed in a Last-In-First-Out (LIFO) order.
HOOKS = (PreflightHooks(), GracefulStopHooks())

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # conf/local/parameters*.yml may override single keys, e.g. only
    # benchmark.batch_sizes, and keep the rest of conf/base.
    "merge_strategy": {"parameters": "soft"},
}
