"""A takedown that is gone (deleted with its finding) between its re-check and the follow-up's
transaction is skipped, as one another run recorded meanwhile is, instead of failing the run."""

from __future__ import annotations

import datetime as dt

import pytest

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", ["taken_down", "reminder", "relaunched"])
def test_an_event_about_a_takedown_that_is_gone_is_skipped(session_factory, registry, kind):
    from monitor.settings import Settings
    from monitor.takedown.followup import Check, Event, _queue

    brand = registry.brands[0]
    event = Event(kind, Check(999_999, "gone" if kind == "taken_down" else "live", "no answer"), brand.id, 1, 1)
    report = _queue(Settings(), session_factory, registry, [event], {}, now=NOW, run_id=None)
    assert report == {"taken_down": [], "reminders": [], "relaunched": [], "emails": []}
