# The production image: the official Airflow image with this project installed.
FROM apache/airflow:3.3.2

# Headless Chromium for takedown screenshots (monitor.takedown.screenshot drives it through
# Playwright's Python package; Playwright's own browser download is never used): Debian's
# headless shell, the automation build without the full browser's background services
# (found by default, no MONITOR_CHROMIUM needed), with fonts for Lao script and the other
# scripts impersonating pages use. It runs in a network namespace of its own
# (monitor.takedown.browserbox): in compose that needs deploy/compose.screenshots.yml.
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium-headless-shell fonts-lao fonts-noto-core \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
USER airflow

COPY --chown=airflow:root pyproject.toml README.md /opt/impersonation-monitor/
COPY --chown=airflow:root monitor /opt/impersonation-monitor/monitor
COPY --chown=airflow:root config /opt/impersonation-monitor/config

# Airflow is pinned to the image's own version so that pip cannot swap it while resolving
# the project's dependencies; the `deploy` extra adds Celery and PostgreSQL support, and
# playwright drives the system Chromium for screenshots.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/impersonation-monitor[deploy]" \
    "playwright>=1.48,<2"

ENV MONITOR_BRANDS_FILE=/opt/impersonation-monitor/config/brands.yaml
