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


# ---------------------------------------------------------------- issue #20 item 8: weak secrets

@pytest.mark.parametrize(("secret", "why"), [
    (" " * 16, "blanks"),
    ("0" * 16, "only 1 different characters"),
    ("0" * 64, "only 1 different characters"),
    ("abababababababababab", "only 2 different characters"),
    ("aaaaaaaaaaaaaaaaaa0123456789", "one character makes up 18 of its 28"),
    ("1234567890123456", "about 53 bits"),
    ("short", "too short"),
    ("my secret key for the links", "blanks"),
    ("tab\tseparated-secret-key", "blanks or control characters"),
])
def test_a_weak_secret_is_refused_with_the_way_to_make_one(secret, why):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"MONITOR_SECRET_KEY": secret})
    message = str(info.value)
    assert message.startswith("MONITOR_SECRET_KEY: ") and why in message
    assert "openssl rand -hex 32" in message and "secrets.token_urlsafe(32)" in message
    assert info.value.setting == "MONITOR_SECRET_KEY"
    if len(secret) >= 16 and secret.strip():
        assert secret not in message  # the value itself is never repeated


def test_generated_secrets_are_accepted():
    import secrets

    for _ in range(500):
        for secret in (secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_urlsafe(12)):
            assert Settings.from_env({"MONITOR_SECRET_KEY": secret}).secret_key == secret


def test_the_error_names_its_setting():
    assert SettingsError("MONITOR_HTTP_TIMEOUT='x': expected a whole number").setting == "MONITOR_HTTP_TIMEOUT"
    assert SettingsError("MONITOR_HTTP_RESOLVE is for tests").setting == "MONITOR_HTTP_RESOLVE"
    assert SettingsError("something else").setting is None
