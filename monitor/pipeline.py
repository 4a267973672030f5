"""The steps of one monitoring run, as the DAG and `monitor run` call them.

Each step takes and returns plain, JSON-friendly values (they travel as Airflow XComs):
plan -> collect (per brand and source) -> score -> store -> alert -> summary.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from monitor.clock import display_time, utcnow
from monitor.collectors.base import ALL_BRANDS
from monitor.collectors.sources import SOURCES
from monitor.detection.models import FLAGGED_VERDICTS, OFFICIAL, UNRELATED
from monitor.records import Record
from monitor.registry import Brand, Registry
from monitor.settings import Settings
from monitor.store.db import factory_for
from monitor.store.repo import FindingInput

if TYPE_CHECKING:
    from monitor.detection.enrich import Enricher
    from monitor.detection.scoring import Scorer

log = logging.getLogger(__name__)

RUN_TYPES_THAT_ARE_BACKFILLS = {"backfill"}


class BadRequest(ValueError):
    """Params or a registry the run cannot use: fail at once, retrying cannot mend them."""


class RunVerdict(RuntimeError):
    """The run saw nothing: its plan failed, it planned nothing, or every collection failed."""


@dataclass(frozen=True)
class RunInfo(Record):
    """Who asked for this run and for which window (from Airflow's context or the CLI)."""

    run_id: str | None
    run_type: str  # scheduled, manual, backfill, asset_triggered, cli
    window_start: str | None  # ISO 8601
    window_end: str | None
    dag_id: str | None = None  # what produced the run: its digests are titled by it


@dataclass(frozen=True)
class PlanItem(Record):
    brand: str
    source: str

    @property
    def label(self) -> str:
        return f"{'all brands' if self.brand == ALL_BRANDS else self.brand} · {self.source}"


@dataclass(frozen=True)
class CollectionOutcome(PlanItem):
    """What every step after collect reports about one collection of a planned item."""

    collection_run_id: int
    status: str  # ok, failed
    error: str | None
    layout_changed: bool
    queries: int


@dataclass(frozen=True)
class Collected(CollectionOutcome):
    candidates: list[dict[str, Any]] = field(default_factory=list)
    canary_expected: bool = False


@dataclass(frozen=True)
class Scored(CollectionOutcome):
    candidates: int = 0
    flagged: list[dict[str, Any]] = field(default_factory=list)  # FindingInput fields
    canary: str = "n/a"  # ok, missing, n/a
    enriched: int = 0


@dataclass(frozen=True)
class Stored(CollectionOutcome):
    candidates: int = 0
    canary: str = "n/a"
    flagged: int = 0
    new: int = 0
    updated: int = 0


def _outcome(record: CollectionOutcome, **changes: Any) -> dict[str, Any]:
    """The fields every record carries, from the step before, with changes."""
    return {f.name: getattr(record, f.name) for f in fields(CollectionOutcome)} | changes


def parse_time(value: Any, name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"param {name}={value!r}: expected an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


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
        raise BadRequest(f"window_start {start.isoformat()} is not before window_end {end.isoformat()}")
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _registry(settings: Settings) -> Registry:
    """The registry, or BadRequest naming the file, line and field."""
    from monitor.registry import RegistryError, load_registry

    try:
        return load_registry(settings.brands_file)
    except RegistryError as exc:
        raise BadRequest(str(exc)) from None


def requested_brands(settings: Settings, params: dict[str, Any]) -> list[Brand]:
    """The brands a run's Params ask for (empty: all), or BadRequest naming the unknown one."""
    registry = _registry(settings)
    wanted = list(params.get("brands") or registry.ids)
    unknown = [b for b in wanted if b not in registry.ids]
    if unknown:
        raise BadRequest(f"param brands: unknown brand {unknown[0]!r} (known: {', '.join(registry.ids)})")
    return [registry.brand(b) for b in wanted]


# ---------------------------------------------------------------- plan

def plan(settings: Settings, params: dict[str, Any]) -> list[PlanItem]:
    """Validate the registry and the Params, and list the (brand, source) pairs to collect."""
    brands = requested_brands(settings, params)
    explicit = bool(params.get("sources"))
    wanted_sources = list(params.get("sources") or settings.sources)
    unknown = [s for s in wanted_sources if s not in SOURCES]
    if unknown:
        raise BadRequest(f"param sources: unknown source {unknown[0]!r} (known: {', '.join(SOURCES)})")

    def configured(brand: Brand, source: str) -> bool:
        spec = SOURCES[source]
        # Sources with keys run only with them: left out of the default plan without them, an
        # error (on the collection run) when asked for by name.
        if not explicit and not all(getattr(settings, key.setting) for key in spec.keys):
            return False
        # Listing pages and feeds are configured per brand.
        return spec.needs_brand_field is None or bool(getattr(brand, spec.needs_brand_field))

    # A shared feed is one collection for every brand; the rest, one per brand.
    return [PlanItem(ALL_BRANDS, source) for source in wanted_sources
            if SOURCES[source].scope == "feed" and any(configured(b, source) for b in brands)] + \
        [PlanItem(brand.id, source) for brand in brands for source in wanted_sources
         if SOURCES[source].scope != "feed" and configured(brand, source)]


# ---------------------------------------------------------------- collect

def collect(settings: Settings, item: PlanItem, run: RunInfo) -> Collected:
    """Run one source for one brand over the run's window; record the collection run.
    A source that fails is recorded as failed and returns its error: it does not raise, so
    other sources go on."""
    from monitor.collectors.base import Window, collect_brand
    from monitor.collectors.sources import build_collector
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.fetch.http import Fetcher
    from monitor.store.repo import finish_collection_run, start_collection_run

    registry = _registry(settings)
    brand = None if item.brand == ALL_BRANDS else registry.brand(item.brand)
    brand_id = brand.id if brand is not None else ALL_BRANDS
    window = Window(parse_time(run.window_start, "window_start"), parse_time(run.window_end, "window_end"))
    factory = factory_for(settings.database_url)
    with factory() as session:
        run_id = start_collection_run(session, source=item.source, brand_id=brand_id,
                                      window_start=window.start, window_end=window.end,
                                      dag_run_id=run.run_id, run_type=run.run_type, now=utcnow(),
                                      dag_id=run.dag_id if run.run_type != "cli" else None)
        session.commit()
    candidates: list[dict[str, Any]] = []
    error: str | None = None
    layout_changed = False
    queries = 0
    try:
        scorer = Scorer(registry, load_rules(settings.rules_file))
        collector = build_collector(item.source, settings, Fetcher(settings, session_factory=factory), scorer)
        result = collect_brand(collector, brand, window, budget_seconds=settings.collect_budget_seconds)
        queries, layout_changed = result.queries, result.layout_changed
        candidates = [{**found.candidate.to_dict(), "query": found.query} for found in result.found]
        if result.errors:
            shown = "; ".join(result.errors[:5]) + (f" (+{len(result.errors) - 5} more)" if len(result.errors) > 5 else "")
            failed = len(result.errors) - (1 if result.skipped else 0)  # the budget's own line is no query
            error = f"{failed} of {result.queries} queries failed: {shown}"
        status = "failed" if result.failed else "ok"
    except Exception as exc:  # a broken collector must not take the other sources down
        log.exception("source %s for %s failed", item.source, brand_id)
        error, status = f"{type(exc).__name__}: {exc}", "failed"
    with factory() as session:
        finish_collection_run(session, run_id, now=utcnow(), status=status, queries=queries,
                              candidates=len(candidates), error=error, layout_changed=layout_changed)
        session.commit()
    return Collected(collection_run_id=run_id, brand=brand_id, source=item.source, status=status, error=error,
                     layout_changed=layout_changed, queries=queries, candidates=candidates,
                     canary_expected=SOURCES[item.source].canary)


# ---------------------------------------------------------------- score

def score(settings: Settings, collected: Collected) -> Scored:
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
    for raw in collected.candidates:
        try:
            flagged_item, official = _score_one(raw, collected, scorer, enricher, shared)
        except Exception as exc:  # one odd record must not lose the batch
            log.exception("could not score %r", raw.get("id"))
            broken.append(f"{raw.get('id')!r}: {type(exc).__name__}: {exc}")
            continue
        official_seen |= official
        if flagged_item is not None:
            flagged.append(flagged_item)
    canary = "n/a"
    if collected.canary_expected and collected.status != "failed":
        canary = "ok" if official_seen else "missing"
    error = collected.error
    if broken:
        error = "; ".join(filter(None, [error, f"{len(broken)} candidates could not be scored: {broken[0]}"]))
    return Scored(**_outcome(collected, error=error), candidates=len(collected.candidates), flagged=flagged,
                  canary=canary, enriched=enricher.count)


def _score_one(raw: dict[str, Any], collected: Collected, scorer: Scorer, enricher: Enricher,
               shared: frozenset[str]) -> tuple[dict[str, Any] | None, bool]:
    """(finding input or None, whether it is the brand's own official identity)."""
    from monitor.detection.identity import identity_of
    from monitor.detection.models import candidate_from_dict

    candidate = candidate_from_dict(raw)
    result = scorer.score(candidate)
    shared_feed = collected.brand == ALL_BRANDS  # its candidates belong to whichever brand they imitate
    if result.verdict == OFFICIAL:
        return None, result.brand == collected.brand
    if not shared_feed and result.brand != collected.brand and result.verdict != UNRELATED:
        return None, False  # another brand's look-alike: that brand's own collection records it
    if enricher.worth_it(candidate, result):
        candidate = enricher.enrich(candidate)
        result = scorer.score(candidate)
    if result.verdict not in FLAGGED_VERDICTS or result.brand is None or \
            (not shared_feed and result.brand != collected.brand):
        return None, False
    identity = identity_of(candidate, shared)
    return FindingInput(
        brand_id=result.brand, canonical_key=identity.key, kind=candidate.kind, platform=identity.platform,
        url=candidate.url, label=identity.label, score=result.score, verdict=result.verdict,
        reasons=list(result.reasons), reasons_lo=list(result.reasons_lo),
        candidate=candidate.to_dict(), source=collected.source, query=raw.get("query")).as_dict(), False


# ---------------------------------------------------------------- store

def store(settings: Settings, scored: Scored) -> Stored:
    from monitor.store.repo import finish_collection_run, upsert_findings

    items = [FindingInput.from_dict(f) for f in scored.flagged]
    factory = factory_for(settings.database_url)
    now = utcnow()
    with factory() as session:
        report = upsert_findings(session, items, collection_run_id=scored.collection_run_id, now=now)
        error = scored.error
        if report.errors:
            error = "; ".join(filter(None, [error, f"{len(report.errors)} findings could not be stored: "
                                                   f"{report.errors[0]}"]))
        finish_collection_run(session, scored.collection_run_id, now=now, flagged=len(items),
                              findings_new=report.new, findings_updated=report.updated, canary=scored.canary,
                              error=error)
        session.commit()
    if items:
        link_campaigns(settings, finding_ids_of(factory, items))
    return Stored(**_outcome(scored, error=error), candidates=scored.candidates, canary=scored.canary,
                  flagged=len(items), new=report.new, updated=report.updated)


def finding_ids_of(factory, items: list[FindingInput]) -> list[int]:
    from sqlalchemy import select, tuple_

    from monitor.store.models import Finding

    keys = sorted({(item.brand_id, item.canonical_key) for item in items})
    with factory() as session:
        return [i for start in range(0, len(keys), 500) for i in session.scalars(
            select(Finding.id).where(tuple_(Finding.brand_id, Finding.canonical_key).in_(keys[start:start + 500])))]


def link_campaigns(settings: Settings, finding_ids: list[int]) -> None:
    """Record what these findings show and link them into campaigns, in a transaction of its
    own after theirs: a failure here is logged and leaves the findings stored (the next run that
    sees them links them)."""
    from monitor.campaigns.own import registry_artefacts
    from monitor.campaigns.store import refresh

    if not finding_ids:
        return
    try:
        with factory_for(settings.database_url)() as session:
            report = refresh(session, finding_ids, exclude=registry_artefacts(_registry(settings)), now=utcnow())
            session.commit()
    except Exception:  # campaigns are an addition; the findings are stored already
        log.exception("campaign linking of %d findings failed", len(finding_ids))
        return
    if report.joined or report.merged:
        log.info("campaigns: %d findings joined, %d campaigns made, merges %s", len(report.joined),
                 len(report.created), report.merged or "none")


# ---------------------------------------------------------------- takedown drafts

def draft_takedowns(settings: Settings, params: dict[str, Any]) -> dict[str, Any]:
    """Draft a takedown request for each likely impersonation that has none yet (evidence
    captured now, abuse contacts looked up). Nothing is sent here: the alert step delivers
    the drafts to the owners. A dry run drafts nothing."""
    from monitor.takedown.drafting import draft_for_brands

    if params.get("dry_run"):
        return {"drafted": [], "failed": [], "skipped": "dry run: no takedown drafted"}
    factory = factory_for(settings.database_url)
    report = draft_for_brands(settings, factory, requested_brands(settings, params))
    if report.drafted:  # the saved page and screenshot show more (analytics IDs, QR codes, images)
        from sqlalchemy import select

        from monitor.store.models import Takedown

        with factory() as session:
            drafted = list(session.scalars(select(Takedown.finding_id).where(Takedown.id.in_(report.drafted))))
        link_campaigns(settings, drafted)
    return {"drafted": report.drafted, "failed": [{"finding_id": f, "error": e} for f, e in report.failed],
            "skipped": None}


# ---------------------------------------------------------------- alert

def alert(settings: Settings, params: dict[str, Any], run: RunInfo, *, smtp_url: str | None) -> dict[str, Any]:
    """Queue one digest per brand with new findings, then send everything pending."""
    from monitor.detection.rules import load_rules
    from monitor.notify.mailer import make_transport
    from monitor.notify.options import DigestOptions
    from monitor.notify.outbox import queue_digests, send_pending
    from monitor.takedown.campaign import drafts_for_findings

    brands = requested_brands(settings, params)
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
        window = (f"{display_time(parse_time(run.window_start, 'window_start'))} to "
                  f"{display_time(parse_time(run.window_end, 'window_end'))}")
    now = utcnow()
    options = DigestOptions(mail_from=settings.mail_from, now=now, min_score=int(min_score), run_id=run.run_id,
                            window=window, produced_by=run.dag_id, recipients=settings.alert_recipients_override,
                            max_bytes=settings.max_email_bytes, action_links=owner_action_links(settings, now),
                            campaign_drafts=functools.partial(drafts_for_findings, mail_from=settings.mail_from,
                                                              now=now))
    queued = queue_digests(factory, brands, options)
    report["queued"] = [{"brand": q.brand_id, "alert_id": q.alert_id, "findings": q.findings,
                         "recipients": q.recipients, "drafts": q.drafts, "drafts_alert_id": q.drafts_alert_id,
                         "parts": q.part_alert_ids}
                        for q in queued]
    sent = send_pending(factory, transport, sender=settings.mail_from, max_attempts=settings.max_send_attempts,
                        now=utcnow())
    report["sent"] = len(sent.sent)
    report["failed"] = [{"alert_id": i, "error": e} for i, e in sent.failed]
    report["dead"] = [{"alert_id": i, "error": e} for i, e in sent.dead]
    report["returned"] = [{"alert_id": i, "findings": n} for i, n in sent.returned]
    return report


def owner_action_links(settings: Settings, now: dt.datetime):  # a callable or None
    """The owners' one-click links of a digest item, signed for the people the digest goes to
    (its To: the override in staging, else the brand's owners; the mark records them as who
    acted). None without MONITOR_PUBLIC_URL or MONITOR_SECRET_KEY: the digest says whom to ask."""
    from monitor.ui.links import OWNER_ACTIONS, action_url

    if not settings.public_url or not settings.secret_key:
        return None

    def links(brand: Brand, finding_id: int, has_draft: bool) -> tuple[tuple[str, str], ...]:
        owners = ", ".join(settings.alert_recipients_override or brand.recipients)
        return tuple((words, action_url(settings, finding_id, action, owners, now))
                     for action, words in OWNER_ACTIONS.items() if action != "sent" or has_draft)

    return links


# ---------------------------------------------------------------- summary

# A collection still running this long after it started was killed mid-way: every request has
# a deadline and every collection a time budget, far below this.
STALE_COLLECTION_AFTER = dt.timedelta(hours=3)


def close_abandoned_collections(settings: Settings, *, now: dt.datetime | None = None) -> list[str]:
    """Mark collection runs left 'running' by a killed worker as abandoned; say which."""
    from monitor.store.repo import abandon_stale_collection_runs

    with factory_for(settings.database_url)() as session:
        stale = abandon_stale_collection_runs(session, older_than=STALE_COLLECTION_AFTER, now=now or utcnow())
        session.commit()
        return [f"{run.source}/{run.brand_id} (collection run {run.id}, started {display_time(run.started_at)}, "
                f"DAG run {run.dag_run_id or '-'})" for run in stale]


def summarize(stored: list[Stored], alert_report: dict[str, Any] | None,
              drafts_report: dict[str, Any] | None = None, abandoned: list[str] = ()) -> str:
    """A plain-text table for the task log and the CLI. Pure."""
    header = ("source", "brand", "status", "canary", "queries", "candidates", "flagged", "new", "updated", "error")
    rows = [header]
    for s in sorted(stored, key=lambda s: (s.source, s.brand)):
        error = (s.error or "-")
        if s.layout_changed:
            error = "LAYOUT CHANGED: " + error
        rows.append((s.source, "all brands" if s.brand == ALL_BRANDS else s.brand, s.status, "MISSING" if s.canary == "missing" else s.canary,
                     str(s.queries), str(s.candidates), str(s.flagged), str(s.new), str(s.updated),
                     error if len(error) <= 120 else error[:117] + "..."))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])) + "  " + r[-1] for r in rows]
    lines.append(f"total: {sum(s.candidates for s in stored)} candidates, {sum(s.flagged for s in stored)} flagged, "
                 f"{sum(s.new for s in stored)} new findings, {sum(s.updated for s in stored)} updated, "
                 f"{sum(1 for s in stored if s.status == 'failed')} failed collections")
    missing = [f"{s.source}/{s.brand}" for s in stored if s.canary == "missing"]
    if missing:
        lines.append(f"canary missing (the source did not return the brand's own official identity): "
                     f"{', '.join(missing)}")
    return "\n".join(lines + run_report_lines(alert_report, drafts_report, abandoned))


def run_report_lines(alert_report: dict[str, Any] | None, drafts_report: dict[str, Any] | None = None,
                     abandoned: list[str] = ()) -> list[str]:
    """What a run's summary says after its table of collections (the brand and the CT DAGs'
    alike): abandoned collections, takedown drafts, alerts. Pure."""
    lines: list[str] = []
    if abandoned:
        lines.append(f"abandoned: {len(abandoned)} collections of earlier runs were still 'running' (their worker "
                     f"died) and are now marked abandoned: {'; '.join(abandoned)}")
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
                         f"{alert_report.get('sent', 0)} sent, {len(alert_report.get('failed', []))} pending retry, "
                         f"{len(alert_report.get('dead', []))} dead-lettered "
                         f"(via {alert_report.get('transport')})")
            returned = {r["alert_id"]: r["findings"] for r in alert_report.get("returned", [])}
            for dead in alert_report.get("dead", []):
                given_back = returned.get(dead["alert_id"])
                lines.append(f"  DEAD alert {dead['alert_id']}: {dead['error']}"
                             + (f" ({given_back} findings back in the queue for the next run; "
                                f"`monitor alerts retry {dead['alert_id']}` sends it now)" if given_back else ""))
            for failed in alert_report.get("failed", []):
                lines.append(f"  PENDING alert {failed['alert_id']} (will be retried): {failed['error']}")
    return lines


def check_run(stored: list[Stored]) -> None:
    """Fail the run when it saw nothing: no collection reached the store (the plan failed, or
    planned nothing), or every collection failed."""
    if not stored:
        raise RunVerdict("no collection was stored: the plan failed or planned nothing (see the plan task's log)")
    if all(s.status == "failed" for s in stored):
        raise RunVerdict(f"all {len(stored)} collections failed; first error: {stored[0].error}")
