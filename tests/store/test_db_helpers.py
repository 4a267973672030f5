"""store.db's small helpers: UTC datetimes back from SQLite, and the rows an UPDATE matched."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from monitor.store.db import as_utc, make_engine, matched_rows, session_factory
from monitor.store.models import Base, HostState

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def test_as_utc_reads_a_naive_value_as_utc_and_keeps_none():
    assert as_utc(dt.datetime(2026, 12, 1, 12)) == NOW
    assert as_utc(dt.datetime(2026, 12, 1, 19, tzinfo=dt.timezone(dt.timedelta(hours=7)))) == NOW
    assert as_utc(None) is None


def test_matched_rows_counts_an_update_and_refuses_a_select(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        session.add_all([HostState(host="a.example", next_fetch_at=NOW), HostState(host="b.example", next_fetch_at=NOW)])
        session.flush()
        assert matched_rows(session.execute(update(HostState).values(cooldown_reason="x"))) == 2
        assert matched_rows(session.execute(update(HostState).where(HostState.host == "c.example")
                                            .values(cooldown_reason="x"))) == 0
        with pytest.raises(TypeError, match="not an UPDATE or DELETE"):
            matched_rows(session.execute(select(HostState)))
    engine.dispose()
