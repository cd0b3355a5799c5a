# Everyday commands (the README quotes these).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test test-postgres lint format translations bench

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(VENV)/bin/pip install -e ".[test]"

demo: install
	$(VENV)/bin/pingyi serve --demo

test:
	$(PY) -m pytest -n auto

test-postgres:
	PINGYI_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
	PINGYI_TEST_REDIS_URL=redis://127.0.0.1:6379/0 $(PY) -m pytest -n auto

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

# Extract messages and merge them into the catalogs; then translate the new zh_CN entries.
translations:
	$(VENV)/bin/pybabel extract -F babel.cfg -o web/locales/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i web/locales/messages.pot -d web/locales --no-fuzzy-matching
