# Two entry points for a newcomer: `make demo` and `make test`.
# Both create .venv, install the CPU build of torch 2.13.0 and mattebench into it (with the
# dev, serve and dask extras, so that the web server's API and browser tests and the Dask
# tests run too).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mattebench-installed

.PHONY: demo test install lint clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq torch==2.13.0
	$(PY) -m pip install -qq -e '.[dev,serve,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/mattebench demo

test: $(STAMP)
	$(VENV)/bin/ruff check human2k benchmark timinet tests
	$(VENV)/bin/ruff format --check --quiet human2k benchmark timinet tests
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff check human2k benchmark timinet tests
	$(VENV)/bin/ruff format --check human2k benchmark timinet tests
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) build *.egg-info
