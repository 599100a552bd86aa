# Entry points for a fresh machine: `make run`, `make serve`, `make demo`,
# `make test` (the quick tier) and `make test-all` (everything, as CI runs it).
# Each creates .venv and installs the project into it (only when pyproject.toml
# changed since the last install), so running them again is cheap. `make demo`
# and `make test-all` add the demo page's extra (Gradio).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

export KEDRO_DISABLE_TELEMETRY := true

# Where `make serve` answers (MLflow's UI takes 5000), and with how many worker
# processes (each loads the model; default: one per core).
SERVE_PORT ?= 5001
SERVE_WORKERS ?= $(shell nproc 2>/dev/null || echo 1)
# Where `make demo` answers.
DEMO_PORT ?= 7860

.PHONY: install install-demo run serve demo test test-all lint viz clean-venv

install: $(STAMP)

install-demo: $(DEMO_STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt-get install -y python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

$(DEMO_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,demo]"
	@touch $(DEMO_STAMP)

run: install
	$(BIN)/kedro run

# The registered champion over HTTP (after `make run`); see docs/serving.md.
# mlflow starts uvicorn from PATH: the venv's programs come first.
serve: install
	PATH="$(abspath $(BIN)):$$PATH" \
	  MLFLOW_TRACKING_URI="$$($(BIN)/python -m fashion_mnist.store)" \
	  $(BIN)/mlflow models serve -m models:/fashion_mnist_classifier@champion \
	  --env-manager local --host 127.0.0.1 --port $(SERVE_PORT) --workers $(SERVE_WORKERS)

# A page to try the champion in a browser (after `make run`); see docs/demo.md.
demo: install-demo
	$(BIN)/python -m fashion_mnist.demo --port $(DEMO_PORT)

# The quick tier: everything but the tests marked slow (the full-data training
# run, the install into a fresh clone, the notebook, multi-worker training and
# the multi-process tuning tests; see pyproject.toml and docs/development.md).
test: install
	$(BIN)/ruff check src tests scripts notebooks
	$(BIN)/pytest -m "not slow"

# Everything, as CI runs it (the demo page's tests need its extra).
test-all: install-demo
	$(BIN)/ruff check src tests scripts notebooks
	$(BIN)/pytest

viz: install
	$(BIN)/kedro viz run

clean-venv:
	rm -rf $(VENV)
