"""The records that travel between the steps of a run (monitor.pipeline), as Airflow XComs
or in one `monitor run` process. Frozen dataclasses; monitor.records turns them into JSON
and back at the XCom edge, nowhere else.

plan -> PlanItem; window -> RunInfo; collect -> Collected (Found candidates); score ->
Scored (FindingInput); store -> Stored; takedowns -> DraftsReport; alert -> AlertReport;
summary reads Stored, DraftsReport and AlertReport."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from monitor.collectors.base import ALL_BRANDS
from monitor.detection.models import Candidate
from monitor.store.repo import FindingInput


class CollectionStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"


class Canary(StrEnum):
    """Whether the source returned the brand's own official identity (sources that should)."""

    OK = "ok"
    MISSING = "missing"
    NOT_EXPECTED = "n/a"


@dataclass(frozen=True)
class RunInfo:
    """Who asked for this run and for which window (from Airflow's context or the CLI)."""

    run_id: str | None
    run_type: str  # scheduled, manual, backfill, asset_triggered, cli (Airflow's open set, and ours)
    window_start: str | None  # ISO 8601
    window_end: str | None
    dag_id: str | None = None  # what produced the run: its digests are titled by it


@dataclass(frozen=True)
class PlanItem:
    brand: str  # a brand id, or ALL_BRANDS for a shared feed
    source: str

    @property
    def label(self) -> str:
        return f"{'all brands' if self.brand == ALL_BRANDS else self.brand} · {self.source}"


@dataclass(frozen=True)
class CollectionOutcome(PlanItem):
    """What every step after collect reports about one collection of a planned item."""

    collection_run_id: int
    status: CollectionStatus
    errors: tuple[str, ...]  # each step's, in order; joined only where a person reads them
    layout_changed: bool
    queries: int

    @property
    def error(self) -> str | None:
        """The errors as the collection run records them and the summary shows them."""
        return "; ".join(self.errors) or None


@dataclass(frozen=True)
class Found:
    """A candidate a source found, and the query (or feed, or log position) that found it."""

    candidate: Candidate
    query: str | None


@dataclass(frozen=True)
class Collected(CollectionOutcome):
    candidates: tuple[Found, ...] = ()
    canary_expected: bool = False


@dataclass(frozen=True)
class Scored(CollectionOutcome):
    candidates: int = 0
    flagged: tuple[FindingInput, ...] = ()
    canary: Canary = Canary.NOT_EXPECTED
    enriched: int = 0


@dataclass(frozen=True)
class Stored(CollectionOutcome):
    candidates: int = 0
    canary: Canary = Canary.NOT_EXPECTED
    flagged: int = 0
    new: int = 0
    updated: int = 0


def carried(record: CollectionOutcome, *more_errors: str) -> dict[str, Any]:
    """The CollectionOutcome fields of record with this step's errors added: what the next
    step's record starts from."""
    values = {f.name: getattr(record, f.name) for f in fields(CollectionOutcome)}
    return values | {"errors": record.errors + more_errors}


# ---------------------------------------------------------------- takedowns and alerts

@dataclass(frozen=True)
class DraftFailure:
    finding_id: int
    error: str


@dataclass(frozen=True)
class DraftsReport:
    drafted: tuple[int, ...] = ()  # takedown ids
    failed: tuple[DraftFailure, ...] = ()
    skipped: str | None = None  # why nothing was drafted (a dry run)


@dataclass(frozen=True)
class DigestQueued:
    brand: str
    alert_id: int | None  # None when only takedown drafts were queued
    findings: int
    recipients: tuple[str, ...]
    drafts: int
    drafts_alert_id: int | None
    parts: tuple[int, ...]  # every email of the digest, in order


@dataclass(frozen=True)
class AlertFailure:
    alert_id: int
    error: str


@dataclass(frozen=True)
class ReturnedFindings:
    """A dead-lettered alert whose findings were made new again (the next run alerts them)."""

    alert_id: int
    findings: int


@dataclass(frozen=True)
class AlertReport:
    transport: str | None  # None when the step did not get as far as choosing one
    min_score: int | None
    queued: tuple[DigestQueued, ...] = ()
    sent: int = 0
    failed: tuple[AlertFailure, ...] = ()  # pending a retry
    dead: tuple[AlertFailure, ...] = ()
    returned: tuple[ReturnedFindings, ...] = ()
    skipped: str | None = None  # why nothing was queued or sent
