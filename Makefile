# Quick start: `make demo` (one full offline run of the real DAG), then `make test`.
PYTHON_BOOT ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test lint demo demo-web run env bench clean

# `make run`: Airflow standalone on this machine (SQLite metadata, .eml outbox). After
# `make demo` it shows the demo's database (var/demo/monitor.db) unless MONITOR_DATABASE_URL
# says otherwise. `eval "$$(make -s env)"` gives another shell the same homes, so that
# `monitor ...` and `airflow ...` (backfills included) work on what the UI shows.
DEMO_DB := $(CURDIR)/var/demo/monitor.db
DEFAULT_DB := $(if $(wildcard $(DEMO_DB)),sqlite:///$(DEMO_DB),sqlite:///$(CURDIR)/var/monitor.db)
RUN_ENV := PATH=$(CURDIR)/$(VENV)/bin:$$PATH AIRFLOW_HOME=$(CURDIR)/var/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__LAZY_LOAD_PLUGINS=False \
	MONITOR_BRANDS_FILE=$${MONITOR_BRANDS_FILE:-$(CURDIR)/config/brands.yaml} \
	MONITOR_DATABASE_URL=$${MONITOR_DATABASE_URL:-$(DEFAULT_DB)} \
	MONITOR_OUTBOX_DIR=$${MONITOR_OUTBOX_DIR:-$(CURDIR)/var/outbox} \
	MONITOR_STATE_DIR=$${MONITOR_STATE_DIR:-$(CURDIR)/var/state} \
	MONITOR_PUBLIC_URL=$${MONITOR_PUBLIC_URL:-http://localhost:8080/} \
	MONITOR_SECRET_KEY=$${MONITOR_SECRET_KEY:-$$(cat $(CURDIR)/var/monitor-secret 2>/dev/null)}
# `make demo-web` serves the demo's sources and writes their settings here; `make run` reads it.
DEMO_WEB_ENV := $(CURDIR)/var/demo-web.env

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

demo-web: $(STAMP)
	$(PY) -m monitor.demo --serve --env-file $(DEMO_WEB_ENV)

env:
	@[ ! -f $(DEMO_WEB_ENV) ] || sed 's/^/export /' $(DEMO_WEB_ENV)
	@for setting in $(RUN_ENV); do echo "export $$setting"; done

run: $(STAMP)
	@mkdir -p var && [ -s var/monitor-secret ] || $(PY) -c "import secrets; print(secrets.token_hex(32))" > var/monitor-secret
	@echo "In another shell, for the monitor command and the airflow CLI on these homes:"
	@echo '    eval "$$(make -s env)"   # then: monitor findings list | airflow backfill create ...'
	$(RUN_ENV) $(VENV)/bin/monitor db upgrade
	$(RUN_ENV) $(VENV)/bin/airflow db migrate
	$(RUN_ENV) $(VENV)/bin/airflow pools set monitor_fetch 8 "outbound fetching of impersonation-monitor"
	set -a; [ ! -f $(DEMO_WEB_ENV) ] || . $(DEMO_WEB_ENV); set +a; $(RUN_ENV) $(VENV)/bin/airflow standalone

bench: $(STAMP)
	$(PY) bench/score_bench.py
	$(PY) bench/collect_bench.py

clean:
	rm -rf var .pytest_cache .hypothesis
