# Two set-up commands for a new user (see README): `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/disclosure: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

.PHONY: demo test lint
IFRS_PACKAGE := ../shared/taxonomies/ifrs_sds_2024-04-26.zip

# the demo group's 2024 report first: the 2025 report compares with it (--prior) and runs the base-year check
demo: $(BIN)/disclosure
	if [ -f $(IFRS_PACKAGE) ]; then PKG="--ifrs-package $(IFRS_PACKAGE)"; else PKG=""; fi; \
	$(BIN)/disclosure report fixtures/demo-group-2024 --out out/demo-2024 $$PKG && \
	$(BIN)/disclosure report fixtures/demo-group --out out/demo --prior out/demo-2024 $$PKG

# ruff, then the import contracts of pyproject.toml (the layers: no circle, no upward import)
lint: $(BIN)/disclosure
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(BIN)/disclosure lint
	$(BIN)/python -m pytest
