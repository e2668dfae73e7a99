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
demo: $(BIN)/disclosure
	$(BIN)/disclosure check fixtures/demo-group
	$(BIN)/disclosure compute fixtures/demo-group --out out/demo
	$(BIN)/disclosure word out/demo --out out/demo/report.docx

lint: $(BIN)/disclosure
	$(BIN)/ruff check .

test: $(BIN)/disclosure lint
	$(BIN)/python -m pytest
