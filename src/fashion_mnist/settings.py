"""Project settings. For the defaults and what else can be set here, see
https://docs.kedro.org/en/stable/configure/configuration_basics/#configuration"""

import warnings

import fsspec
from omegaconf.resolvers import oc

from fashion_mnist.datasets.atomic import AtomicLocalFileSystem
from fashion_mnist.hooks import GracefulStopHooks, HelperWorkerHooks, PreflightHooks
from fashion_mnist.tracking import TrackingHook

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

# Hooks are executed in a Last-In-First-Out (LIFO) order: the preflight checks
# run before tracking starts a run. kedro-mlflow's own hook is replaced by the
# project's TrackingHook (its subclass; see tracking.py), so the plugin's
# automatic registration is off.
HOOKS = (TrackingHook(), HelperWorkerHooks(), GracefulStopHooks(), PreflightHooks())
DISABLE_HOOKS_FOR_PLUGINS = ("kedro-mlflow", "kedro_mlflow")  # the name as packaged

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # conf/local/parameters*.yml may override single keys, e.g. only
    # benchmark.batch_sizes, and keep the rest of conf/base.
    "merge_strategy": {"parameters": "soft"},
    # conf/<env>/mlflow.yml is kedro-mlflow's configuration; it may read
    # environment variables (MLFLOW_TRACKING_URI).
    "config_patterns": {"mlflow": ["mlflow*", "mlflow*/**", "**/mlflow*"]},
    "custom_resolvers": {"oc.env": oc.env},
}
