# The production image: the official Airflow image with this project installed.
FROM apache/airflow:3.3.2

# Headless Chromium for takedown screenshots (monitor.takedown.screenshot drives it through
# Playwright's Python package; Playwright's own browser download is never used), with fonts
# for Lao script and the other scripts impersonating pages use.
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-lao fonts-noto-core \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
USER airflow
ENV MONITOR_CHROMIUM=/usr/bin/chromium

COPY --chown=airflow:root pyproject.toml README.md /opt/impersonation-monitor/
COPY --chown=airflow:root monitor /opt/impersonation-monitor/monitor
COPY --chown=airflow:root config /opt/impersonation-monitor/config

# Airflow is pinned to the image's own version so that pip cannot swap it while resolving
# the project's dependencies; the `deploy` extra adds Celery and PostgreSQL support, and
# playwright drives the system Chromium for screenshots.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/impersonation-monitor[deploy]" \
    "playwright>=1.48,<2"

ENV MONITOR_BRANDS_FILE=/opt/impersonation-monitor/config/brands.yaml
