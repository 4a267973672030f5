# Quick start: `make demo` (one full offline run of the real DAG), then `make test`.
PYTHON_BOOT ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test lint demo run bench clean

# `make run`: Airflow standalone on this machine (SQLite metadata, .eml outbox).
RUN_ENV := PATH=$(CURDIR)/$(VENV)/bin:$$PATH AIRFLOW_HOME=$(CURDIR)/var/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False MONITOR_BRANDS_FILE=$(CURDIR)/config/brands.yaml \
	MONITOR_DATABASE_URL=$${MONITOR_DATABASE_URL:-sqlite:///$(CURDIR)/var/monitor.db} \
	MONITOR_OUTBOX_DIR=$${MONITOR_OUTBOX_DIR:-$(CURDIR)/var/outbox}

$(STAMP): pyproject.toml
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[airflow,deploy,test]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check monitor dags tests bench

demo: $(STAMP)
	$(PY) -m monitor.demo

run: $(STAMP)
	$(RUN_ENV) $(VENV)/bin/monitor db upgrade
	$(RUN_ENV) $(VENV)/bin/airflow db migrate
	$(RUN_ENV) $(VENV)/bin/airflow pools set monitor_fetch 8 "outbound fetching of impersonation-monitor"
	$(RUN_ENV) $(VENV)/bin/airflow standalone

bench: $(STAMP)
	$(PY) bench/score_bench.py
	$(PY) bench/collect_bench.py

clean:
	rm -rf var .pytest_cache .hypothesis
