# The production image: the official Airflow image with this project installed.
FROM apache/airflow:3.3.2

COPY --chown=airflow:root pyproject.toml README.md /opt/impersonation-monitor/
COPY --chown=airflow:root monitor /opt/impersonation-monitor/monitor
COPY --chown=airflow:root config /opt/impersonation-monitor/config

# Airflow is pinned to the image's own version so that pip cannot swap it while resolving
# the project's dependencies; the `deploy` extra adds Celery and PostgreSQL support.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/impersonation-monitor[deploy]"

ENV MONITOR_BRANDS_FILE=/opt/impersonation-monitor/config/brands.yaml
