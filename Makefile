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

demo: $(BIN)/disclosure
	if [ -f $(IFRS_PACKAGE) ]; then \
	  $(BIN)/disclosure report fixtures/demo-group --out out/demo --ifrs-package $(IFRS_PACKAGE); \
	else \
	  $(BIN)/disclosure report fixtures/demo-group --out out/demo; \
	fi

lint: $(BIN)/disclosure
	$(BIN)/ruff check .

test: $(BIN)/disclosure lint
	$(BIN)/python -m pytest
