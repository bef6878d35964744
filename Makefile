# PlexMix developer entry points. Both targets create (or reuse) ./.venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Core install (enough for the demo: offline ONNX embeddings, no torch).
$(VENV)/.core-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.'
	touch $@

# Everything the tests need, including the [local] extra (CPU torch pinned to 2.13.0).
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[local,dev]'
	touch $(VENV)/.core-installed $@

demo: $(VENV)/.core-installed
	$(BIN)/plexmix demo

test: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy src
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered --cov-fail-under=80 $(PYTEST_ARGS)

# ruff, then the layer contracts of docs/architecture.md ([tool.importlinter] in pyproject.toml).
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy src

bench: $(VENV)/.dev-installed
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage*
