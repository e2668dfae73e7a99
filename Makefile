# Two set-up commands for a new user (see README): `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/disclosure: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	# the package's bytecode, as a wheel install compiles it: where PYTHONDONTWRITEBYTECODE is set,
	# an editable install would otherwise compile every module from source in every run (about 0.3 s)
	$(BIN)/python -m compileall -q disclosure
	touch $@

.PHONY: demo test lint
IFRS_PACKAGE := ../shared/taxonomies/ifrs_sds_2024-04-26.zip

# the demo group's 2024 report first: the 2025 report compares with it (--prior) and runs the base-year check;
# then the 2025 report again under the SSE profile (settings profile: sse), its inventory a copy with that one line
demo: $(BIN)/disclosure
	if [ -f $(IFRS_PACKAGE) ]; then PKG="--ifrs-package $(IFRS_PACKAGE)"; else PKG=""; fi; \
	$(BIN)/disclosure report fixtures/demo-group-2024 --out out/demo-2024 $$PKG && \
	$(BIN)/disclosure report fixtures/demo-group --out out/demo --prior out/demo-2024 $$PKG && \
	rm -rf out/demo-sse-inventory && cp -r fixtures/demo-group out/demo-sse-inventory && \
	printf '\n# the SSE guideline profile (core/profiles.yaml): the Word report adds its index\nprofile: sse\n' \
	  >> out/demo-sse-inventory/report.yaml && \
	$(BIN)/disclosure report out/demo-sse-inventory --out out/demo-sse --prior out/demo-2024 $$PKG

# ruff, then the import contracts of pyproject.toml (the layers: no circle, no upward import)
lint: $(BIN)/disclosure
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(BIN)/disclosure lint
	$(BIN)/python -m pytest
