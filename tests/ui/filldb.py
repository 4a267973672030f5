"""Fill a monitor database the way the DAGs do, against the offline demo web (seconds, not
the three minutes of `make demo`): collect, score and store for every brand, draft takedowns
and queue the owners' emails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from monitor.demo.web import DemoWeb
from monitor.settings import Settings
from tests.conftest import BRANDS_FILE, ROOT

SOURCES = "searxng,crtsh,openphish,urlhaus"


def demo_env(web: DemoWeb, database_url: str, folder: Path) -> dict[str, str]:
    return web.source_environment() | {
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_BRANDS_FILE": str(BRANDS_FILE),
        "MONITOR_OUTBOX_DIR": str(folder / "outbox"),
        "MONITOR_SOURCES": SOURCES,
        "MONITOR_ABUSE_CHANNELS_FILE": str(ROOT / "config" / "abuse_channels.yaml"),
        "MONITOR_TAKEDOWN_TEMPLATES": str(ROOT / "config" / "takedown"),
        "MONITOR_HTTP_TIMEOUT": "3",
        "MONITOR_HTTP_DEADLINE": "5",
        "MONITOR_HTTP_RETRIES": "0",
    }


def fill(database_url: str, folder: Path) -> Settings:
    """Migrate database_url and fill it with one pipeline run over the demo web."""
    from monitor import pipeline
    from monitor.store.db import upgrade

    upgrade(database_url)
    with DemoWeb() as web:
        settings = Settings.from_env(demo_env(web, database_url, folder))
        run = pipeline.RunInfo("manual__2026-11-28T10:00:00+00:00", "manual",
                               "2026-11-27T10:00:00+00:00", "2026-11-28T10:00:00+00:00")
        for item in pipeline.plan(settings, {}):
            pipeline.store(settings, pipeline.score(settings, pipeline.collect(settings, item, run)))
        pipeline.draft_takedowns(settings, {})
        pipeline.alert(settings, {}, run, smtp_url=None)
    return settings


if __name__ == "__main__":  # python -m tests.ui.filldb var/ui-demo: a database to look at
    import sys
    import time

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/ui-demo").resolve()
    target.mkdir(parents=True, exist_ok=True)
    (target / "monitor.db").unlink(missing_ok=True)
    started = time.monotonic()
    fill(f"sqlite:///{target / 'monitor.db'}", target)
    print(f"filled {target / 'monitor.db'} in {time.monotonic() - started:.0f}s at {dt.datetime.now():%H:%M}")
