"""Settings.from_env: validated once, at the edge; every bad value names its variable."""

from __future__ import annotations

import pytest

from monitor.settings import Settings, SettingsError, settings_with_keys


@pytest.mark.parametrize(("env", "message"), [
    ({"MONITOR_HTTP_TIMEOUT": "soon"}, "MONITOR_HTTP_TIMEOUT='soon': expected a whole number"),
    ({"MONITOR_HTTP_TIMEOUT": "0"}, "MONITOR_HTTP_TIMEOUT='0': expected a number from 1 to 600"),
    ({"MONITOR_ALLOW_PRIVATE_NETWORKS": "maybe"}, "MONITOR_ALLOW_PRIVATE_NETWORKS='maybe': expected 1/0"),
    ({"MONITOR_SEARXNG_URL": "ftp://searx.local"}, "MONITOR_SEARXNG_URL='ftp://searx.local': expected an http(s) URL"),
    ({"MONITOR_LISTING_URL": "https://x.example"}, "MONITOR_LISTING_URL: listing has no base URL"),
    ({"MONITOR_SOURCES": "searxng,bing"}, "MONITOR_SOURCES: unknown source 'bing'"),
    ({"MONITOR_EXTRA_PORTS": "80,http"}, "MONITOR_EXTRA_PORTS='80,http': 'http' is not a port number"),
    ({"MONITOR_HTTP_RESOLVE": "*=127.0.0.1:8080"}, "MONITOR_HTTP_RESOLVE is for tests and the demo"),
    ({"MONITOR_ALERT_RECIPIENTS_OVERRIDE": "ops@x.org, Bob <bob@x.org>"},
     "MONITOR_ALERT_RECIPIENTS_OVERRIDE: 'Bob <bob@x.org>' is not an email address"),
    ({"MONITOR_OPS_EMAIL": "ops\r\nBcc: x@evil.example"}, "MONITOR_OPS_EMAIL:"),
    ({"MONITOR_SCHEDULE": "hourly"}, "MONITOR_SCHEDULE='hourly': expected a cron expression"),
    ({"MONITOR_RDAP_BOOTSTRAP_URL": "data.iana.org/rdap"}, "MONITOR_RDAP_BOOTSTRAP_URL='data.iana.org/rdap'"),
])
def test_a_bad_value_names_its_variable(env, message):
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert str(info.value).startswith(message)


def test_defaults_and_the_source_table():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///var/monitor.db" and "permutations" not in settings.sources
    assert settings.source_urls["crtsh"] == "https://crt.sh"
    assert Settings.from_env({"MONITOR_CRTSH_URL": "http://crtsh.internal:8080"}).source_urls["crtsh"] == \
        "http://crtsh.internal:8080"


def test_source_keys_come_from_the_environment_first_then_from_connections():
    class Connection:
        def __init__(self, password=None, login=None, extra=None):
            self.password, self.login, self.extra_dejson = password, login, extra or {}

    asked = []

    def connection(conn_id):
        asked.append(conn_id)
        return {"brave_search": Connection("brave-key"),
                "google_search": Connection("google-key", extra={"cx": "engine-1"})}.get(conn_id)

    settings = settings_with_keys(["brave", "google", "searxng"], connection, env={"MONITOR_GOOGLE_API_KEY": "env"})
    assert (settings.brave_api_key, settings.google_api_key, settings.google_cx) == ("brave-key", "env", "engine-1")
    assert "searxng" not in " ".join(asked)  # a source without keys asks no connection
    assert settings_with_keys([], connection, env={}).brave_api_key is None
