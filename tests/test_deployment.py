"""The production deployment files, checked statically (no Docker engine here): the compose
file parses, has every service of Airflow 3's official CeleryExecutor compose file, every
file and variable it refers to exists, and the image pins the same Airflow as pyproject."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

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


def test_the_init_creates_the_fetch_pool_that_the_settings_name():
    """The compose file names no pool of its own: its init line expands to the settings' pool."""
    from monitor.settings import FETCH_POOL, FETCH_POOL_DESCRIPTION, FETCH_POOL_SLOTS

    command = COMPOSE["services"]["airflow-init"]["command"][1]
    line = next(part.strip() for part in command.splitlines() if "pools set" in part)
    # compose turns $$ into $; a shell function stands in for airflow and prints its arguments
    script = "airflow() { printf '%s\\n' \"$@\"; }; " + line.replace("$$", "$")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    printed = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    assert printed.stdout.splitlines() == ["pools", "set", FETCH_POOL, str(FETCH_POOL_SLOTS), FETCH_POOL_DESCRIPTION]


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


# ---------------------------------------------------------------- issue #20 item 4: private by default

def _defaults(text: str) -> str:
    """A compose value with each ${VAR:-default} replaced by its default (what an operator who
    set nothing gets)."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", text)


def _bindings(service: dict) -> list[str]:
    return [_defaults(str(port)) for port in service.get("ports", [])]


def test_only_the_api_server_is_published_by_default_and_on_loopback():
    always = {name for name, service in COMPOSE["services"].items() if service.get("ports") and
              not service.get("profiles")}
    assert always == {"airflow-apiserver"}
    assert _bindings(COMPOSE["services"]["airflow-apiserver"]) == ["127.0.0.1:8080:8080"]
    assert "API_SERVER_ADDRESS" in ENV_EXAMPLE  # the operator's way to say otherwise
    # whatever is published, on a profile or by an override, binds this host's loopback only
    override = yaml.safe_load((ROOT / "deploy" / "compose.mail-ui.yml").read_text("utf-8"))
    for service in [*COMPOSE["services"].values(), *override["services"].values()]:
        for binding in _bindings(service):
            assert binding.startswith("127.0.0.1:") and binding.count(":") == 2, binding


def test_the_mail_ui_is_not_published_without_the_override():
    mailpit = COMPOSE["services"]["mailpit"]
    assert not mailpit.get("ports")
    override = yaml.safe_load((ROOT / "deploy" / "compose.mail-ui.yml").read_text("utf-8"))
    assert override["services"]["mailpit"]["ports"] == ["127.0.0.1:8025:8025"]


def test_the_fernet_key_is_required_from_env():
    value = COMPOSE["x-airflow-common"]["environment"]["AIRFLOW__CORE__FERNET_KEY"]
    assert re.fullmatch(r"\$\{AIRFLOW__CORE__FERNET_KEY:\?[^}]+\}", value), value  # no default, refused if empty
    assert "AIRFLOW__CORE__FERNET_KEY" in ENV_EXAMPLE
    example = (ROOT / ".env.example").read_text("utf-8")
    assert re.search(r"^AIRFLOW__CORE__FERNET_KEY=$", example, re.M)  # each operator makes one
    # the recipe in .env.example and in compose's refusal makes a key Airflow accepts
    recipe = re.search(r'python3 -c "([^"]+)"', value).group(1)
    assert recipe in example
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    key = subprocess.run([sys.executable, "-c", recipe], capture_output=True, text=True, check=True).stdout.strip()
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"smtp password")) == b"smtp password"


def test_each_published_port_is_documented():
    readme = (ROOT / "README.md").read_text("utf-8")
    override = yaml.safe_load((ROOT / "deploy" / "compose.mail-ui.yml").read_text("utf-8"))
    for service in [*COMPOSE["services"].values(), *override["services"].values()]:
        for binding in _bindings(service):
            host_part = binding.rsplit(":", 1)[0]
            assert f"`{host_part}`" in readme, host_part


def test_the_image_has_the_headless_shell_and_compose_can_give_it_its_box():
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "chromium-headless-shell" in dockerfile
    assert "MONITOR_CHROMIUM=/usr/bin/chromium\n" not in dockerfile  # the shell is found by default
    screenshots = yaml.safe_load((ROOT / "deploy" / "compose.screenshots.yml").read_text("utf-8"))
    assert screenshots["services"] == {"airflow-worker": {"cap_add": ["SYS_ADMIN"]}}  # the worker only
    assert "deploy/compose.screenshots.yml" in (ROOT / "docker-compose.yml").read_text("utf-8")
