"""Issue #14 part 1: SearXNG as a service of the compose file, checked statically (and with
`docker compose config` where Docker is installed): the settings file parses, serves JSON,
has no limiter, takes its secret from .env and picks engines that honour `site:` filters;
the service is pinned, health-checked, not published, and the monitor points at it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from monitor.collectors.searxng import SITE_FILTERS
from tests.conftest import ROOT

SETTINGS = yaml.safe_load((ROOT / "deploy" / "searxng" / "settings.yml").read_text("utf-8"))
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
SERVICE = COMPOSE["services"]["searxng"]
# SearXNG's general web engines that pass the query, `site:` operator included, to the engine.
SITE_FILTER_ENGINES = {"google", "bing", "duckduckgo", "brave", "startpage", "mojeek", "qwant"}


def test_settings_serve_json_without_limiter():
    assert "json" in SETTINGS["search"]["formats"]
    assert SETTINGS["server"]["limiter"] is False and SETTINGS["server"]["public_instance"] is False


def test_the_secret_is_not_the_image_default_and_comes_from_env():
    assert SETTINGS["server"]["secret_key"] not in ("ultrasecretkey", "", None)
    assert re.fullmatch(r"\$\{SEARXNG_SECRET:\?[^}]+\}", SERVICE["environment"]["SEARXNG_SECRET"])
    env_example = (ROOT / ".env.example").read_text("utf-8")
    assert re.search(r"^SEARXNG_SECRET=$", env_example, re.M)  # empty: each operator makes one


def test_engines_honour_site_filters_for_the_platforms():
    kept = SETTINGS["use_default_settings"]["engines"]["keep_only"]
    assert kept and set(kept) <= SITE_FILTER_ENGINES
    enabled = {engine["name"] for engine in SETTINGS["engines"] if engine.get("disabled") is False}
    assert enabled == set(kept)  # bing and mojeek are disabled by default upstream
    assert {"facebook.com", "instagram.com", "tiktok.com", "x.com", "t.me", "youtube.com"} <= set(SITE_FILTERS)


def test_service_is_pinned_health_checked_and_not_published():
    image, _, tag = SERVICE["image"].rpartition(":")
    assert image.endswith("searxng/searxng") and re.fullmatch(r"\d{4}\.\d{1,2}\.\d{1,2}-[0-9a-f]{7,}", tag)
    assert "healthz" in " ".join(SERVICE["healthcheck"]["test"])
    assert "ports" not in SERVICE
    assert "./deploy/searxng/settings.yml:/etc/searxng/settings.yml:ro" in SERVICE["volumes"]
    published = {name for name, service in COMPOSE["services"].items()
                 if "ports" in service and "searxng" in service.get("image", "")}
    assert all(COMPOSE["services"][name].get("profiles") for name in published)  # only when asked for


def test_the_monitor_points_at_it_and_waits_for_it():
    env = COMPOSE["x-airflow-common"]["environment"]
    assert env["MONITOR_SEARXNG_URL"] == "${MONITOR_SEARXNG_URL:-http://searxng:8080}"
    assert COMPOSE["x-airflow-common"]["depends_on"]["searxng"]["condition"] == "service_healthy"
    assert COMPOSE["services"]["airflow-worker"]["depends_on"]["searxng"]["condition"] == "service_healthy"


def test_the_helm_notes_say_the_same():
    notes = (ROOT / "deploy" / "README.md").read_text("utf-8")
    assert SERVICE["image"] in notes and "MONITOR_SEARXNG_URL" in notes and "SEARXNG_SECRET" in notes


@pytest.mark.skipif(shutil.which("docker") is None, reason="docker is not installed")
def test_docker_compose_config(tmp_path):
    env = {**os.environ, "SEARXNG_SECRET": "0123456789abcdef0123456789abcdef", "AIRFLOW_CONN_SMTP_DEFAULT": "",
           "MONITOR_SECRET_KEY": "compose-config-secret-0123456789",
           "AIRFLOW__CORE__FERNET_KEY": "bWFrZSBhIG5ldyBvbmUgZm9yIGVhY2ggaW5zdGFsbCE=",
           "MONITOR_DATABASE_URL": "", "MONITOR_MAIL_FROM": "", "MONITOR_SOURCES": "", "MONITOR_CONTACT_URL": ""}
    env.pop("MONITOR_SEARXNG_URL", None)
    command = ["docker", "compose", "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
               "--env-file", os.devnull, "config", "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    if done.returncode != 0 and ("is not a docker command" in done.stderr or "unknown" in done.stderr.lower()):
        pytest.skip(f"docker compose is not available: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    import json

    config = json.loads(done.stdout)
    searxng = config["services"]["searxng"]
    assert searxng["environment"]["SEARXNG_SECRET"] == env["SEARXNG_SECRET"]
    assert not searxng.get("ports")
    assert config["services"]["airflow-worker"]["environment"]["MONITOR_SEARXNG_URL"] == "http://searxng:8080"
    # without the secret, compose refuses to start anything
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                             env={k: v for k, v in env.items() if k != "SEARXNG_SECRET"})
    assert refused.returncode != 0 and "SEARXNG_SECRET" in refused.stderr
