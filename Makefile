# The two commands: `make run` and `make test`. Everything else here serves them.
# Needs only Python 3.11+ on the PATH; the virtual environment is created on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml changes (the stamp lives inside the venv, so deleting the
# venv also forces a reinstall).
INSTALLED := $(VENV)/.installed

# Type-check every package that exists and holds Python (mypy refuses an empty directory).
PACKAGES := services gateway workbook_api supervision_api intervention_api pathway_api migrations tests bench
TYPED = $(foreach d,$(PACKAGES),$(if $(shell find $(d) -name '*.py' -print -quit 2>/dev/null),$(d)))

.PHONY: help run test install lint format typecheck imports pytest openapi clean

help:
	@echo "make run    install into $(VENV) if needed, then start the whole stack (fsm run)"
	@echo "make test   install into $(VENV) if needed, then lint, type-check and run the tests"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/fsm run

test: lint typecheck imports pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy $(TYPED)

imports: $(INSTALLED)
	$(BIN)/lint-imports

# The browser tests (tests/browser) drive this Chromium; without one they are skipped.
BROWSER_TEST_CHROMIUM ?= /usr/bin/chromium
export BROWSER_TEST_CHROMIUM

# TEST_DATABASE_URL selects an external PostgreSQL; without it the tests start the embedded one.
pytest: $(INSTALLED)
	$(BIN)/pytest
	@[ -x "$(BROWSER_TEST_CHROMIUM)" ] || echo "NOTE: browser tests SKIPPED (no Chromium at \
	$(BROWSER_TEST_CHROMIUM)); enable them with: apt-get install -y chromium (.ci/run does it)"

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: $(INSTALLED)
	$(BIN)/fsm openapi export

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
