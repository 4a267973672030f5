"""Tables of the monitor database. Every constraint is named, so that Alembic (and SQLite's
batch mode) can refer to it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from monitor.campaigns.artefacts import ArtefactKind, Seen

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FINDING_STATUSES = ("new", "alerted", "confirmed", "false_positive", "taken_down")
ALERT_STATUSES = ("pending", "sent", "dead")
RUN_STATUSES = ("running", "ok", "failed", "abandoned")  # abandoned: its worker died mid-way
TAKEDOWN_STATUSES = ("drafted", "sent", "resolved")
LOOKUP_STATUSES = ("ok", "failed")
MARK_SUBJECTS = ("finding", "takedown")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CollectionRun(Base):
    """One source collected for one brand over one window."""

    __tablename__ = "collection_runs"
    __table_args__ = (CheckConstraint(_in("status", RUN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    brand_id: Mapped[str] = mapped_column(String(80))
    dag_run_id: Mapped[str | None] = mapped_column(String(250))
    dag_id: Mapped[str | None] = mapped_column(String(250))  # the DAG of dag_run_id; None from the CLI
    run_type: Mapped[str] = mapped_column(String(20), default="manual")
    window_start: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="running")
    queries: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    findings_new: Mapped[int] = mapped_column(Integer, default=0)
    findings_updated: Mapped[int] = mapped_column(Integer, default=0)
    layout_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    canary: Mapped[str | None] = mapped_column(String(16))  # ok, missing, n/a
    error: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    """The outbox: one message to send, queued in the same transaction that marks its
    findings alerted, sent (and retried) afterwards."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        CheckConstraint(_in("status", ALERT_STATUSES), name="status"),
        Index("ix_alerts_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="digest")
    brand_id: Mapped[str] = mapped_column(String(80))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(998))
    message_id: Mapped[str] = mapped_column(String(250))
    message: Mapped[str] = mapped_column(Text)  # the whole RFC 5322 message, frozen at queue time
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dag_run_id: Mapped[str | None] = mapped_column(String(250))

    findings: Mapped[list[Finding]] = relationship(back_populates="alert")


class Finding(Base):
    """A candidate that looks like an impersonation of one brand, once per canonical key."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("brand_id", "canonical_key"),
        CheckConstraint(_in("status", FINDING_STATUSES), name="status"),
        Index("ix_findings_brand_id_status", "brand_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(80))
    canonical_key: Mapped[str] = mapped_column(String(600))
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(600))
    score: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    # The same reasons in Lao, one for one; None for findings stored before them (shown in English).
    reasons_lo: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    candidate: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="new")
    status_note: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))

    alert: Mapped[Alert | None] = relationship(back_populates="findings")
    sightings: Mapped[list[Sighting]] = relationship(back_populates="finding", cascade="all, delete-orphan")


class Sighting(Base):
    """Each time a finding was seen: by which source, query and collection run."""

    __tablename__ = "sightings"
    __table_args__ = (Index("ix_sightings_finding_id_seen_at", "finding_id", "seen_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    collection_run_id: Mapped[int | None] = mapped_column(ForeignKey("collection_runs.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(40))
    query: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    finding: Mapped[Finding] = relationship(back_populates="sightings")


class HostState(Base):
    """Per-host politeness shared by every worker process: the next free fetch slot, and a
    cool-down after 429/503 during which the host is skipped."""

    __tablename__ = "host_states"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    next_fetch_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cooldown_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cooldown_reason: Mapped[str | None] = mapped_column(Text)


class RobotsEntry(Base):
    """A cached robots.txt: its HTTP outcome and body, per scheme and host."""

    __tablename__ = "robots_cache"

    origin: Mapped[str] = mapped_column(String(300), primary_key=True)  # https://host:port
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # allow_all, deny_all, parsed
    body: Mapped[str | None] = mapped_column(Text)


class Takedown(Base):
    """A takedown-request draft for one finding, with the evidence captured when it was made,
    and what became of it: sent by the owner, taken down, relaunched. A relaunched page gets
    a new round."""

    __tablename__ = "takedowns"
    __table_args__ = (
        UniqueConstraint("finding_id", "round"),
        CheckConstraint(_in("status", TAKEDOWN_STATUSES), name="status"),
        Index("ix_takedowns_brand_id_status", "brand_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    brand_id: Mapped[str] = mapped_column(String(80))
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="drafted")
    status_note: Mapped[str | None] = mapped_column(Text)
    # Where it goes: {"route": ..., "to": [[name, email]], "cc": [...], "form": {...}, "parties": [...]}
    addressing: Mapped[dict[str, Any]] = mapped_column(JSON)
    gaps: Mapped[list[str]] = mapped_column(JSON)  # what could not be found out, said in the draft
    subject: Mapped[str] = mapped_column(String(998))
    message_id: Mapped[str] = mapped_column(String(250))
    message: Mapped[str] = mapped_column(Text)  # the draft, RFC 5322, frozen when made
    # Evidence, captured once when the draft was made.
    evidence_url: Mapped[str | None] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    page_title: Mapped[str | None] = mapped_column(Text)
    resolved_ip: Mapped[str | None] = mapped_column(String(64))
    html: Mapped[bytes | None] = mapped_column(LargeBinary)
    html_sha256: Mapped[str | None] = mapped_column(String(64))
    registered: Mapped[str | None] = mapped_column(String(64))  # as RDAP or WHOIS wrote it
    evidence_error: Mapped[str | None] = mapped_column(Text)
    captured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    drafted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    delivered_alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    owner_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Follow-up.
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_check: Mapped[str | None] = mapped_column(Text)
    taken_down_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hours_first_seen_to_down: Mapped[float | None] = mapped_column(Float)
    hours_draft_to_down: Mapped[float | None] = mapped_column(Float)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    relaunched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A screenshot of the page, taken with the evidence when a browser is installed.
    screenshot: Mapped[bytes | None] = mapped_column(LargeBinary)
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64))
    screenshot_error: Mapped[str | None] = mapped_column(Text)

    finding: Mapped[Finding] = relationship()


class StatusMark(Base):
    """Every mark of a finding or a takedown, kept as history: who, when, what and why."""

    __tablename__ = "status_marks"
    __table_args__ = (
        CheckConstraint(_in("subject", MARK_SUBJECTS), name="subject"),
        Index("ix_status_marks_subject_subject_id", "subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # finding, takedown
    subject_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # the status the mark set
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(320))  # cli:USER, an owner's email, ui:USER, or a DAG
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FeedState(Base):
    """A shared feed's last download: its validators for a conditional GET (ETag,
    Last-Modified) and where the body was kept, so an unchanged feed is not downloaded again."""

    __tablename__ = "feed_states"

    url_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_path: Mapped[str | None] = mapped_column(Text)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RegistrationLookup(Base):
    """A cached RDAP or WHOIS lookup (a domain's registration, an address's network, or an
    IANA bootstrap file), with its time; failures are kept too, with their error."""

    __tablename__ = "registration_lookups"
    __table_args__ = (CheckConstraint(_in("status", LOOKUP_STATUSES), name="status"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # domain:x.com, ip:1.2.3.4, bootstrap:dns
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(300))  # rdap / whois, and the server asked
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    looked_up_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CtLogCursor(Base):
    """Where reading a Certificate Transparency log stands: the next entry to read, moved in the
    same transaction as the findings of the entries before it (monitor.collectors.ct.cursors)."""

    __tablename__ = "ct_log_cursors"

    log_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # base64 SHA-256 of the log's key
    description: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    next_index: Mapped[int] = mapped_column(BigInteger)
    tree_size: Mapped[int] = mapped_column(BigInteger)  # the largest verified tree size seen
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- campaigns (monitor/campaigns)

ARTEFACT_KINDS = tuple(k.value for k in ArtefactKind)
ARTEFACT_SEEN = tuple(s.value for s in Seen)


class ArtefactRecord(Base):
    """An artefact a finding showed (a phone, an account, a wallet, a hash), once per kind and
    normalised value, with when it was first and last seen on any finding."""

    __tablename__ = "artefacts"
    __table_args__ = (
        UniqueConstraint("kind", "value"),
        CheckConstraint(_in("kind", ARTEFACT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(1000))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FindingArtefact(Base):
    """Which finding showed which artefact, and where (its text, bio, markup, a QR code...)."""

    __tablename__ = "finding_artefacts"
    __table_args__ = (
        CheckConstraint(_in("seen", ARTEFACT_SEEN), name="seen"),
        Index("ix_finding_artefacts_artefact_id", "artefact_id"),
    )

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True)
    artefact_id: Mapped[int] = mapped_column(ForeignKey("artefacts.id", ondelete="CASCADE"), primary_key=True)
    seen: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Campaign(Base):
    """A group of findings linked by shared artefacts. Its id is stable: a merge keeps the older
    campaign and the absorbed one stays, naming the campaign it went into and when."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    merged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CampaignMember(Base):
    """A finding's campaign: at most one (the union-find's sets are disjoint)."""

    __tablename__ = "campaign_members"
    __table_args__ = (Index("ix_campaign_members_campaign_id", "campaign_id"),)

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


EVIDENCE_IMAGE_ROLES = ("favicon", "image")


class EvidenceImage(Base):
    """A picture the saved page points at (its favicon, its images), fetched with the page when
    a takedown is drafted: what campaigns compare (monitor.campaigns.extract)."""

    __tablename__ = "evidence_images"
    __table_args__ = (
        CheckConstraint(_in("role", EVIDENCE_IMAGE_ROLES), name="role"),
        Index("ix_evidence_images_takedown_id", "takedown_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    takedown_id: Mapped[int] = mapped_column(ForeignKey("takedowns.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
