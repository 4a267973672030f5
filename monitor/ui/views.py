"""What the Findings pages and the JSON API show: filters parsed from a query string, and view
models read from the monitor database. Parsing and shaping are pure; the read functions take
an open Session and return plain dataclasses (no ORM object leaves this module).

Every stored string is scraped, hence hostile: view models hold it as it is, and the templates
escape it (and show control and bidi characters as escapes); URLs are defanged here."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from monitor.collectors.sources import SOURCES
from monitor.detection.domains import defang
from monitor.store.db import as_utc
from monitor.store.models import FINDING_STATUSES, CollectionRun, Finding, Sighting, Takedown
from monitor.store.repo import FINDING_MARKS, TAKEDOWN_MARKS, marks_of, shown_status
from monitor.ui.params import BadParameter, calendar_date, text, whole_number

TIERS = ("impersonation", "suspicious", "unrelated", "official")
SORTS: dict[str, InstrumentedAttribute[Any]] = {
    "id": Finding.id, "score": Finding.score, "first_seen": Finding.first_seen, "last_seen": Finding.last_seen,
    "brand": Finding.brand_id, "status": Finding.status, "verdict": Finding.verdict,
}
PER_PAGE = 25
MAX_PER_PAGE = 200
# The marks the page offers; the takedown marks act on the finding's latest draft.
UI_MARKS = {
    "confirmed": "Confirm (a fake)",
    "false-positive": "False positive",
    "sent": "Takedown sent",
    "resolved": "Takedown resolved",
    "taken-down": "Taken down",
    "reopen": "Reopen",
}
assert set(UI_MARKS) == set(FINDING_MARKS) | set(TAKEDOWN_MARKS)


BadFilter = BadParameter  # a query-string value that cannot be used; the message names it


def _date(params: Mapping[str, str], name: str) -> dt.date | None:
    return calendar_date(params.get(name) or "", name)


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A well-formed number is brought within [low, high] (page 0 is page 1); anything but
    ASCII digits is refused."""
    raw = params.get(name) or ""
    return max(low, min(high, whole_number(raw, name, low=0, high=10**12))) if raw.strip() else default


def _choice(params: Mapping[str, str], name: str, default: str = "") -> str:
    return text(params.get(name), name, limit=80) or default


@dataclass(frozen=True)
class FindingFilter:
    brand: str = ""
    status: str = ""  # shown spelling (false-positive)
    tier: str = ""  # verdict
    source: str = ""
    seen_from: dt.date | None = None  # first seen on or after
    seen_to: dt.date | None = None  # first seen on or before
    text: str = ""
    sort: str = "last_seen"
    order: str = "desc"
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> FindingFilter:
        """From a query string; BadFilter naming the parameter that cannot be used."""
        status = _choice(params, "status")
        if status and status.replace("-", "_") not in FINDING_STATUSES:
            raise BadFilter("status", f"status={status!r}: one of "
                                      f"{', '.join(shown_status(s) for s in FINDING_STATUSES)}")
        tier = _choice(params, "tier")
        if tier and tier not in TIERS:
            raise BadFilter("tier", f"tier={tier!r}: one of {', '.join(TIERS)}")
        sort = _choice(params, "sort", "last_seen")
        if sort not in SORTS:
            raise BadFilter("sort", f"sort={sort!r}: one of {', '.join(SORTS)}")
        order = _choice(params, "order", "desc")
        if order not in ("asc", "desc"):
            raise BadFilter("order", f"order={order!r}: asc or desc")
        return cls(brand=_choice(params, "brand"), status=status, tier=tier,
                   source=text(params.get("source"), "source", limit=40), seen_from=_date(params, "from"),
                   seen_to=_date(params, "to"), text=text(params.get("q"), "q", limit=200), sort=sort, order=order,
                   page=_int(params, "page", 1, 1, 1_000_000), per_page=_int(params, "per_page", PER_PAGE, 1,
                                                                             MAX_PER_PAGE))

    def query_string(self, **changes: Any) -> str:
        """This filter as a query string, with some values changed (e.g. page=2)."""
        values = {"brand": self.brand, "status": self.status, "tier": self.tier, "source": self.source,
                  "from": self.seen_from.isoformat() if self.seen_from else "",
                  "to": self.seen_to.isoformat() if self.seen_to else "", "q": self.text, "sort": self.sort,
                  "order": self.order, "page": self.page,
                  "per_page": self.per_page if self.per_page != PER_PAGE else ""}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seen_from"] = self.seen_from.isoformat() if self.seen_from else None
        data["seen_to"] = self.seen_to.isoformat() if self.seen_to else None
        return data


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filtered(query: Select, f: FindingFilter) -> Select:
    if f.brand:
        query = query.where(Finding.brand_id == f.brand)
    if f.status:
        query = query.where(Finding.status == f.status.replace("-", "_"))
    if f.tier:
        query = query.where(Finding.verdict == f.tier)
    if f.source:
        query = query.where(select(Sighting.id).where(Sighting.finding_id == Finding.id,
                                                      Sighting.source == f.source).exists())
    if f.seen_from:
        query = query.where(Finding.first_seen >= dt.datetime.combine(f.seen_from, dt.time(), dt.UTC))
    if f.seen_to:
        query = query.where(Finding.first_seen < dt.datetime.combine(f.seen_to + dt.timedelta(days=1), dt.time(),
                                                                     dt.UTC))
    if f.text:
        pattern = _like(f.text)
        query = query.where(or_(Finding.label.ilike(pattern, escape="\\"), Finding.url.ilike(pattern, escape="\\"),
                                Finding.canonical_key.ilike(pattern, escape="\\")))
    return query


# ---------------------------------------------------------------- rows and details

def lao_reasons(reasons: list[str] | None, reasons_lo: list[str] | None) -> list[str]:
    """The Lao reasons, one for one with the English ones; the English one where the Lao is
    missing or empty (findings stored before the Lao reasons were)."""
    english = [str(r) for r in reasons or []]
    lao = [str(r) if r else "" for r in (reasons_lo or [])] if isinstance(reasons_lo, list) else []
    return [lao[i] if i < len(lao) and lao[i].strip() else english[i] for i in range(len(english))]


def takedown_state(takedown: Takedown | None, finding_status: str) -> str:
    """A takedown as people think of it ('-' when there is no draft)."""
    if takedown is None:
        return "-"
    if finding_status == "false_positive":
        return "closed (false positive)"
    if takedown.taken_down_at:
        return "taken down"
    return shown_status(takedown.status)


def identity(label: str | None, url: str | None) -> str:
    """What a finding is, defanged (hxxps://example[.]com) so that no one clicks it by mistake."""
    return defang(label or url or "-")


@dataclass(frozen=True)
class FindingRow:
    id: int
    brand: str
    kind: str
    identity: str  # defanged
    url: str | None  # defanged
    platform: str | None
    score: int
    verdict: str
    status: str  # shown spelling
    first_seen: dt.datetime
    last_seen: dt.datetime
    takedown: str
    takedown_id: int | None = None  # the latest draft


@dataclass(frozen=True)
class FindingPage:
    filter: FindingFilter
    rows: list[FindingRow]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filter.per_page))


def _latest_takedowns(session: Session, finding_ids: list[int]) -> dict[int, Takedown]:
    if not finding_ids:
        return {}
    latest: dict[int, Takedown] = {}
    for takedown in session.scalars(select(Takedown).where(Takedown.finding_id.in_(finding_ids))
                                    .order_by(Takedown.round, Takedown.id)):
        latest[takedown.finding_id] = takedown
    return latest


def _row(finding: Finding, takedown: Takedown | None) -> FindingRow:
    return FindingRow(finding.id, finding.brand_id, finding.kind, identity(finding.label, finding.url),
                      defang(finding.url) if finding.url else None, finding.platform, finding.score,
                      finding.verdict, shown_status(finding.status), as_utc(finding.first_seen),
                      as_utc(finding.last_seen), takedown_state(takedown, finding.status),
                      takedown.id if takedown is not None else None)


def rows_of(session: Session, finding_ids: list[int]) -> list[FindingRow]:
    """These findings' rows, by id (a campaign's members)."""
    findings = list(session.scalars(select(Finding).where(Finding.id.in_(finding_ids)).order_by(Finding.id)))
    takedowns = _latest_takedowns(session, [x.id for x in findings])
    return [_row(x, takedowns.get(x.id)) for x in findings]


def find(session: Session, f: FindingFilter) -> FindingPage:
    total = session.scalar(_filtered(select(func.count(Finding.id)), f)) or 0
    column = SORTS[f.sort]
    ordering = [column.asc() if f.order == "asc" else column.desc(),
                Finding.id.asc() if f.order == "asc" else Finding.id.desc()]
    findings = list(session.scalars(_filtered(select(Finding), f).order_by(*ordering)
                                    .offset((f.page - 1) * f.per_page).limit(f.per_page)))
    takedowns = _latest_takedowns(session, [x.id for x in findings])
    return FindingPage(f, [_row(x, takedowns.get(x.id)) for x in findings], total)


def dag_id_of(run: CollectionRun) -> str | None:
    """The DAG that made a collection run, as recorded; for runs recorded before the DAG was
    (migration 0005), the daily lookalike DAG for sources that are not in the hourly one.
    None for `monitor run` (run type 'cli') or a run without an id."""
    if not run.dag_run_id or run.run_type == "cli":
        return None
    if run.dag_id:
        return run.dag_id
    spec = SOURCES.get(run.source)
    return "lookalike_domains" if spec is not None and not spec.in_brand_monitor else "brand_monitor"


def dag_run_path(dag_id: str, run_id: str) -> str:
    """The Airflow UI's page of a DAG run, relative to the api-server's root."""
    return f"dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


@dataclass(frozen=True)
class SightingView:
    source: str
    query: str | None
    seen_at: dt.datetime
    url: str | None  # defanged
    dag_id: str | None
    dag_run_id: str | None
    dag_run_path: str | None


@dataclass(frozen=True)
class MarkView:
    subject: str
    subject_id: int
    status: str
    actor: str
    note: str | None
    marked_at: dt.datetime


@dataclass(frozen=True)
class TakedownView:
    id: int
    round: int
    state: str
    status: str
    route: str | None
    addressed_to: str  # the channel's name
    recipients: list[str]  # "Name <email>" as the draft addresses them
    form: str | None  # defanged
    parties: list[str]
    gaps: list[str]
    subject: str
    evidence_url: str | None  # defanged
    final_url: str | None  # defanged
    http_status: int | None
    page_title: str | None
    resolved_ip: str | None
    html_sha256: str | None
    has_html: bool
    has_screenshot: bool
    screenshot_sha256: str | None
    screenshot_error: str | None
    evidence_error: str | None
    captured_at: dt.datetime | None
    drafted_at: dt.datetime | None
    owner_sent_at: dt.datetime | None
    taken_down_at: dt.datetime | None
    last_check: str | None
    last_checked_at: dt.datetime | None
    open: bool


@dataclass(frozen=True)
class FindingDetail:
    row: FindingRow
    reasons: list[str]
    reasons_lo: list[str]  # one for one with reasons; the English one where no Lao was given
    status_note: str | None
    alerted_at: dt.datetime | None
    sightings: list[SightingView]
    takedowns: list[TakedownView]  # newest round first
    marks: list[MarkView]  # the finding's and its takedowns', oldest first
    actions: list[str]  # the marks that make sense now

    @property
    def takedown(self) -> TakedownView | None:
        return self.takedowns[0] if self.takedowns else None


def _addressees(addressing: dict[str, Any], key: str) -> list[str]:
    out = []
    for entry in addressing.get(key) or []:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            out.append(f"{entry[0]} <{entry[1]}>" if entry[0] else str(entry[1]))
        else:
            out.append(str(entry))
    return out


def _takedown_view(takedown: Takedown, finding_status: str) -> TakedownView:
    addressing = takedown.addressing or {}
    form = addressing.get("form")
    form_url = form.get("url") if isinstance(form, dict) else form
    return TakedownView(
        id=takedown.id, round=takedown.round, state=takedown_state(takedown, finding_status),
        status=takedown.status, route=addressing.get("route"), addressed_to=str(addressing.get("name") or "-"),
        recipients=_addressees(addressing, "to") + [f"cc: {c}" for c in _addressees(addressing, "cc")],
        form=defang(str(form_url)) if form_url else None, parties=[str(p) for p in addressing.get("parties") or []],
        gaps=[str(g) for g in takedown.gaps or []], subject=takedown.subject,
        evidence_url=defang(takedown.evidence_url) if takedown.evidence_url else None,
        final_url=defang(takedown.final_url) if takedown.final_url else None, http_status=takedown.http_status,
        page_title=takedown.page_title, resolved_ip=takedown.resolved_ip, html_sha256=takedown.html_sha256,
        has_html=takedown.html is not None, has_screenshot=takedown.screenshot is not None,
        screenshot_sha256=takedown.screenshot_sha256, screenshot_error=takedown.screenshot_error,
        evidence_error=takedown.evidence_error, captured_at=as_utc(takedown.captured_at),
        drafted_at=as_utc(takedown.drafted_at), owner_sent_at=as_utc(takedown.owner_sent_at),
        taken_down_at=as_utc(takedown.taken_down_at), last_check=takedown.last_check,
        last_checked_at=as_utc(takedown.last_checked_at), open=takedown.status != "resolved")


def available_marks(finding_status: str, takedown_status: str | None) -> list[str]:
    """The marks offered for a finding now (pure): no mark to the state it is already in; the
    takedown marks only while its latest draft is open."""
    marks = [m for m in FINDING_MARKS if m.replace("-", "_") != finding_status]
    if finding_status in ("new", "alerted"):
        marks.remove("reopen")
    if takedown_status in ("drafted", "sent"):
        marks.append("resolved")
        if takedown_status == "drafted":
            marks.append("sent")
    return [m for m in UI_MARKS if m in marks]


def detail(session: Session, finding_id: int) -> FindingDetail | None:
    finding = session.get(Finding, finding_id)
    if finding is None:
        return None
    sightings = []
    runs = {r.id: r for r in session.scalars(select(CollectionRun).join(Sighting, Sighting.collection_run_id
                                                                        == CollectionRun.id)
                                             .where(Sighting.finding_id == finding_id))}
    for s in session.scalars(select(Sighting).where(Sighting.finding_id == finding_id)
                             .order_by(Sighting.seen_at.desc(), Sighting.id.desc()).limit(500)):
        run = runs.get(s.collection_run_id) if s.collection_run_id else None
        dag_id = dag_id_of(run) if run is not None else None
        sightings.append(SightingView(s.source, s.query, as_utc(s.seen_at), defang(s.url) if s.url else None, dag_id,
                                      run.dag_run_id if run is not None else None,
                                      dag_run_path(dag_id, run.dag_run_id) if dag_id and run is not None and run.dag_run_id
                                      else None))  # dag_id implies a run id: said for the type checker
    takedowns = list(session.scalars(select(Takedown).where(Takedown.finding_id == finding_id)
                                     .order_by(Takedown.round.desc(), Takedown.id.desc())))
    marks = [*marks_of(session, "finding", finding_id)]
    for takedown in takedowns:
        marks += marks_of(session, "takedown", takedown.id)
    marks.sort(key=lambda m: (as_utc(m.marked_at), m.id))
    views = [_takedown_view(t, finding.status) for t in takedowns]
    return FindingDetail(
        row=_row(finding, takedowns[0] if takedowns else None), reasons=[str(r) for r in finding.reasons or []],
        reasons_lo=lao_reasons(finding.reasons, finding.reasons_lo),
        status_note=finding.status_note, alerted_at=as_utc(finding.alerted_at), sightings=sightings,
        takedowns=views, marks=[MarkView(m.subject, m.subject_id, shown_status(m.status), m.actor, m.note,
                                         as_utc(m.marked_at)) for m in marks],
        actions=available_marks(finding.status, takedowns[0].status if takedowns else None))


def latest_takedown(session: Session, finding_id: int) -> Takedown | None:
    return session.scalars(select(Takedown).where(Takedown.finding_id == finding_id)
                           .order_by(Takedown.round.desc(), Takedown.id.desc()).limit(1)).first()


def with_screenshots(session: Session, finding_ids: list[int]) -> set[int]:
    """Which of these findings have a screenshot in their latest takedown draft (no image read)."""
    if not finding_ids:
        return set()
    latest = (select(Takedown.finding_id, func.max(Takedown.round).label("round"))
              .where(Takedown.finding_id.in_(finding_ids)).group_by(Takedown.finding_id).subquery())
    return set(session.scalars(select(Takedown.finding_id).join(latest, and_(
        latest.c.finding_id == Takedown.finding_id, latest.c.round == Takedown.round))
        .where(Takedown.screenshot.is_not(None))))


def raw_urls(session: Session, finding_ids: list[int]) -> dict[int, str | None]:
    """The stored URLs (not defanged) of some findings, for the JSON API."""
    if not finding_ids:
        return {}
    return dict(session.execute(select(Finding.id, Finding.url).where(Finding.id.in_(finding_ids))).all())


@dataclass(frozen=True)
class OwnerView:
    """A finding as its owner's confirmation page shows it."""

    row: FindingRow
    takedown_status: str | None  # its latest draft's
    has_screenshot: bool
    reasons: list[str]
    reasons_lo: list[str]


def owner_view(session: Session, finding_id: int) -> OwnerView | None:
    finding = session.get(Finding, finding_id)
    if finding is None:
        return None
    takedown = latest_takedown(session, finding_id)
    return OwnerView(_row(finding, takedown), takedown.status if takedown is not None else None,
                     takedown is not None and takedown.screenshot is not None,
                     [str(r) for r in finding.reasons or []], lao_reasons(finding.reasons, finding.reasons_lo))


def brand_of(session: Session, finding_id: int) -> str | None:
    return session.scalar(select(Finding.brand_id).where(Finding.id == finding_id))


def recorded_mark(session: Session, finding_id: int, action: str, actor: str | None = None) -> MarkView | None:
    """The newest mark that recorded an owner's action on a finding (by `actor`, when given):
    'sent' on one of its takedown drafts, the others on the finding itself."""
    from monitor.store.models import StatusMark

    if action == "sent":
        where = [StatusMark.subject == "takedown", StatusMark.status == "sent",
                 StatusMark.subject_id.in_(select(Takedown.id).where(Takedown.finding_id == finding_id))]
    else:
        where = [StatusMark.subject == "finding", StatusMark.subject_id == finding_id,
                 StatusMark.status == action.replace("-", "_")]
    if actor is not None:
        where.append(StatusMark.actor == actor[:320])
    mark = session.scalars(select(StatusMark).where(*where).order_by(StatusMark.marked_at.desc(),
                                                                     StatusMark.id.desc()).limit(1)).first()
    if mark is None:
        return None
    return MarkView(mark.subject, mark.subject_id, shown_status(mark.status), mark.actor, mark.note,
                    as_utc(mark.marked_at))


def brand_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Finding.brand_id).distinct().order_by(Finding.brand_id)))


def source_names(session: Session) -> list[str]:
    return list(session.scalars(select(Sighting.source).distinct().order_by(Sighting.source)))


# ---------------------------------------------------------------- brand overview

@dataclass(frozen=True)
class BrandOverview:
    brand: str
    total: int
    by_status: list[tuple[str, int]]
    by_tier: list[tuple[str, int]]
    per_day: list[tuple[dt.date, int]]  # new findings per day, the last `days` days, oldest first
    by_source: list[tuple[str, int]]  # new findings in those days by the source that saw them first
    median_hours_to_down: float | None
    taken_down: int
    overdue: list[dict[str, Any]] = field(default_factory=list)  # open takedowns past the reminder age
    overdue_count: int = 0  # all of them (the list shows the oldest OVERDUE_SHOWN)
    reminder_days: int = 7
    days: int = 30


def days_back(now: dt.datetime, days: int) -> list[dt.date]:
    today = now.astimezone(dt.UTC).date()
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


OVERDUE_SHOWN = 50  # open takedowns past the reminder age listed by name; the rest counted


def _per_day(session: Session, scope: list, days: list[dt.date]) -> list[tuple[dt.date, int]]:
    """New findings per UTC day, counted in SQL: one CASE per day (portable, no date functions
    that differ between SQLite and PostgreSQL, no row per finding brought into Python)."""
    bounds = [dt.datetime.combine(d, dt.time(), dt.UTC) for d in days] + [
        dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), dt.UTC)]
    columns = [func.coalesce(func.sum(case((and_(Finding.first_seen >= bounds[i], Finding.first_seen < bounds[i + 1]),
                                           1), else_=0)), 0) for i in range(len(days))]
    counts = session.execute(select(*columns).where(*scope, Finding.first_seen >= bounds[0])).one()
    return list(zip(days, (int(n) for n in counts), strict=True))


def _by_first_source(session: Session, scope: list, since: dt.datetime) -> list[tuple[str, int]]:
    """Recent findings by the source that saw each first, aggregated in SQL (a window over
    each finding's sightings), never one bind parameter per finding."""
    first = (select(Sighting.source.label("source"), func.row_number().over(
        partition_by=Sighting.finding_id, order_by=(Sighting.seen_at, Sighting.id)).label("n"))
        .join(Finding, Finding.id == Sighting.finding_id).where(*scope, Finding.first_seen >= since).subquery())
    rows = session.execute(select(first.c.source, func.count()).where(first.c.n == 1).group_by(first.c.source))
    return sorted(((str(s), int(n)) for s, n in rows), key=lambda i: (-i[1], i[0]))


def _median_hours(session: Session, brand: str | None) -> float | None:
    """The median of the hours from first seen to taken down, read as the middle row(s)."""
    where = [*([Takedown.brand_id == brand] if brand else []), Takedown.hours_first_seen_to_down.is_not(None)]
    n = session.scalar(select(func.count()).select_from(Takedown).where(*where)) or 0
    if not n:
        return None
    middle = [h for h in session.scalars(select(Takedown.hours_first_seen_to_down).where(*where)
                                         .order_by(Takedown.hours_first_seen_to_down).offset((n - 1) // 2)
                                         .limit(2 - n % 2)) if h is not None]  # none are: the where says so
    return statistics.mean(middle)


def overview(session: Session, brand: str | None, *, now: dt.datetime, reminder_days: int,
             days: int = 30) -> BrandOverview:
    """Counts for one brand (or every brand, brand=None), each aggregated by the database:
    the work and the memory do not grow with the number of findings."""
    scope = [Finding.brand_id == brand] if brand else []
    by_status = dict(session.execute(select(Finding.status, func.count()).where(*scope).group_by(Finding.status))
                     .all())
    by_tier = dict(session.execute(select(Finding.verdict, func.count()).where(*scope).group_by(Finding.verdict))
                   .all())
    day_list = days_back(now, days)
    since = dt.datetime.combine(day_list[0], dt.time(), dt.UTC)
    cutoff = now - dt.timedelta(days=reminder_days)
    overdue_where = [*([Takedown.brand_id == brand] if brand else []), Takedown.status.in_(("drafted", "sent")),
                     Takedown.drafted_at < cutoff, Finding.status != "false_positive"]
    overdue_count = session.scalar(select(func.count()).select_from(Takedown)
                                   .join(Finding, Finding.id == Takedown.finding_id).where(*overdue_where)) or 0
    overdue = []
    for takedown, label, url in session.execute(
            select(Takedown, Finding.label, Finding.url).join(Finding, Finding.id == Takedown.finding_id)
            .where(*overdue_where).order_by(Takedown.drafted_at, Takedown.id).limit(OVERDUE_SHOWN)):
        overdue.append({"takedown_id": takedown.id, "finding_id": takedown.finding_id, "brand": takedown.brand_id,
                        "identity": identity(label, url), "status": takedown.status,
                        "drafted_at": as_utc(takedown.drafted_at),
                        "days_open": (now - as_utc(takedown.drafted_at)).days})
    return BrandOverview(
        brand=brand or "", total=sum(by_status.values()),
        by_status=[(shown_status(s), by_status.get(s, 0)) for s in FINDING_STATUSES],
        by_tier=[(t, by_tier[t]) for t in TIERS if by_tier.get(t)],
        per_day=_per_day(session, scope, day_list), by_source=_by_first_source(session, scope, since),
        median_hours_to_down=_median_hours(session, brand), taken_down=by_status.get("taken_down", 0),
        overdue=overdue, overdue_count=overdue_count, reminder_days=reminder_days, days=days)


# ---------------------------------------------------------------- source health

@dataclass(frozen=True)
class SourceHealth:
    source: str
    brand: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    candidates: int
    flagged: int
    findings_new: int
    canary: str | None
    layout_changed: bool
    error: str | None
    dag_id: str | None
    dag_run_id: str | None
    dag_run_path: str | None
    failures_recent: int  # failed collections of this source and brand in the last 7 days


def source_health(session: Session, *, now: dt.datetime) -> list[SourceHealth]:
    """The last collection of every source for every brand, worst first."""
    latest_ids = select(func.max(CollectionRun.id)).group_by(CollectionRun.source, CollectionRun.brand_id)
    week = now - dt.timedelta(days=7)
    failures = dict(((source, brand), n) for source, brand, n in session.execute(
        select(CollectionRun.source, CollectionRun.brand_id, func.count())
        .where(CollectionRun.status.in_(("failed", "abandoned")), CollectionRun.started_at >= week)
        .group_by(CollectionRun.source, CollectionRun.brand_id)))
    out = []
    for run in session.scalars(select(CollectionRun).where(CollectionRun.id.in_(latest_ids))):
        dag_id = dag_id_of(run)
        out.append(SourceHealth(
            run.source, run.brand_id, run.status, as_utc(run.started_at), as_utc(run.finished_at), run.candidates,
            run.flagged, run.findings_new, run.canary, bool(run.layout_changed), run.error, dag_id, run.dag_run_id,
            dag_run_path(dag_id, run.dag_run_id) if dag_id and run.dag_run_id else None,
            failures.get((run.source, run.brand_id), 0)))
    rank = {"failed": 0, "abandoned": 1, "running": 3, "ok": 4}
    out.sort(key=lambda h: (rank.get(h.status, 2) + (0 if h.layout_changed or h.canary == "missing" else 0.5),
                            h.source, h.brand))
    return out
