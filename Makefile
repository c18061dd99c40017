# Two entry points; both do their own set-up first (ci/setup.sh is idempotent).
#   make book   every edition in every format, plus the site
#   make test   the whole test suite (after ruff and mypy: [tool.mypy] in pyproject.toml)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: book test setup lint bench clean i18n-check

setup:
	@VENV=$(VENV) bash ci/setup.sh

book: setup
	$(BIN)/d2lbook build all --lang all

test: setup
	$(BIN)/ruff check d2lbook tests bench
	$(BIN)/mypy
	$(BIN)/d2lbook build lib --check
	$(BIN)/pytest -ra

lint: setup
	$(BIN)/ruff check d2lbook tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_status.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_frameworks.py

i18n-check: setup
	bash ci/translation-gate.sh

clean:
	rm -rf _build
