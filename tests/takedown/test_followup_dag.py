"""takedown_followup run for real with dag.test(): one page gone, one still live past the
reminder limit, one back after it was taken down. Each gets the right outcome, and a second
run sends nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.conftest import ROOT, parse_message
from tests.takedown.conftest import FINDINGS, seed_findings

pytestmark = pytest.mark.airflow

GONE, LIVE, RELAUNCHED = FINDINGS[1], FINDINGS[2], FINDINGS[0]  # a domain, a pages.dev page, a facebook page


@pytest.fixture(scope="module")
def followup_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"), bundle_name="dags-folder")
    assert bag.import_errors == {}
    return bag.dags["takedown_followup"]


def _factory(url):
    from monitor.store.db import make_engine, session_factory

    return session_factory(make_engine(url))


def test_followup_marks_gone_reminds_once_and_alerts_a_relaunch(followup_dag, takedown_env, smtp_sink, monkeypatch):
    from monitor import pipeline
    from monitor.settings import Settings
    from monitor.store.models import Alert, Finding, Takedown

    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", f"smtp://127.0.0.1:{smtp_sink.port}?disable_ssl=true&disable_tls=true")
    monkeypatch.setenv("MONITOR_TAKEDOWN_REMINDER_DAYS", "7")
    now = dt.datetime.now(dt.UTC)
    ids = seed_findings(takedown_env["url"], [GONE, LIVE, RELAUNCHED], now=now)
    settings = Settings.from_env()
    assert len(pipeline.draft_takedowns(settings, {}).drafted) == 3
    pipeline.alert(settings, {}, pipeline.RunInfo("manual__seed", "manual", None, None), smtp_url=smtp_sink.url)
    before = len(smtp_sink.messages)

    factory = _factory(takedown_env["url"])
    with factory() as session:
        takedowns = {t.finding_id: t for t in session.scalars(select(Takedown))}
        # drafted ten days ago, still up
        takedowns[ids[LIVE[1]]].drafted_at = now - dt.timedelta(days=10)
        # taken down three days ago (seen gone by an earlier follow-up), now back
        relaunched = takedowns[ids[RELAUNCHED[1]]]
        relaunched.taken_down_at = relaunched.resolved_at = now - dt.timedelta(days=3)
        relaunched.status = "resolved"
        session.get(Finding, ids[RELAUNCHED[1]]).status = "taken_down"
        # the owner sent this one; its page is gone now
        takedowns[ids[GONE[1]]].status = "sent"
        ids_by_case = {name: takedowns[ids[case[1]]].id for name, case in
                       (("gone", GONE), ("live", LIVE), ("relaunched", RELAUNCHED))}
        session.commit()
    takedown_env["web"].gone.add(("laoairlines-bookings.com", "/"))

    run = followup_dag.test()
    assert run.state == "success"
    with factory() as session:
        gone = session.get(Takedown, ids_by_case["gone"])
        assert gone.taken_down_at is not None and gone.status == "resolved"
        assert gone.hours_first_seen_to_down >= 0 and gone.hours_draft_to_down >= 0
        assert gone.last_check == "gone: HTTP 404"
        assert session.get(Finding, ids[GONE[1]]).status == "taken_down"
        live = session.get(Takedown, ids_by_case["live"])
        assert live.reminder_sent_at is not None and live.taken_down_at is None and live.status == "drafted"
        old = session.get(Takedown, ids_by_case["relaunched"])
        assert old.relaunched_at is not None
        finding = session.get(Finding, ids[RELAUNCHED[1]])
        assert finding.status == "alerted" and "relaunched" in finding.status_note
        second = session.scalars(select(Takedown).where(Takedown.finding_id == finding.id, Takedown.round == 2)).one()
        assert second.delivered_alert_id is not None and second.html_sha256
        followups = list(session.scalars(select(Alert).where(Alert.kind == "followup")))
    assert len(followups) == 2 and {a.status for a in followups} == {"sent"}

    new = {m["to"][0]: parse_message(m["data"]) for m in smtp_sink.messages[before:]}
    assert len(smtp_sink.messages) == before + 2 and set(new) == {"lao-airlines@example.org", "laopost@example.org"}
    airlines = new["lao-airlines@example.org"]
    assert airlines["Subject"].strip() == "[impersonation-monitor] Lao Airlines: takedowns: 1 relaunched, 1 taken down"
    text = airlines.get_body(("plain",)).get_content()
    assert "Relaunched: back after it was taken down" in text and f"Takedown T{ids_by_case['relaunched']}:" in text
    assert "Taken down" in text and f"Takedown T{ids_by_case['gone']}:" in text and "Checked: HTTP 404" in text
    assert "Time to takedown:" in text
    attached = [p.get_content() for p in airlines.iter_attachments() if p.get_content_type() == "message/rfc822"]
    assert [a["X-Monitor-Finding"] for a in attached] == [str(ids[RELAUNCHED[1]])]
    laopost = new["laopost@example.org"]
    assert laopost["Subject"].strip() == "[impersonation-monitor] Laopost: takedowns: 1 still live"
    text = laopost.get_body(("plain",)).get_content()
    assert "Still live 7 days after the draft" in text and f"Takedown T{ids_by_case['live']}:" in text

    # run again: every page as it was; nothing is sent twice, nothing drafted twice
    again = followup_dag.test()
    assert again.state == "success"
    assert len(smtp_sink.messages) == before + 2
    with factory() as session:
        assert session.query(Takedown).count() == 4
        assert session.query(Alert).filter(Alert.kind == "followup").count() == 2
        assert session.get(Takedown, ids_by_case["live"]).last_checked_at is not None


# ---------------------------------------------------------------- the parts, on plain data and one page at a time

def test_classify_never_takes_an_unknown_for_gone():
    from monitor.takedown.followup import classify

    markers = ("This content isn't available right now",)
    assert classify(status=404, error="HTTP 404", text="", unavailable=()) == ("gone", "HTTP 404")
    assert classify(status=410, error="HTTP 410", text="", unavailable=())[0] == "gone"
    assert classify(status=None, error=None, text="", unavailable=(), dns="nxdomain")[0] == "gone"
    assert classify(status=200, error=None, text="Facebook This content isn't available right now",
                    unavailable=markers) == ("gone", "the platform shows \"This content isn't available right now\"")
    assert classify(status=200, error=None, text="Win free tickets", unavailable=markers) == ("live", "HTTP 200")
    # missing already when the draft was made: not a takedown
    assert classify(status=404, error="HTTP 404", text="", unavailable=(), status_when_drafted=404) == \
        ("unknown", "HTTP 404, as when the draft was made")
    assert classify(status=None, error=None, text="", unavailable=(), dns="nxdomain",
                    resolved_when_drafted=False)[0] == "unknown"
    for status, error in ((None, "timed out"), (503, "HTTP 503"), (403, "HTTP 403"), (None, "robots.txt")):
        assert classify(status=status, error=error, text="", unavailable=markers)[0] == "unknown"


def test_decide_gives_each_event_once():
    from monitor.takedown.followup import TakedownState, decide

    now = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    fresh = TakedownState("drafted", now - dt.timedelta(days=2), None, None, None)
    old = TakedownState("sent", now - dt.timedelta(days=8), None, None, None)
    assert decide(fresh, "live", now=now, reminder_days=7) is None
    assert decide(old, "live", now=now, reminder_days=7) == "reminder"
    assert decide(TakedownState("sent", old.drafted_at, None, now, None), "live", now=now,
                  reminder_days=7) is None  # reminded already
    assert decide(TakedownState("resolved", old.drafted_at, None, None, None), "live", now=now,
                  reminder_days=7) is None  # the owner closed it
    assert decide(fresh, "gone", now=now, reminder_days=7) == "taken_down"
    down = TakedownState("resolved", old.drafted_at, now - dt.timedelta(days=1), None, None)
    assert decide(down, "gone", now=now, reminder_days=7) is None
    assert decide(down, "live", now=now, reminder_days=7) == "relaunched"
    assert decide(TakedownState("resolved", old.drafted_at, down.taken_down_at, None, now), "live", now=now,
                  reminder_days=7) is None  # its relaunch has a round of its own
    assert decide(old, "unknown", now=now, reminder_days=7) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_recheck_sees_nxdomain_and_a_platform_removal_page(takedown_env):
    from monitor import pipeline
    from monitor.settings import Settings
    from monitor.takedown.followup import Check, recheck

    ids = seed_findings(takedown_env["url"], [FINDINGS[0], FINDINGS[3]])
    settings = Settings.from_env()
    drafted = pipeline.draft_takedowns(settings, {}).drafted
    with _factory(takedown_env["url"])() as session:
        from monitor.store.models import Takedown

        by_finding = {t.finding_id: t.id for t in session.scalars(select(Takedown))}
    assert len(drafted) == 2
    assert recheck(settings, by_finding[ids[FINDINGS[3][1]]]).seen == "live"
    del takedown_env["dns"].records["laotel-gift.top"]  # the registry pulled the domain
    assert recheck(settings, by_finding[ids[FINDINGS[3][1]]]) == Check(
        by_finding[ids[FINDINGS[3][1]]], "gone", "the domain no longer exists (NXDOMAIN)")
    takedown_env["web"].pages[("www.facebook.com", "/laoairlines.promo2026")] = (
        "Facebook", "This content isn't available right now")
    result = recheck(settings, by_finding[ids[FINDINGS[0][1]]])
    assert result.seen == "gone" and "isn't available" in result.detail


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_what_is_followed_up_and_redrafted(takedown_env):
    from monitor import pipeline
    from monitor.settings import Settings
    from monitor.store.models import Finding, Takedown
    from monitor.takedown.drafting import findings_to_draft
    from monitor.takedown.followup import plan_followup

    ids = seed_findings(takedown_env["url"], [FINDINGS[0], FINDINGS[1]])
    settings = Settings.from_env()
    pipeline.draft_takedowns(settings, {})
    factory = _factory(takedown_env["url"])
    with factory() as session:
        by_finding = {t.finding_id: t for t in session.scalars(select(Takedown))}
        planned = plan_followup(settings)
        assert sorted(i.takedown_id for i in planned) == sorted(t.id for t in by_finding.values())
        assert all(i.label.startswith("lao-airlines · https://") for i in planned)
        # a false positive is not followed up; a relaunch whose new draft failed is drafted again
        session.get(Finding, ids[FINDINGS[1][1]]).status = "false_positive"
        relaunched = by_finding[ids[FINDINGS[0][1]]]
        relaunched.relaunched_at = relaunched.taken_down_at = dt.datetime.now(dt.UTC)
        session.commit()
        assert plan_followup(settings) == []
        again = findings_to_draft(session, "lao-airlines", 10)
        assert [(f.id, round_) for f, round_ in again] == [(ids[FINDINGS[0][1]], 2)]
    assert len(pipeline.draft_takedowns(settings, {}).drafted) == 1
    with factory() as session:
        assert session.scalar(select(Takedown.round).where(Takedown.finding_id == ids[FINDINGS[0][1]])
                              .order_by(Takedown.round.desc()).limit(1)) == 2
