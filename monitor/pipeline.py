"""The steps of one monitoring run, as the DAG and `monitor run` call them.

Each step takes and returns plain, JSON-friendly values (they travel as Airflow XComs):
plan -> collect (per brand and source) -> score -> store -> alert -> summary.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Any

from monitor.clock import utcnow
from monitor.settings import Settings
from monitor.store.db import factory_for

log = logging.getLogger(__name__)

RUN_TYPES_THAT_ARE_BACKFILLS = {"backfill"}


@dataclass(frozen=True)
class RunInfo:
    """Who asked for this run and for which window (from Airflow's context or the CLI)."""

    run_id: str | None
    run_type: str  # scheduled, manual, backfill, asset_triggered, cli
    window_start: str | None  # ISO 8601
    window_end: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunInfo":
        return cls(**data)


def parse_time(value: Any, name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"param {name}={value!r}: expected an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def resolve_window(interval_start: Any, interval_end: Any, params: dict[str, Any], *, now: dt.datetime,
                   lookback_hours: int) -> tuple[dt.datetime, dt.datetime]:
    """The collection window: Params first (an analyst's explicit window), then the run's data
    interval, then a look-back from now (a manual run without a data interval)."""
    start = parse_time(params.get("window_start"), "window_start")
    end = parse_time(params.get("window_end"), "window_end")
    if start or end:
        end = end or now
        start = start or end - dt.timedelta(hours=lookback_hours)
    else:
        start = parse_time(interval_start, "data_interval_start")
        end = parse_time(interval_end, "data_interval_end")
        if not start or not end or start >= end:
            end = now
            start = now - dt.timedelta(hours=lookback_hours)
    if start >= end:
        raise ValueError(f"window_start {start.isoformat()} is not before window_end {end.isoformat()}")
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)




def _registry(settings: Settings):  # noqa: ANN202
    from monitor.registry import load_registry

    return load_registry(settings.brands_file)




# ---------------------------------------------------------------- plan

def plan(settings: Settings, params: dict[str, Any]) -> list[dict[str, str]]:
    """Validate the registry and the Params, and list the (brand, source) pairs to collect."""
    registry = _registry(settings)
    wanted_brands = list(params.get("brands") or registry.ids)
    unknown = [b for b in wanted_brands if b not in registry.ids]
    if unknown:
        raise ValueError(f"param brands: unknown brand {unknown[0]!r} (known: {', '.join(registry.ids)})")
    explicit = bool(params.get("sources"))
    wanted_sources = list(params.get("sources") or settings.sources)
    unknown = [s for s in wanted_sources if s not in settings.source_urls]
    if unknown:
        raise ValueError(f"param sources: unknown source {unknown[0]!r} (known: {', '.join(sorted(settings.source_urls))})")

    # Search APIs run only with their keys: left out of the default plan without them, an
    # error (on the collection run) when asked for by name.
    keyed = {"brave": bool(settings.brave_api_key), "google": bool(settings.google_api_key and settings.google_cx)}

    def configured(brand_id: str, source: str) -> bool:
        brand = registry.brand(brand_id)  # listing pages and feeds are configured per brand
        if source in keyed and not keyed[source] and not explicit:
            return False
        return not ((source == "listing" and not brand.listings) or (source == "rss" and not brand.feeds))

    return [{"brand": brand, "source": source} for brand in wanted_brands for source in wanted_sources
            if configured(brand, source)]


# ---------------------------------------------------------------- collect

def collect(settings: Settings, item: dict[str, str], run: RunInfo) -> dict[str, Any]:
    """Run one source for one brand over the run's window; record the collection run.
    A source that fails is recorded as failed and returns its error: it does not raise, so
    other sources go on."""
    from monitor.collectors import Window, build_collector, collect_brand
    from monitor.fetch.http import Fetcher
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.store.repo import finish_collection_run, start_collection_run

    registry = _registry(settings)
    brand = registry.brand(item["brand"])
    window = Window(parse_time(run.window_start, "window_start"), parse_time(run.window_end, "window_end"))
    factory = factory_for(settings.database_url)
    with factory() as session:
        run_id = start_collection_run(session, source=item["source"], brand_id=brand.id,
                                      window_start=window.start, window_end=window.end,
                                      dag_run_id=run.run_id, run_type=run.run_type, now=utcnow())
        session.commit()
    candidates: list[dict[str, Any]] = []
    error: str | None = None
    layout_changed = False
    queries = 0
    canary_expected = False
    try:
        scorer = Scorer(registry, load_rules(settings.rules_file))
        collector = build_collector(item["source"], settings, Fetcher(settings, session_factory=factory), scorer)
        canary_expected = collector.canary
        result = collect_brand(collector, brand, window)
        queries, layout_changed = result.queries, result.layout_changed
        candidates = [{**found.candidate.to_dict(), "query": found.query} for found in result.found]
        if result.errors:
            shown = "; ".join(result.errors[:5]) + (f" (+{len(result.errors) - 5} more)" if len(result.errors) > 5 else "")
            error = f"{len(result.errors)} of {result.queries} queries failed: {shown}"
        status = "failed" if result.failed else "ok"
    except Exception as exc:  # a broken collector must not take the other sources down
        log.exception("source %s for %s failed", item["source"], brand.id)
        error, status = f"{type(exc).__name__}: {exc}", "failed"
    with factory() as session:
        finish_collection_run(session, run_id, now=utcnow(), status=status, queries=queries,
                              candidates=len(candidates), error=error, layout_changed=layout_changed)
        session.commit()
    return {"collection_run_id": run_id, "brand": brand.id, "source": item["source"], "status": status,
            "error": error, "layout_changed": layout_changed, "queries": queries, "candidates": candidates,
            "canary_expected": canary_expected}


# ---------------------------------------------------------------- score

def score(settings: Settings, collected: dict[str, Any]) -> dict[str, Any]:
    """Score what one collection found; enrich the pages worth a look and score them again;
    keep the ones flagged for this collection's brand as finding inputs; check the canary."""
    from monitor.detection.enrich import Enricher
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer

    rules = load_rules(settings.rules_file)
    registry = _registry(settings)
    scorer = Scorer(registry, rules)
    shared = frozenset(rules.shared_hosting)
    enricher = Enricher(settings, registry, factory_for(settings.database_url))
    flagged = []
    official_seen = False
    broken: list[str] = []
    for raw in collected["candidates"]:
        try:
            flagged_item, official = _score_one(raw, collected, scorer, enricher, shared)
        except Exception as exc:  # noqa: BLE001 - one odd record must not lose the batch
            log.exception("could not score %r", raw.get("id"))
            broken.append(f"{raw.get('id')!r}: {type(exc).__name__}: {exc}")
            continue
        official_seen |= official
        if flagged_item is not None:
            flagged.append(flagged_item)
    canary = "n/a"
    if collected.get("canary_expected") and collected["status"] != "failed":
        canary = "ok" if official_seen else "missing"
    error = collected["error"]
    if broken:
        error = "; ".join(filter(None, [error, f"{len(broken)} candidates could not be scored: {broken[0]}"]))
    return {key: collected[key] for key in ("collection_run_id", "brand", "source", "status",
                                            "layout_changed", "queries")} | {
        "error": error, "candidates": len(collected["candidates"]), "flagged": flagged, "canary": canary,
        "enriched": enricher.count}


def _score_one(raw: dict[str, Any], collected: dict[str, Any], scorer, enricher, shared) -> tuple[dict | None, bool]:  # noqa: ANN001
    """(finding input or None, whether it is the brand's own official identity)."""
    from monitor.detection.identity import identity_of
    from monitor.detection.models import candidate_from_dict

    candidate = candidate_from_dict(raw)
    result = scorer.score(candidate)
    if result.verdict == "official":
        return None, result.brand == collected["brand"]
    if result.brand != collected["brand"] and result.verdict != "unrelated":
        return None, False  # another brand's look-alike: that brand's own collection records it
    if enricher.worth_it(candidate, result):
        candidate = enricher.enrich(candidate)
        result = scorer.score(candidate)
    if result.verdict not in ("impersonation", "suspicious") or result.brand != collected["brand"]:
        return None, False
    identity = identity_of(candidate, shared)
    return {
        "brand_id": result.brand, "canonical_key": identity.key, "kind": candidate.kind,
        "platform": identity.platform, "url": candidate.url, "label": identity.label, "score": result.score,
        "verdict": result.verdict, "reasons": result.reasons, "candidate": candidate.to_dict(),
        "source": collected["source"], "query": raw.get("query"),
    }, False


# ---------------------------------------------------------------- store

def store(settings: Settings, scored: dict[str, Any]) -> dict[str, Any]:
    from monitor.store.repo import FindingInput, finish_collection_run, upsert_findings

    items = [FindingInput(**f) for f in scored["flagged"]]
    factory = factory_for(settings.database_url)
    now = utcnow()
    with factory() as session:
        new, updated = upsert_findings(session, items, collection_run_id=scored["collection_run_id"], now=now)
        finish_collection_run(session, scored["collection_run_id"], now=now, flagged=len(items),
                              findings_new=new, findings_updated=updated, canary=scored.get("canary"))
        session.commit()
    return {key: scored[key] for key in ("collection_run_id", "brand", "source", "status", "error",
                                         "layout_changed", "queries", "candidates", "canary")} | {
        "flagged": len(items), "new": new, "updated": updated}


# ---------------------------------------------------------------- takedown drafts

def draft_takedowns(settings: Settings, params: dict[str, Any]) -> dict[str, Any]:
    """Draft a takedown request for each likely impersonation that has none yet (evidence
    captured now, abuse contacts looked up). Nothing is sent here: the alert step delivers
    the drafts to the owners. A dry run drafts nothing."""
    from monitor.takedown.drafting import draft_for_brands

    if params.get("dry_run"):
        return {"drafted": [], "failed": [], "skipped": "dry run: no takedown drafted"}
    registry = _registry(settings)
    brands = [registry.brand(b) for b in (params.get("brands") or registry.ids)]
    report = draft_for_brands(settings, factory_for(settings.database_url), brands)
    return {"drafted": report.drafted, "failed": [{"finding_id": f, "error": e} for f, e in report.failed],
            "skipped": None}


# ---------------------------------------------------------------- alert

def alert(settings: Settings, params: dict[str, Any], run: RunInfo, *, smtp_url: str | None) -> dict[str, Any]:
    """Queue one digest per brand with new findings, then send everything pending."""
    from monitor.notify.mailer import make_transport
    from monitor.notify.outbox import queue_digests, send_pending
    from monitor.detection.rules import load_rules

    registry = _registry(settings)
    brands = [registry.brand(b) for b in (params.get("brands") or registry.ids)]
    rules = load_rules(settings.rules_file)
    min_score = params.get("min_score")
    if min_score is None:
        min_score = settings.alert_min_score if settings.alert_min_score is not None else rules.thresholds.suspicious
    transport = make_transport(smtp_url or settings.smtp_url, settings.outbox_dir)
    report: dict[str, Any] = {"transport": transport.description, "min_score": min_score, "queued": [],
                              "sent": 0, "failed": [], "dead": [], "skipped": None}
    if params.get("dry_run"):
        report["skipped"] = "dry run: no digest queued or sent"
        return report
    if run.run_type in RUN_TYPES_THAT_ARE_BACKFILLS and not params.get("send_backfill_alerts"):
        report["skipped"] = "backfill run: findings recorded, alerts left for the next scheduled run"
        return report
    factory = factory_for(settings.database_url)
    window = None
    if run.window_start and run.window_end:
        start, end = (parse_time(v, "window").strftime("%Y-%m-%d %H:%M UTC") for v in (run.window_start, run.window_end))
        window = f"{start} to {end}"
    queued = queue_digests(factory, brands, min_score=int(min_score), mail_from=settings.mail_from, now=utcnow(),
                           window=window, run_id=run.run_id, recipients=settings.alert_recipients_override,
                           drafts_max_bytes=settings.max_email_bytes)
    report["queued"] = [{"brand": q.brand_id, "alert_id": q.alert_id, "findings": q.findings,
                         "recipients": q.recipients, "drafts": q.drafts, "drafts_alert_id": q.drafts_alert_id}
                        for q in queued]
    sent = send_pending(factory, transport, sender=settings.mail_from, max_attempts=settings.max_send_attempts,
                        now=utcnow())
    report["sent"] = len(sent.sent)
    report["failed"] = [{"alert_id": i, "error": e} for i, e in sent.failed]
    report["dead"] = [{"alert_id": i, "error": e} for i, e in sent.dead]
    return report


# ---------------------------------------------------------------- summary

class AllSourcesFailed(RuntimeError):
    pass


def summarize(stored: list[dict[str, Any]], alert_report: dict[str, Any] | None,
              drafts_report: dict[str, Any] | None = None) -> str:
    """A plain-text table for the task log and the CLI. Pure."""
    header = ("source", "brand", "status", "canary", "queries", "candidates", "flagged", "new", "updated", "error")
    rows = [header]
    for s in sorted(stored, key=lambda s: (s["source"], s["brand"])):
        error = (s.get("error") or "-")
        if s.get("layout_changed"):
            error = "LAYOUT CHANGED: " + error
        canary = s.get("canary") or "n/a"
        rows.append((s["source"], s["brand"], s["status"], "MISSING" if canary == "missing" else canary,
                     str(s.get("queries", 0)), str(s.get("candidates", 0)),
                     str(s.get("flagged", 0)), str(s.get("new", 0)), str(s.get("updated", 0)),
                     error if len(error) <= 120 else error[:117] + "..."))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])) + "  " + r[-1] for r in rows]
    totals = {k: sum(int(s.get(k, 0)) for s in stored) for k in ("candidates", "flagged", "new", "updated")}
    lines.append(f"total: {totals['candidates']} candidates, {totals['flagged']} flagged, "
                 f"{totals['new']} new findings, {totals['updated']} updated, "
                 f"{sum(1 for s in stored if s['status'] == 'failed')} failed collections")
    missing = [f"{s['source']}/{s['brand']}" for s in stored if s.get("canary") == "missing"]
    if missing:
        lines.append(f"canary missing (the source did not return the brand's own official identity): "
                     f"{', '.join(missing)}")
    if drafts_report:
        if drafts_report.get("skipped"):
            lines.append(f"takedowns: {drafts_report['skipped']}")
        else:
            lines.append(f"takedowns: {len(drafts_report.get('drafted', []))} drafted, "
                         f"{len(drafts_report.get('failed', []))} failed")
            for failed in drafts_report.get("failed", []):
                lines.append(f"  draft for finding {failed['finding_id']} failed: {failed['error']}")
    if alert_report:
        if alert_report.get("skipped"):
            lines.append(f"alerts: {alert_report['skipped']}")
        else:
            queued = alert_report.get("queued", [])
            lines.append(f"alerts: {sum(1 for q in queued if q.get('alert_id'))} digests queued "
                         f"({sum(q['findings'] for q in queued)} findings), "
                         f"{sum(1 for q in queued if q.get('drafts'))} takedown-draft emails "
                         f"({sum(q.get('drafts', 0) for q in queued)} drafts), "
                         f"{alert_report.get('sent', 0)} sent, {len(alert_report.get('failed', []))} failed and "
                         f"pending retry, {len(alert_report.get('dead', []))} dead-lettered "
                         f"(via {alert_report.get('transport')})")
            for dead in alert_report.get("dead", []):
                lines.append(f"  DEAD alert {dead['alert_id']}: {dead['error']}")
            for failed in alert_report.get("failed", []):
                lines.append(f"  pending alert {failed['alert_id']}: {failed['error']}")
    return "\n".join(lines)


def check_sources(stored: list[dict[str, Any]]) -> None:
    """Fail the run when every collection failed: the monitor saw nothing at all."""
    if stored and all(s["status"] == "failed" for s in stored):
        raise AllSourcesFailed(f"all {len(stored)} collections failed; first error: {stored[0].get('error')}")
