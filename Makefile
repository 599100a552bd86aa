# Two entry points for a fresh machine: `make run` and `make test`.
# Both create .venv and install the project into it (only when pyproject.toml
# changed since the last install), so running them again is cheap.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export KEDRO_DISABLE_TELEMETRY := true
export TF_CPP_MIN_LOG_LEVEL    := 2

.PHONY: install run test lint viz clean-venv

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt-get install -y python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: install
	$(BIN)/kedro run

test: install
	$(BIN)/ruff check src tests scripts notebooks
	$(BIN)/pytest

viz: install
	$(BIN)/kedro viz run

clean-venv:
	rm -rf $(VENV)
