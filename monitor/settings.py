"""Settings from the environment, read and validated once, at the edge.

Each setting is declared once, as a field of `Settings` (`setting_spec.setting`: variable,
kind, default, bounds, help); `Settings.from_env` and the README's settings table
(`python -m monitor.settings --readme-table`) are derived from the declarations. Every value
has an embedded default suitable for one machine (SQLite, .eml outbox). A bad value fails with
the variable's name.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from monitor.secret_strength import (  # re-exported: their old home
    MAKE_A_SECRET,
    SECRET_MIN_BITS,
    SECRET_MIN_DISTINCT,
    SECRET_MIN_LENGTH,
    secret_bits,
    secret_problem,
)
from monitor.setting_spec import (
    SETTING,
    SettingKind,
    SettingsError,
    SettingSpec,
    Variable,
    documented,
    markdown_table,
    read_flag,
    read_http_url,
    read_setting,
    setting,
)
from monitor.source_table import BRAND_MONITOR_SOURCES, SOURCE_KEYS, SOURCE_NAMES, SOURCES

__all__ = ["FETCH_POOL", "FETCH_POOL_DESCRIPTION", "FETCH_POOL_SLOTS", "MAKE_A_SECRET", "SECRET_MIN_BITS",
           "SECRET_MIN_DISTINCT", "SECRET_MIN_LENGTH", "SOURCE_DEFAULT_URLS", "Settings", "SettingsError", "declared",
           "default_user_agent", "readme_table", "secret_bits", "secret_problem", "settings_with_keys"]

Kind = SettingKind  # short, for the declarations below

# Public defaults from the source table; each is overridden by MONITOR_<SOURCE>_URL. (A source
# without a base URL reads its targets from brands.yaml, or asks DNS.)
SOURCE_DEFAULT_URLS = {name: spec.default_url or "brands.yaml" for name, spec in SOURCES.items()}
# The CT log list's own name for MONITOR_CT_URL; it wins when both are set.
CT_LOG_LIST_URL_ENV = "MONITOR_CT_LOG_LIST_URL"
# Read by other settings' parsers too (the user agent, the resolve overrides).
CONTACT_URL_ENV = "MONITOR_CONTACT_URL"
CONTACT_URL = "https://github.com/impersonation-monitor"
ALLOW_PRIVATE_NETWORKS_ENV = "MONITOR_ALLOW_PRIVATE_NETWORKS"

# The Airflow pool of fetching tasks as `make run` and `make demo` create it (its slots and
# description too; MONITOR_FETCH_POOL names another).
FETCH_POOL = "monitor_fetch"
FETCH_POOL_SLOTS = 8
FETCH_POOL_DESCRIPTION = "outbound fetching of impersonation-monitor"


def default_user_agent(contact: str) -> str:
    """The fetcher's User-Agent: this package and version, and whom to contact."""
    return f"impersonation-monitor/{_release()} (+{contact})"


@functools.cache  # read once: every from_env needs it for the default user agent
def _release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("impersonation-monitor")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


# ---------------------------------------------------------------- parsers of the CUSTOM settings

def _source_urls(env: Mapping[str, str], spec: SettingSpec, default: dict[str, str]) -> dict[str, str]:
    urls = dict(SOURCE_DEFAULT_URLS)
    for name, source in SOURCES.items():
        if env.get(source.url_env):
            if source.default_url is None:
                raise SettingsError(f"{source.url_env}: {name} has no base URL (its targets come from brands.yaml "
                                    f"or DNS)")
            urls[name] = read_http_url(env, source.url_env, source.default_url, slash=False)
    if env.get(CT_LOG_LIST_URL_ENV):
        urls["ct"] = read_http_url(env, CT_LOG_LIST_URL_ENV, urls["ct"], slash=False)
    return urls


def _sources(env: Mapping[str, str], spec: SettingSpec, default: tuple[str, ...]) -> tuple[str, ...]:
    # Set but empty is no source at all (unset is the default).
    sources = tuple(s.strip() for s in env.get(spec.env, ",".join(default)).split(",") if s.strip())
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise SettingsError(f"{spec.env}: unknown source {unknown[0]!r} (known: {', '.join(sorted(SOURCES))})")
    return sources


def _pool(env: Mapping[str, str], spec: SettingSpec, default: str) -> str:
    return env.get(spec.env, default).strip()


def _user_agent(env: Mapping[str, str], spec: SettingSpec, default: str) -> str:
    return env.get(spec.env) or default_user_agent(env.get(CONTACT_URL_ENV) or CONTACT_URL)


def _resolve_overrides(env: Mapping[str, str], spec: SettingSpec,
                       default: dict[str, tuple[str, int]]) -> dict[str, tuple[str, int]]:
    name = spec.env
    raw = env.get(name, "")
    if not raw:
        return {}
    if not read_flag(env, ALLOW_PRIVATE_NETWORKS_ENV, False):
        raise SettingsError(f"{name} is for tests and the demo: it needs {ALLOW_PRIVATE_NETWORKS_ENV}=1")
    overrides = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        host, _, target = part.partition("=")
        address, _, port = target.rpartition(":")
        if not host or not address or not port.isdigit():
            raise SettingsError(f"{name}: {part!r} is not host=address:port")
        overrides[host.lower()] = (address, int(port))
    return overrides


def _key(field_name: str, help: str) -> Any:
    """A source's API key: its variable and Airflow connection are the source table's."""
    key = SOURCE_KEYS[field_name]
    where = ", ".join(f"`{f}`" for f in key.connection_fields)
    return setting(key.env, Kind.TEXT, f"{help} (or the Airflow connection `{key.connection}`, its {where})", default=None)


# ---------------------------------------------------------------- the settings

@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "MONITOR_DATABASE_URL", Kind.TEXT, "findings store; production: `postgresql+psycopg://user:pass@host/monitor`",
        default="sqlite:///var/monitor.db")
    brands_file: Path = setting("MONITOR_BRANDS_FILE", Kind.PATH, "the registry", default=Path("config/brands.yaml"))
    rules_file: Path | None = setting("MONITOR_RULES_FILE", Kind.PATH, "scoring rules", default=None,
                                      shown_default="packaged rules")
    smtp_url: str | None = setting(
        "MONITOR_SMTP_URL", Kind.TEXT, "`smtp://user:pass@host:587?starttls=1` or `smtps://host:465`, used outside "
        "Airflow; inside Airflow the `smtp_default` connection wins", default=None)
    outbox_dir: Path = setting("MONITOR_OUTBOX_DIR", Kind.PATH,
                               "where messages go as `.eml` files when no SMTP is configured", default=Path("var/outbox"))
    state_dir: Path = setting(
        "MONITOR_STATE_DIR", Kind.PATH, "the monitor's own files (downloaded lists), created 0700; refused when others "
        "can write it", default=Path("var/state"))
    mail_from: str = setting("MONITOR_MAIL_FROM", Kind.TEXT, "sender, and the domain of Message-IDs",
                             default="impersonation-monitor@localhost")
    allow_private_networks: bool = setting(
        ALLOW_PRIVATE_NETWORKS_ENV, Kind.FLAG, "let the fetcher reach loopback/private addresses: **tests and the demo "
        "only**", default=False)
    user_agent: str = setting("MONITOR_USER_AGENT", Kind.CUSTOM, "the fetcher's User-Agent",
                              default_factory=lambda: default_user_agent(CONTACT_URL), parser=_user_agent,
                              shown_default="`impersonation-monitor/<version> (+<MONITOR_CONTACT_URL>)`")
    source_urls: dict[str, str] = setting(
        "MONITOR_<SOURCE>_URL", Kind.CUSTOM, "each source's base URL", default_factory=lambda: dict(SOURCE_DEFAULT_URLS),
        parser=_source_urls, shown_default="the public endpoint", accepts="an http(s) URL",
        also=(Variable(CT_LOG_LIST_URL_ENV, f"`{SOURCES['ct'].default_url}`", "an http(s) URL", "the v3 CT log list "
                       "(`MONITOR_CT_URL` too); the usable and qualified logs it names are read (trusted like it)"),))
    sources: tuple[str, ...] = setting(
        "MONITOR_SOURCES", Kind.CUSTOM, "the sources of `brand_monitor`", default=BRAND_MONITOR_SOURCES,
        parser=_sources, accepts="source names, comma-separated", shown_default="all but " + ", ".join(
            f"`{name}`" for name in SOURCE_NAMES if name not in BRAND_MONITOR_SOURCES))
    alert_min_score: int | None = setting(
        "MONITOR_ALERT_MIN_SCORE", Kind.WHOLE, "alert threshold", default=None, low=0, high=100,
        shown_default="the rules' suspicious threshold")
    max_send_attempts: int = setting("MONITOR_MAX_SEND_ATTEMPTS", Kind.WHOLE,
                                     "SMTP attempts before an alert is dead-lettered", default=5, low=1, high=100)
    lookback_hours: int = setting("MONITOR_LOOKBACK_HOURS", Kind.WHOLE, "window of a manual run without a data "
                                  "interval", default=24, low=1, high=24 * 365)
    schedule: str = setting("MONITOR_SCHEDULE", Kind.CRON, "the `brand_monitor` DAG's cron schedule (data intervals)",
                            default="0 * * * *")
    lookalike_schedule: str = setting("MONITOR_LOOKALIKE_SCHEDULE", Kind.CRON, "the `lookalike_domains` DAG's schedule",
                                      default="0 3 * * *")
    followup_schedule: str = setting("MONITOR_FOLLOWUP_SCHEDULE", Kind.CRON, "the `takedown_followup` DAG's schedule",
                                     default="0 6 * * *")
    fetch_pool: str = setting("MONITOR_FETCH_POOL", Kind.CUSTOM, "the Airflow pool of fetching tasks (`none`: no pool)",
                              default=FETCH_POOL, parser=_pool, accepts="a pool name, or `none`")
    ops_email: str | None = setting("MONITOR_OPS_EMAIL", Kind.EMAIL,
                                    "failure emails to ops (SmtpNotifier, `smtp_default`)", default=None)
    http_timeout: int = setting("MONITOR_HTTP_TIMEOUT", Kind.WHOLE, "seconds per read", default=20, low=1, high=600)
    http_deadline: int = setting("MONITOR_HTTP_DEADLINE", Kind.WHOLE, "seconds for a whole response", default=60,
                                 low=1, high=3600)
    host_min_delay: float = setting("MONITOR_HOST_MIN_DELAY_MS", Kind.MILLISECONDS,
                                    "milliseconds between two fetches of one host", default=1.0, low=0, high=600_000)
    http_retries: int = setting("MONITOR_HTTP_RETRIES", Kind.WHOLE, "retries after a connection error or 5xx",
                                default=2, low=0, high=10)
    http_backoff: float = setting("MONITOR_HTTP_BACKOFF_MS", Kind.MILLISECONDS,
                                  "milliseconds before the first retry, doubling", default=1.0, low=0, high=600_000)
    extra_ports: tuple[int, ...] = setting("MONITOR_EXTRA_PORTS", Kind.PORTS,
                                           "ports besides 80 and 443 the fetcher may use", default=())
    contact_url: str = setting(CONTACT_URL_ENV, Kind.TEXT, "whom to contact, in the fetcher's User-Agent",
                               default=CONTACT_URL)
    brave_api_key: str | None = _key("brave_api_key", "the Brave Search API key")
    google_api_key: str | None = _key("google_api_key", "the Google Programmable Search API key")
    google_cx: str | None = _key("google_cx", "the Google Programmable Search engine id")
    dns_nameserver: str | None = setting(
        "MONITOR_DNS_NAMESERVER", Kind.TEXT, "DNS server (`ip` or `ip:port`) for `permutations` and for takedown lookups",
        default=None, shown_default="system resolver")
    enrich_min_score: int = setting("MONITOR_ENRICH_MIN_SCORE", Kind.WHOLE, "fetch pages scoring at least this (101: "
                                    "never)", default=40, low=0, high=101)
    alert_recipients_override: tuple[str, ...] = setting(
        "MONITOR_ALERT_RECIPIENTS_OVERRIDE", Kind.EMAILS, "staging: every digest goes to these addresses instead",
        default=())
    # host -> (address, port) the fetcher connects to instead of resolving ('*' for every
    # host name): the demo and tests point every site at their local server with it.
    resolve_overrides: dict[str, tuple[str, int]] = setting(
        "MONITOR_HTTP_RESOLVE", Kind.CUSTOM, "connect there instead of resolving (`*`: every host); **tests "
        f"and the demo only** (needs `{ALLOW_PRIVATE_NETWORKS_ENV}`)", default_factory=dict,
        parser=_resolve_overrides, accepts="`host=ip:port`, comma-separated")
    # Takedown drafts and their follow-up. The two config paths default to files beside
    # brands.yaml (None here), so that one MONITOR_BRANDS_FILE moves the whole config/ folder.
    abuse_channels_file: Path | None = setting(
        "MONITOR_ABUSE_CHANNELS_FILE", Kind.PATH, "where takedown requests go", default=None,
        shown_default="`abuse_channels.yaml` beside the brands file")
    takedown_templates_dir: Path | None = setting(
        "MONITOR_TAKEDOWN_TEMPLATES", Kind.PATH, "the draft templates (English, Lao; text, HTML)", default=None,
        shown_default="`takedown/` beside the brands file")
    rdap_bootstrap_url: str = setting(
        "MONITOR_RDAP_BOOTSTRAP_URL", Kind.HTTP_URL, "IANA's RDAP bootstrap files (`dns.json`, `ipv4.json`, `ipv6.json`)",
        default="https://data.iana.org/rdap/")
    lookup_ttl_hours: int = setting(
        "MONITOR_LOOKUP_TTL_HOURS", Kind.WHOLE, "how long RDAP / WHOIS answers are reused (failures are retried after "
        "6 hours)", default=168, low=0, high=24 * 365)
    evidence_max_bytes: int = setting("MONITOR_EVIDENCE_MAX_BYTES", Kind.WHOLE,
                                      "a page's HTML saved and attached as evidence, at most", default=2_000_000,
                                      low=1000, high=50_000_000)
    takedown_reminder_days: int = setting(
        "MONITOR_TAKEDOWN_REMINDER_DAYS", Kind.WHOLE, "a page still live this long after its draft: one reminder",
        default=7, low=1, high=365)
    relaunch_watch_days: int = setting("MONITOR_RELAUNCH_WATCH_DAYS", Kind.WHOLE,
                                       "how long a page taken down is watched for a relaunch", default=90, low=1,
                                       high=3650)
    takedowns_per_run: int = setting(
        "MONITOR_TAKEDOWNS_PER_RUN", Kind.WHOLE, "drafts made per run at most (each fetches and looks up; 0: none)",
        default=50, low=0, high=10_000)
    max_email_bytes: int = setting(
        "MONITOR_MAX_EMAIL_BYTES", Kind.WHOLE, "the size of one owners' email at most: a larger digest lists its top "
        "findings with all of them in an attached CSV, or is split into numbered parts; drafts beyond it wait for "
        "the next run", default=10_000_000, low=100_000, high=1_000_000_000)
    # Work bounds: one source's queries for one brand stop being started after this long.
    collect_budget_seconds: int = setting(
        "MONITOR_COLLECT_BUDGET_SECONDS", Kind.WHOLE, "one collection (a source for a brand) starts no query after this; "
        "the skipped ones are reported; a CT log starts no new batch after this", default=300, low=1, high=24 * 3600)
    # Certificate Transparency (monitor.collectors.ct; the log list URL is source_urls["ct"]).
    ct_backlog: int = setting("MONITOR_CT_BACKLOG", Kind.WHOLE, "entries read back when a CT log is first seen (0: from "
                              "its current size, no history)", default=0, low=0, high=10_000_000)
    ct_max_entries: int = setting("MONITOR_CT_MAX_ENTRIES", Kind.WHOLE, "entries read per CT log per run at most",
                                  default=100_000, low=1, high=10_000_000)
    ct_schedule: str = setting("MONITOR_CT_SCHEDULE", Kind.CRON, "the `ct_monitor` DAG's schedule", default="*/10 * * * *")
    # Screenshots as takedown evidence (monitor.takedown.screenshot).
    screenshots: bool = setting("MONITOR_SCREENSHOTS", Kind.FLAG,
                                "a screenshot of the page in each takedown draft (0: none)", default=True)
    chromium_path: str | None = setting(
        "MONITOR_CHROMIUM", Kind.TEXT, "the browser for screenshots (Debian's packages; never `playwright install`). The "
        "headless shell has no background services; the full browser's own requests (component updates) reach "
        "only the sinkhole", default=None, shown_default="`chromium-headless-shell`, else `chromium`, on PATH")
    screenshot_timeout_seconds: int = setting("MONITOR_SCREENSHOT_TIMEOUT_SECONDS", Kind.WHOLE,
                                              "one capture's time limit, in seconds", default=45, low=5, high=600)
    screenshot_max_height: int = setting("MONITOR_SCREENSHOT_MAX_HEIGHT", Kind.WHOLE,
                                         "a screenshot's height at most, in pixels", default=4000, low=200,
                                         high=16_000)
    screenshot_max_bytes: int = setting("MONITOR_SCREENSHOT_MAX_BYTES", Kind.WHOLE, "a screenshot's size at most",
                                        default=3_000_000, low=50_000, high=50_000_000)
    screenshot_max_memory_mb: int = setting(
        "MONITOR_SCREENSHOT_MAX_MEMORY_MB", Kind.WHOLE, "the browser's memory (every process, PSS) per capture; over it "
        "the browser is stopped and the draft says why", default=1024, low=128, high=65_536)
    # Owners' one-click action links (monitor.ui.links): signed with the secret key, pointing at
    # the public address of the api-server's plugin routes; no links unless both are set.
    secret_key: str | None = setting(
        "MONITOR_SECRET_KEY", Kind.SECRET, "signs the Findings page's forms and the owners' links (the same on every "
        "api-server): 16+ characters, no blanks, not a repeated pattern (a weak one is refused with the way to make "
        "one: `openssl rand -hex 32`). The api-server checks it when it loads the plugin: a bad one is a line in its "
        "log and an error page naming it", default=None, repr=False)
    public_url: str | None = setting(
        "MONITOR_PUBLIC_URL", Kind.HTTP_URL, "where owners reach the api-server (e.g. `https://airflow.example.org/`; the "
        "plugin is under `monitor/`); without it the emails carry no links", default=None)
    action_link_days: int = setting("MONITOR_ACTION_LINK_DAYS", Kind.WHOLE, "how long an owner's link works", default=30,
                                    low=1, high=365)

    @property
    def abuse_channels_path(self) -> Path:
        return self.abuse_channels_file or self.brands_file.parent / "abuse_channels.yaml"

    @property
    def takedown_templates_path(self) -> Path:
        return self.takedown_templates_dir or self.brands_file.parent / "takedown"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every declared setting read from the environment (os.environ by default), in the
        order declared; the first bad value raises SettingsError."""
        env = os.environ if env is None else env
        return cls(**{name: read_setting(env, spec, default) for name, spec, default in declared()})


def declared() -> list[tuple[str, SettingSpec, Any]]:
    """Each Settings field's name, declaration and default, in the order declared."""
    out = []
    for f in fields(Settings):
        default = f.default_factory() if callable(f.default_factory) else f.default
        out.append((f.name, f.metadata[SETTING], default))
    return out


def _connection_value(connection: Any, fields: tuple[str, ...]) -> str:
    for name in fields:
        value = (connection.extra_dejson.get(name.removeprefix("extra.")) if name.startswith("extra.")
                 else getattr(connection, name, None))
        if value:
            return str(value)
    return ""


def settings_with_keys(sources: list[str], connection: Callable[[str], Any],
                       env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, with the keys of the named sources taken from
    connections (connection(conn_id) -> an Airflow Connection or None) where the environment
    has none. The source table says which key comes from which connection field."""
    env = dict(os.environ if env is None else env)
    for name in sources:
        for key in SOURCES[name].keys if name in SOURCES else ():
            if env.get(key.env):
                continue
            found = connection(key.connection)
            if found is not None:
                env[key.env] = _connection_value(found, key.connection_fields)
    return Settings.from_env(env)


def readme_table() -> str:
    """The README's settings table, from the declarations (README.md, section Settings)."""
    return markdown_table([row for _name, spec, default in declared() for row in documented(spec, default)])


def pool_arguments() -> str:
    """The arguments of `airflow pools set` for the fetch pool, quoted for a shell (the
    compose file's init runs it; `make run` and the demo create the pool from the same names)."""
    import shlex

    return shlex.join([FETCH_POOL, str(FETCH_POOL_SLOTS), FETCH_POOL_DESCRIPTION])


if __name__ == "__main__":
    commands = {"--readme-table": readme_table, "--pool-arguments": lambda: pool_arguments() + "\n"}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit("usage: python -m monitor.settings --readme-table | --pool-arguments")
    sys.stdout.write(commands[sys.argv[1]]())
