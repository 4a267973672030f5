"""The production deployment files, checked statically (no Docker engine here): the compose
file parses, has every service of Airflow 3's official CeleryExecutor compose file, every
file and variable it refers to exists, and the image pins the same Airflow as pyproject."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT

OFFICIAL_SERVICES = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                     "airflow-worker", "airflow-triggerer", "airflow-init", "airflow-cli", "flower"}
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
ENV_EXAMPLE = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text("utf-8").splitlines()
               if line and not line.startswith("#") and "=" in line}


def test_every_official_service_and_mailpit():
    assert OFFICIAL_SERVICES | {"mailpit"} <= set(COMPOSE["services"])
    assert COMPOSE["services"]["airflow-worker"]["command"] == "celery worker"
    assert "monitor db upgrade" in COMPOSE["services"]["airflow-init"]["command"][1]
    assert "airflow pools set monitor_fetch" in COMPOSE["services"]["airflow-init"]["command"][1]


def test_every_variable_is_in_env_example_or_has_a_default():
    text = (ROOT / "docker-compose.yml").read_text("utf-8")
    for name, default in re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)(:-[^}]*)?\}", text):  # $$ escapes
        assert default or name in ENV_EXAMPLE, name


def test_every_mounted_file_exists():
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./") and not source.startswith(("./var", "./logs")):
                assert (ROOT / source).exists(), source


def test_the_image_installs_the_pinned_airflow():
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    image_version = re.search(r"^FROM apache/airflow:(\S+)", dockerfile, re.M).group(1)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    pins = [d for group in project["project"]["optional-dependencies"].values() for d in group
            if d.startswith("apache-airflow==") or d.startswith("apache-airflow[")]
    assert pins and all(p.endswith(f"=={image_version}") for p in pins), pins
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in dockerfile  # pip may not swap Airflow
    assert "[deploy]" in dockerfile


def test_recipients_override_reaches_the_digest(registry):
    import datetime as dt

    from monitor.notify.digest import DigestItem, build_digest
    from monitor.settings import Settings

    settings = Settings.from_env({"MONITOR_ALERT_RECIPIENTS_OVERRIDE": "staging@example.org, qa@example.org"})
    assert settings.alert_recipients_override == ("staging@example.org", "qa@example.org")
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    item = DigestItem(1, "x", "domain", None, None, 90, "impersonation", ("r",), now)
    message = build_digest(registry.brand("laopost"), [item], mail_from="m@example.org", dedup_key="k", now=now,
                           recipients=settings.alert_recipients_override)
    assert message["To"] == "staging@example.org, qa@example.org"
