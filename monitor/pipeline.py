"""The steps of one monitoring run, as the DAG and `monitor run` call them.

plan -> collect (per brand and source) -> score -> store -> takedowns -> alert -> summary.
Each step takes and returns the typed records of monitor.run_records (monitor.records turns
them into JSON at the Airflow edge), and a RunContext built once per task: the registry, the
rules, the scorer and the database's sessions. The summary's text is monitor.summary's.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import TYPE_CHECKING, Any

from monitor.clock import display_time, utcnow
from monitor.collectors.base import ALL_BRANDS
from monitor.collectors.sources import SOURCES
from monitor.detection.models import FLAGGED_VERDICTS, OFFICIAL, UNRELATED
from monitor.registry import Brand
from monitor.run_context import BadRequest, RunContext
from monitor.run_records import (
    AlertFailure,
    AlertReport,
    Canary,
    Collected,
    CollectionStatus,
    DigestQueued,
    DraftFailure,
    DraftsReport,
    Found,
    PlanItem,
    ReturnedFindings,
    RunInfo,
    Scored,
    Stored,
    carried,
)
from monitor.settings import Settings
from monitor.store.repo import FindingInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.detection.enrich import Enricher
    from monitor.detection.scoring import Scorer
    from monitor.notify.options import ActionLinks


log = logging.getLogger(__name__)

RUN_TYPES_THAT_ARE_BACKFILLS = {"backfill"}
# A collection's error shows its first few failed queries, then how many more.
QUERY_ERRORS_SHOWN = 5


class RunVerdict(RuntimeError):
    """The run saw nothing: its plan failed, it planned nothing, or every collection failed."""


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


def requested_brands(context: RunContext, params: dict[str, Any]) -> list[Brand]:
    """The brands a run's Params ask for (empty: all), or BadRequest naming the unknown one."""
    registry = context.registry
    wanted = list(params.get("brands") or registry.ids)
    unknown = [b for b in wanted if b not in registry.ids]
    if unknown:
        raise BadRequest(f"param brands: unknown brand {unknown[0]!r} (known: {', '.join(registry.ids)})")
    return [registry.brand(b) for b in wanted]


# ---------------------------------------------------------------- plan

def plan(given: RunContext | Settings, params: dict[str, Any]) -> list[PlanItem]:
    """Validate the registry and the Params, and list the (brand, source) pairs to collect."""
    context = RunContext.of(given)
    settings = context.settings
    brands = requested_brands(context, params)
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

def query_errors_line(errors: list[str], queries: int, skipped: int) -> str:
    """One line for the failed queries of a collection: how many, and the first few."""
    shown = "; ".join(errors[:QUERY_ERRORS_SHOWN]) + \
        (f" (+{len(errors) - QUERY_ERRORS_SHOWN} more)" if len(errors) > QUERY_ERRORS_SHOWN else "")
    failed = len(errors) - (1 if skipped else 0)  # the line about skipped queries is no query
    return f"{failed} of {queries} queries failed: {shown}"


def collect(given: RunContext | Settings, item: PlanItem, run: RunInfo) -> Collected:
    """Run one source for one brand over the run's window; record the collection run.
    A source that fails is recorded as failed and returns its error: it does not raise, so
    other sources go on."""
    from monitor.collectors.base import Window, collect_brand
    from monitor.collectors.sources import build_collector
    from monitor.fetch.http import Fetcher
    from monitor.store.repo import finish_collection_run, start_collection_run

    context = RunContext.of(given)
    settings = context.settings
    brand = None if item.brand == ALL_BRANDS else context.registry.brand(item.brand)
    brand_id = brand.id if brand is not None else ALL_BRANDS
    window = Window(parse_time(run.window_start, "window_start"), parse_time(run.window_end, "window_end"))
    factory = context.session_factory
    with factory() as session:
        run_id = start_collection_run(session, source=item.source, brand_id=brand_id,
                                      window_start=window.start, window_end=window.end,
                                      dag_run_id=run.run_id, run_type=run.run_type, now=utcnow(),
                                      dag_id=run.dag_id if run.run_type != "cli" else None)
        session.commit()
    found: tuple[Found, ...] = ()
    errors: tuple[str, ...] = ()
    layout_changed = False
    queries = 0
    try:
        collector = build_collector(item.source, settings, Fetcher(settings, session_factory=factory), context.scorer)
        result = collect_brand(collector, brand, window, budget_seconds=settings.collect_budget_seconds)
        queries, layout_changed = result.queries, result.layout_changed
        found = tuple(Found(f.candidate, f.query) for f in result.found)
        if result.errors:
            errors = (query_errors_line(result.errors, result.queries, result.skipped),)
        status = CollectionStatus.FAILED if result.failed else CollectionStatus.OK
    except Exception as exc:  # a broken collector must not take the other sources down
        log.exception("source %s for %s failed", item.source, brand_id)
        errors, status = (f"{type(exc).__name__}: {exc}",), CollectionStatus.FAILED
    collected = Collected(collection_run_id=run_id, brand=brand_id, source=item.source, status=status,
                          errors=errors, layout_changed=layout_changed, queries=queries, candidates=found,
                          canary_expected=SOURCES[item.source].canary)
    with factory() as session:
        finish_collection_run(session, run_id, now=utcnow(), status=status.value, queries=queries,
                              candidates=len(found), error=collected.error, layout_changed=layout_changed)
        session.commit()
    return collected


# ---------------------------------------------------------------- score

def score(given: RunContext | Settings, collected: Collected) -> Scored:
    """Score what one collection found; enrich the pages worth a look and score them again;
    keep the ones flagged for this collection's brand as finding inputs; check the canary."""
    from monitor.enrichment import enricher_for

    context = RunContext.of(given)
    scorer = context.scorer
    enricher = enricher_for(context.settings, context.registry, context.session_factory)
    flagged = []
    official_seen = False
    broken: list[str] = []
    for found in collected.candidates:
        try:
            flagged_item, official = _score_one(found, collected, scorer, enricher, context.shared_hosting)
        except Exception as exc:  # one odd record must not lose the batch
            log.exception("could not score %r", found.candidate.id)
            broken.append(f"{found.candidate.id!r}: {type(exc).__name__}: {exc}")
            continue
        official_seen |= official
        if flagged_item is not None:
            flagged.append(flagged_item)
    canary = Canary.NOT_EXPECTED
    if collected.canary_expected and collected.status != CollectionStatus.FAILED:
        canary = Canary.OK if official_seen else Canary.MISSING
    more = (f"{len(broken)} candidates could not be scored: {broken[0]}",) if broken else ()
    return Scored(**carried(collected, *more), candidates=len(collected.candidates), flagged=tuple(flagged),
                  canary=canary, enriched=enricher.count)


def _score_one(found: Found, collected: Collected, scorer: Scorer, enricher: Enricher,
               shared: frozenset[str]) -> tuple[FindingInput | None, bool]:
    """(finding input or None, whether it is the brand's own official identity)."""
    from monitor.detection.identity import identity_of
    from monitor.detection.models import candidate_from_dict

    # The scorer's contract: a candidate as candidate_from_dict accepts it (a collector may
    # build one it would refuse; that one is reported, not scored).
    candidate = candidate_from_dict(found.candidate.to_dict())
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
        candidate=candidate.to_dict(), source=collected.source, query=found.query), False


# ---------------------------------------------------------------- store

def store(given: RunContext | Settings, scored: Scored) -> Stored:
    from monitor.store.repo import finish_collection_run, upsert_findings

    context = RunContext.of(given)
    items = list(scored.flagged)
    factory = context.session_factory
    now = utcnow()
    with factory() as session:
        report = upsert_findings(session, items, collection_run_id=scored.collection_run_id, now=now)
        more = (f"{len(report.errors)} findings could not be stored: {report.errors[0]}",) if report.errors else ()
        stored = Stored(**carried(scored, *more), candidates=scored.candidates, canary=scored.canary,
                        flagged=len(items), new=report.new, updated=report.updated)
        finish_collection_run(session, scored.collection_run_id, now=now, flagged=len(items),
                              findings_new=report.new, findings_updated=report.updated,
                              canary=scored.canary.value, error=stored.error)
        session.commit()
    if items:
        link_campaigns(context, finding_ids_of(factory, items))
    return stored


def finding_ids_of(factory: sessionmaker[Session], items: list[FindingInput]) -> list[int]:
    from sqlalchemy import select, tuple_

    from monitor.store.models import Finding

    keys = sorted({(item.brand_id, item.canonical_key) for item in items})
    with factory() as session:
        return [i for start in range(0, len(keys), 500) for i in session.scalars(
            select(Finding.id).where(tuple_(Finding.brand_id, Finding.canonical_key).in_(keys[start:start + 500])))]


def link_campaigns(context: RunContext, finding_ids: list[int]) -> None:
    """Record what these findings show and link them into campaigns, in a transaction of its
    own after theirs: a failure here is logged and leaves the findings stored (the next run that
    sees them links them)."""
    from monitor.campaigns.own import registry_artefacts
    from monitor.campaigns.store import refresh

    if not finding_ids:
        return
    try:
        with context.session_factory() as session:
            report = refresh(session, finding_ids, exclude=registry_artefacts(context.registry), now=utcnow())
            session.commit()
    except Exception:  # campaigns are an addition; the findings are stored already
        log.exception("campaign linking of %d findings failed", len(finding_ids))
        return
    if report.joined or report.merged:
        log.info("campaigns: %d findings joined, %d campaigns made, merges %s", len(report.joined),
                 len(report.created), report.merged or "none")


# ---------------------------------------------------------------- takedown drafts

def draft_takedowns(given: RunContext | Settings, params: dict[str, Any]) -> DraftsReport:
    """Draft a takedown request for each likely impersonation that has none yet (evidence
    captured now, abuse contacts looked up). Nothing is sent here: the alert step delivers
    the drafts to the owners. A dry run drafts nothing."""
    from monitor.takedown.drafting import draft_for_brands

    if params.get("dry_run"):
        return DraftsReport(skipped="dry run: no takedown drafted")
    context = RunContext.of(given)
    factory = context.session_factory
    report = draft_for_brands(context.settings, factory, requested_brands(context, params))
    if report.drafted:  # the saved page and screenshot show more (analytics IDs, QR codes, images)
        from sqlalchemy import select

        from monitor.store.models import Takedown

        with factory() as session:
            drafted = list(session.scalars(select(Takedown.finding_id).where(Takedown.id.in_(report.drafted))))
        link_campaigns(context, drafted)
    return DraftsReport(drafted=tuple(report.drafted),
                        failed=tuple(DraftFailure(finding_id, error) for finding_id, error in report.failed))


# ---------------------------------------------------------------- alert

def alert(given: RunContext | Settings, params: dict[str, Any], run: RunInfo, *,
          smtp_url: str | None) -> AlertReport:
    """Queue one digest per brand with new findings, then send everything pending."""
    from monitor.notify.mailer import make_transport
    from monitor.notify.options import DigestOptions
    from monitor.notify.outbox import queue_digests, send_pending
    from monitor.takedown.campaign import drafts_for_findings

    context = RunContext.of(given)
    settings = context.settings
    brands = requested_brands(context, params)
    min_score = params.get("min_score")
    if min_score is None:
        min_score = settings.alert_min_score if settings.alert_min_score is not None \
            else context.rules.thresholds.suspicious
    min_score = int(min_score)
    transport = make_transport(smtp_url or settings.smtp_url, settings.outbox_dir)
    if params.get("dry_run"):
        return AlertReport(transport.description, min_score, skipped="dry run: no digest queued or sent")
    if run.run_type in RUN_TYPES_THAT_ARE_BACKFILLS and not params.get("send_backfill_alerts"):
        return AlertReport(transport.description, min_score,
                           skipped="backfill run: findings recorded, alerts left for the next scheduled run")
    factory = context.session_factory
    window = None
    if run.window_start and run.window_end:
        window = (f"{display_time(parse_time(run.window_start, 'window_start'))} to "
                  f"{display_time(parse_time(run.window_end, 'window_end'))}")
    now = utcnow()
    options = DigestOptions(mail_from=settings.mail_from, now=now, min_score=min_score, run_id=run.run_id,
                            window=window, produced_by=run.dag_id, recipients=settings.alert_recipients_override,
                            max_bytes=settings.max_email_bytes, action_links=owner_action_links(settings, now),
                            campaign_drafts=functools.partial(drafts_for_findings, mail_from=settings.mail_from,
                                                              now=now))
    queued = queue_digests(factory, brands, options)
    sent = send_pending(factory, transport, sender=settings.mail_from, max_attempts=settings.max_send_attempts,
                        now=utcnow())
    return AlertReport(
        transport=transport.description, min_score=min_score,
        queued=tuple(DigestQueued(q.brand_id, q.alert_id, q.findings, tuple(q.recipients), q.drafts,
                                  q.drafts_alert_id, tuple(q.part_alert_ids)) for q in queued),
        sent=len(sent.sent),
        failed=tuple(AlertFailure(i, e) for i, e in sent.failed),
        dead=tuple(AlertFailure(i, e) for i, e in sent.dead),
        returned=tuple(ReturnedFindings(i, n) for i, n in sent.returned))


def owner_action_links(settings: Settings, now: dt.datetime) -> ActionLinks | None:
    """The owners' one-click links of a digest item, signed for the people the digest goes to
    (its To: the override in staging, else the brand's owners; the mark records them as who
    acted). None without MONITOR_PUBLIC_URL or MONITOR_SECRET_KEY: the digest says whom to ask."""
    from monitor.ui.links import OWNER_ACTIONS, action_url

    if not settings.public_url or not settings.secret_key:
        return None

    def links(brand: Brand, finding_id: int, has_draft: bool) -> tuple[tuple[str, str], ...]:
        owners = ", ".join(settings.alert_recipients_override or brand.recipients)
        return tuple((words, url) for action, words in OWNER_ACTIONS.items() if action != "sent" or has_draft
                     if (url := action_url(settings, finding_id, action, owners, now)) is not None)

    return links


# ---------------------------------------------------------------- summary

# A collection still running this long after it started was killed mid-way: every request has
# a deadline and every collection a time budget, far below this.
STALE_COLLECTION_AFTER = dt.timedelta(hours=3)


def close_abandoned_collections(given: RunContext | Settings, *, now: dt.datetime | None = None) -> list[str]:
    """Mark collection runs left 'running' by a killed worker as abandoned; say which."""
    from monitor.store.repo import abandon_stale_collection_runs

    with RunContext.of(given).session_factory() as session:
        stale = abandon_stale_collection_runs(session, older_than=STALE_COLLECTION_AFTER, now=now or utcnow())
        session.commit()
        return [f"{run.source}/{run.brand_id} (collection run {run.id}, started {display_time(run.started_at)}, "
                f"DAG run {run.dag_run_id or '-'})" for run in stale]


def check_run(stored: list[Stored]) -> None:
    """Fail the run when it saw nothing: no collection reached the store (the plan failed, or
    planned nothing), or every collection failed."""
    if not stored:
        raise RunVerdict("no collection was stored: the plan failed or planned nothing (see the plan task's log)")
    if all(s.status == CollectionStatus.FAILED for s in stored):
        raise RunVerdict(f"all {len(stored)} collections failed; first error: {stored[0].error}")
