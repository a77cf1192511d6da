# Sitelens: `make run` starts everything on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run demo test test-e2e lint migrate superuser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# html5-parser and lxml must link the same libxml2: build lxml against the system one
	@# (once per machine; pip caches the wheel). Needs libxml2-dev and libxslt1-dev.
	$(BIN)/python -c "import html5_parser" 2>/dev/null || \
	  $(BIN)/python -m pip install --quiet --force-reinstall --no-deps --no-binary lxml \
	    "$$($(BIN)/python -c 'import lxml; print("lxml==" + lxml.__version__)')"
	$(BIN)/python -c "import html5_parser"
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

run: migrate
	PORT=$(PORT) $(BIN)/python scripts/run.py

demo: migrate
	PORT=$(PORT) $(BIN)/python scripts/run.py --demo

superuser: migrate
	$(BIN)/python manage.py createsuperuser

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e"
	$(BIN)/python -m pytest -q -m e2e

lint: $(STAMP)
	$(BIN)/ruff check apps config tests scripts benchmarks

clean:
	rm -rf $(VENV) var
