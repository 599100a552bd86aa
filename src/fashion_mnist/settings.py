"""Project settings. For the defaults and what else can be set here, see
https://docs.kedro.org/en/stable/configure/configuration_basics/#configuration"""

import warnings

from fashion_mnist.hooks import PreflightHooks

# omegaconf 2.4 deprecates register_new_resolver(), which kedro 1.7 still calls
# several times per run; the warnings say nothing a user of this project can act on.
warnings.filterwarnings(
    "ignore", message=r"register_new_resolver\(\) is deprecated", category=UserWarning
)

# Hooks are executed in a Last-In-First-Out (LIFO) order.
HOOKS = (PreflightHooks(),)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # conf/local/parameters*.yml may override single keys, e.g. only
    # benchmark.batch_sizes, and keep the rest of conf/base.
    "merge_strategy": {"parameters": "soft"},
}
