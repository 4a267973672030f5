"""Settings from the environment, read and validated once, at the edge.

Every value has an embedded default suitable for one machine (SQLite, .eml outbox).
A bad value fails with the variable's name.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.collectors.sources import BRAND_MONITOR_SOURCES, SOURCES
from monitor.detection.domains import is_http_url

# Public defaults from the source table; each is overridden by MONITOR_<SOURCE>_URL.
SOURCE_DEFAULT_URLS = {name: spec.default_url or "brands.yaml" for name, spec in SOURCES.items()}


class SettingsError(ValueError):
    """A bad setting; the message starts with the variable's name."""

    @property
    def setting(self) -> str | None:
        """The variable the message names (MONITOR_..., AIRFLOW__...), or None."""
        found = _SETTING_NAME.match(str(self))
        return found.group(0) if found else None


_SETTING_NAME = re.compile(r"(?:MONITOR|AIRFLOW)_[A-Z0-9_]*[A-Z0-9]")


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r}: expected 1/0, true/false, yes/no or on/off")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r}: expected a number from {low} to {high}")
    return value


def _ports(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = env.get(name, "")
    ports = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 65535:
            raise SettingsError(f"{name}={raw!r}: {part!r} is not a port number")
        ports.append(int(part))
    return tuple(ports)


def _emails(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    addresses = tuple(a.strip() for a in env.get(name, "").split(",") if a.strip())
    for address in addresses:
        if "@" not in address or not address.isascii() or any(c in address for c in " <>\r\n"):
            raise SettingsError(f"{name}: {address!r} is not an email address")
    return addresses


def _cron(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).strip()
    fields = value.split()
    if not (value.startswith("@") or len(fields) == 5) or any(not f.isprintable() for f in fields):
        raise SettingsError(f"{name}={value!r}: expected a cron expression of five fields (or @daily, @hourly)")
    return value


def _http_url(env: Mapping[str, str], name: str, default: str, *, slash: bool = True) -> str:
    value = env.get(name) or default
    if not is_http_url(value):
        raise SettingsError(f"{name}={value!r}: expected an http(s) URL")
    return value if value.endswith("/") or not slash else value + "/"


def _overrides(env: Mapping[str, str], name: str) -> dict[str, tuple[str, int]]:
    raw = env.get(name, "")
    if not raw:
        return {}
    if not _bool(env, "MONITOR_ALLOW_PRIVATE_NETWORKS", False):
        raise SettingsError(f"{name} is for tests and the demo: it needs MONITOR_ALLOW_PRIVATE_NETWORKS=1")
    overrides = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        host, _, target = part.partition("=")
        address, _, port = target.rpartition(":")
        if not host or not address or not port.isdigit():
            raise SettingsError(f"{name}: {part!r} is not host=address:port")
        overrides[host.lower()] = (address, int(port))
    return overrides


SECRET_MIN_LENGTH = 16
SECRET_MIN_DISTINCT = 6
SECRET_MIN_BITS = 64
MAKE_A_SECRET = "make one with `openssl rand -hex 32` or `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
_CLASSES = (str.isdigit, str.islower, str.isupper)  # 10, 26 and 26 symbols; anything else counts as 33


def secret_bits(value: str) -> float:
    """A generous estimate of a secret's strength: its length times log2 of the alphabet of
    the character classes it uses (digits 10, lower 26, upper 26, other ASCII 33, anything
    beyond ASCII 100). Pure. Random keys score what they are worth; repeated patterns are
    caught by secret_problem's other checks."""
    size = sum(n for test, n in zip(_CLASSES, (10, 26, 26), strict=True) if any(test(c) and c.isascii() for c in value))
    size += 33 if any(c.isascii() and not c.isalnum() for c in value) else 0
    size += 100 if any(not c.isascii() for c in value) else 0
    return len(value) * math.log2(max(size, 2))


def secret_problem(value: str) -> str | None:
    """Why a signing secret is too weak, or None. Pure. A length alone let 16 spaces or 16
    zeros through. Also refused: blanks or control characters (a copy-paste slip), fewer than
    6 different characters or one character making up more than half (a repeated pattern),
    and under 64 bits by secret_bits (16 digits). The 64 hex characters of `openssl rand -hex
    32` always pass; a 16-character hex key fails about once in 2,000 draws (all digits, truly
    weaker), with the reason given."""
    if len(value) < SECRET_MIN_LENGTH:
        return f"too short ({len(value)} characters; at least {SECRET_MIN_LENGTH})"
    if any(c.isspace() or not c.isprintable() for c in value):
        return "it contains blanks or control characters"
    distinct = len(set(value))
    if distinct < SECRET_MIN_DISTINCT:
        return f"too weak: only {distinct} different characters (at least {SECRET_MIN_DISTINCT})"
    most = max(value.count(c) for c in set(value))
    if most * 2 > len(value):
        return f"too weak: one character makes up {most} of its {len(value)} characters"
    if (bits := secret_bits(value)) < SECRET_MIN_BITS:
        return f"too weak: about {bits:.0f} bits (at least {SECRET_MIN_BITS}; a longer one, or letters too)"
    return None


def _secret(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name) or None
    if value is not None and (problem := secret_problem(value)) is not None:
        raise SettingsError(f"{name}: {problem}; {MAKE_A_SECRET}")  # never the value itself
    return value


# The Airflow pool of fetching tasks as `make run` and `make demo` create it (its slots and
# description too; MONITOR_FETCH_POOL names another).
FETCH_POOL = "monitor_fetch"
FETCH_POOL_SLOTS = 8
FETCH_POOL_DESCRIPTION = "outbound fetching of impersonation-monitor"


def default_user_agent(contact: str) -> str:
    """The fetcher's User-Agent: this package and version, and whom to contact."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("impersonation-monitor")
    except PackageNotFoundError:  # run from a source tree that was never installed
        release = "0+unknown"
    return f"impersonation-monitor/{release} (+{contact})"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/monitor.db"
    brands_file: Path = Path("config/brands.yaml")
    rules_file: Path | None = None
    smtp_url: str | None = None
    outbox_dir: Path = Path("var/outbox")
    state_dir: Path = Path("var/state")  # the monitor's own files (downloaded lists), private to its user
    mail_from: str = "impersonation-monitor@localhost"
    allow_private_networks: bool = False
    user_agent: str = field(default_factory=lambda: default_user_agent("https://github.com/impersonation-monitor"))
    source_urls: dict[str, str] = field(default_factory=lambda: dict(SOURCE_DEFAULT_URLS))
    sources: tuple[str, ...] = BRAND_MONITOR_SOURCES
    alert_min_score: int | None = None  # None: the rules' suspicious threshold
    max_send_attempts: int = 5
    lookback_hours: int = 24
    schedule: str = "0 * * * *"  # brand_monitor
    lookalike_schedule: str = "0 3 * * *"
    followup_schedule: str = "0 6 * * *"
    fetch_pool: str = FETCH_POOL  # the Airflow pool of fetching tasks; 'none' for no pool
    ops_email: str | None = None  # task failures are mailed here
    http_timeout: int = 20  # seconds per read
    http_deadline: int = 60  # seconds for a whole response
    host_min_delay: float = 1.0  # seconds between two fetches of one host
    http_retries: int = 2  # retries after a connection error or 5xx
    http_backoff: float = 1.0  # seconds before the first retry, doubling
    extra_ports: tuple[int, ...] = ()
    contact_url: str = "https://github.com/impersonation-monitor"
    brave_api_key: str | None = None
    google_api_key: str | None = None
    google_cx: str | None = None
    dns_nameserver: str | None = None  # 'ip' or 'ip:port'; default: the system resolver
    enrich_min_score: int = 40
    alert_recipients_override: tuple[str, ...] = ()  # staging: every digest goes here instead
    # host -> (address, port) the fetcher connects to instead of resolving ('*' for every
    # host name): the demo and tests point every site at their local server with it.
    resolve_overrides: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Takedown drafts and their follow-up. The two config paths default to files beside
    # brands.yaml (None here), so that one MONITOR_BRANDS_FILE moves the whole config/ folder.
    abuse_channels_file: Path | None = None
    takedown_templates_dir: Path | None = None
    rdap_bootstrap_url: str = "https://data.iana.org/rdap/"
    lookup_ttl_hours: int = 168  # cached RDAP / WHOIS answers; failures are retried after 6 hours
    evidence_max_bytes: int = 2_000_000  # a page's HTML saved and attached as evidence, at most
    takedown_reminder_days: int = 7  # a page still live this long after its draft: one reminder
    relaunch_watch_days: int = 90  # a page taken down is re-checked this long for a relaunch
    takedowns_per_run: int = 50  # drafts made per run at most (each fetches and looks up)
    max_email_bytes: int = 10_000_000  # drafts beyond this in one owners' email wait for the next run
    # Work bounds: one source's queries for one brand stop being started after this long.
    collect_budget_seconds: int = 300
    # Certificate Transparency (monitor.collectors.ct; the log list URL is source_urls["ct"],
    # MONITOR_CT_LOG_LIST_URL): entries read back when a log is first seen (0: from its current
    # size), entries read per log per run at most, and the ct_monitor DAG's schedule.
    ct_backlog: int = 0
    ct_max_entries: int = 100_000
    ct_schedule: str = "*/10 * * * *"
    # Screenshots as takedown evidence (monitor.takedown.screenshot): the system Chromium
    # (None: chromium-headless-shell, else chromium, on PATH), a time limit on the whole
    # capture, and caps (the picture's height and bytes, the browser's memory).
    screenshots: bool = True  # MONITOR_SCREENSHOTS=0: drafts without a picture of the page
    chromium_path: str | None = None
    screenshot_timeout_seconds: int = 45
    screenshot_max_height: int = 4000
    screenshot_max_bytes: int = 3_000_000
    screenshot_max_memory_mb: int = 1024  # the whole browser (every process), PSS
    # Owners' one-click action links (monitor.ui.links): signed with the secret key, pointing at
    # the public address of the api-server's plugin routes; no links unless both are set.
    secret_key: str | None = field(default=None, repr=False)
    public_url: str | None = None  # e.g. https://airflow.example.org/ (the plugin is under monitor/)
    action_link_days: int = 30  # an action link expires this many days after its email

    @property
    def abuse_channels_path(self) -> Path:
        return self.abuse_channels_file or self.brands_file.parent / "abuse_channels.yaml"

    @property
    def takedown_templates_path(self) -> Path:
        return self.takedown_templates_dir or self.brands_file.parent / "takedown"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        urls = dict(SOURCE_DEFAULT_URLS)
        for name, spec in SOURCES.items():
            override = env.get(spec.url_env)
            if override:
                if spec.default_url is None:
                    raise SettingsError(f"{spec.url_env}: {name} has no base URL (its targets come from brands.yaml "
                                        f"or DNS)")
                urls[name] = _http_url(env, spec.url_env, spec.default_url, slash=False)
        if env.get("MONITOR_CT_LOG_LIST_URL"):
            urls["ct"] = _http_url(env, "MONITOR_CT_LOG_LIST_URL", urls["ct"], slash=False)
        keys = {key.setting: env.get(key.env) or None for spec in SOURCES.values() for key in spec.keys}
        sources = tuple(s.strip() for s in env.get("MONITOR_SOURCES", ",".join(BRAND_MONITOR_SOURCES)).split(",")
                        if s.strip())
        unknown = [s for s in sources if s not in urls]
        if unknown:
            raise SettingsError(f"MONITOR_SOURCES: unknown source {unknown[0]!r} (known: {', '.join(sorted(urls))})")
        min_score = env.get("MONITOR_ALERT_MIN_SCORE")
        contact = env.get("MONITOR_CONTACT_URL") or cls.contact_url
        return cls(
            database_url=env.get("MONITOR_DATABASE_URL") or cls.database_url,
            brands_file=Path(env.get("MONITOR_BRANDS_FILE") or cls.brands_file),
            rules_file=Path(env["MONITOR_RULES_FILE"]) if env.get("MONITOR_RULES_FILE") else None,
            smtp_url=env.get("MONITOR_SMTP_URL") or None,
            outbox_dir=Path(env.get("MONITOR_OUTBOX_DIR") or cls.outbox_dir),
            state_dir=Path(env.get("MONITOR_STATE_DIR") or cls.state_dir),
            mail_from=env.get("MONITOR_MAIL_FROM") or cls.mail_from,
            allow_private_networks=_bool(env, "MONITOR_ALLOW_PRIVATE_NETWORKS", False),
            source_urls=urls,
            sources=sources,
            alert_min_score=None if not min_score else _int(env, "MONITOR_ALERT_MIN_SCORE", 0, 0, 100),
            max_send_attempts=_int(env, "MONITOR_MAX_SEND_ATTEMPTS", 5, 1, 100),
            lookback_hours=_int(env, "MONITOR_LOOKBACK_HOURS", 24, 1, 24 * 365),
            schedule=_cron(env, "MONITOR_SCHEDULE", cls.schedule),
            lookalike_schedule=_cron(env, "MONITOR_LOOKALIKE_SCHEDULE", cls.lookalike_schedule),
            followup_schedule=_cron(env, "MONITOR_FOLLOWUP_SCHEDULE", cls.followup_schedule),
            fetch_pool=env.get("MONITOR_FETCH_POOL", cls.fetch_pool).strip(),
            ops_email=(_emails(env, "MONITOR_OPS_EMAIL") or (None,))[0],
            http_timeout=_int(env, "MONITOR_HTTP_TIMEOUT", 20, 1, 600),
            http_deadline=_int(env, "MONITOR_HTTP_DEADLINE", 60, 1, 3600),
            host_min_delay=_int(env, "MONITOR_HOST_MIN_DELAY_MS", 1000, 0, 600_000) / 1000,
            extra_ports=_ports(env, "MONITOR_EXTRA_PORTS"),
            http_retries=_int(env, "MONITOR_HTTP_RETRIES", 2, 0, 10),
            http_backoff=_int(env, "MONITOR_HTTP_BACKOFF_MS", 1000, 0, 600_000) / 1000,
            contact_url=contact,
            **keys,
            dns_nameserver=env.get("MONITOR_DNS_NAMESERVER") or None,
            enrich_min_score=_int(env, "MONITOR_ENRICH_MIN_SCORE", 40, 0, 101),
            resolve_overrides=_overrides(env, "MONITOR_HTTP_RESOLVE"),
            alert_recipients_override=_emails(env, "MONITOR_ALERT_RECIPIENTS_OVERRIDE"),
            abuse_channels_file=Path(env["MONITOR_ABUSE_CHANNELS_FILE"]) if env.get("MONITOR_ABUSE_CHANNELS_FILE") else None,
            takedown_templates_dir=(Path(env["MONITOR_TAKEDOWN_TEMPLATES"]) if env.get("MONITOR_TAKEDOWN_TEMPLATES")
                                    else None),
            rdap_bootstrap_url=_http_url(env, "MONITOR_RDAP_BOOTSTRAP_URL", cls.rdap_bootstrap_url),
            lookup_ttl_hours=_int(env, "MONITOR_LOOKUP_TTL_HOURS", 168, 0, 24 * 365),
            evidence_max_bytes=_int(env, "MONITOR_EVIDENCE_MAX_BYTES", 2_000_000, 1000, 50_000_000),
            takedown_reminder_days=_int(env, "MONITOR_TAKEDOWN_REMINDER_DAYS", 7, 1, 365),
            relaunch_watch_days=_int(env, "MONITOR_RELAUNCH_WATCH_DAYS", 90, 1, 3650),
            takedowns_per_run=_int(env, "MONITOR_TAKEDOWNS_PER_RUN", 50, 0, 10_000),
            max_email_bytes=_int(env, "MONITOR_MAX_EMAIL_BYTES", 10_000_000, 100_000, 1_000_000_000),
            secret_key=_secret(env, "MONITOR_SECRET_KEY"),
            public_url=_http_url(env, "MONITOR_PUBLIC_URL", "") if env.get("MONITOR_PUBLIC_URL") else None,
            action_link_days=_int(env, "MONITOR_ACTION_LINK_DAYS", 30, 1, 365),
            user_agent=env.get("MONITOR_USER_AGENT") or default_user_agent(contact),
            collect_budget_seconds=_int(env, "MONITOR_COLLECT_BUDGET_SECONDS", 300, 1, 24 * 3600),
            ct_backlog=_int(env, "MONITOR_CT_BACKLOG", 0, 0, 10_000_000),
            ct_max_entries=_int(env, "MONITOR_CT_MAX_ENTRIES", 100_000, 1, 10_000_000),
            ct_schedule=_cron(env, "MONITOR_CT_SCHEDULE", cls.ct_schedule),
            screenshots=_bool(env, "MONITOR_SCREENSHOTS", True),
            chromium_path=env.get("MONITOR_CHROMIUM") or None,
            screenshot_timeout_seconds=_int(env, "MONITOR_SCREENSHOT_TIMEOUT_SECONDS", 45, 5, 600),
            screenshot_max_height=_int(env, "MONITOR_SCREENSHOT_MAX_HEIGHT", 4000, 200, 16_000),
            screenshot_max_bytes=_int(env, "MONITOR_SCREENSHOT_MAX_BYTES", 3_000_000, 50_000, 50_000_000),
            screenshot_max_memory_mb=_int(env, "MONITOR_SCREENSHOT_MAX_MEMORY_MB", 1024, 128, 65_536),
        )


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
