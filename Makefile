# One command each on a fresh machine (Python 3.11+, pip, gcc): `make demo`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser fonts nsstools postgres replayweb demo test lint format clean

install: $(STAMP) browser fonts nsstools postgres replayweb

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

browser: $(STAMP)
	$(BIN)/python scripts/ensure_browser.py

fonts: $(STAMP)
	$(BIN)/python scripts/ensure_fonts.py

nsstools: $(STAMP)
	$(BIN)/python scripts/ensure_nss_tools.py

postgres: $(STAMP)
	$(BIN)/python scripts/ensure_postgres.py

replayweb: $(STAMP)
	$(BIN)/python scripts/ensure_replayweb.py

demo: install
	$(BIN)/python scripts/demo.py

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
