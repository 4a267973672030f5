"""The scorer's contracts (DESIGN.md section 2): Candidate in, Score out. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

KINDS = ("domain", "account", "page")


class Verdict(StrEnum):
    """The closed set of verdicts (a str: JSON, the database and templates see the value)."""

    OFFICIAL = "official"  # one of the brand's registered identities: never alerted
    IMPERSONATION = "impersonation"  # worth a takedown request
    SUSPICIOUS = "suspicious"  # a person should look
    UNRELATED = "unrelated"


VERDICTS = tuple(Verdict)
OFFICIAL, IMPERSONATION, SUSPICIOUS, UNRELATED = VERDICTS
FLAGGED_VERDICTS = (IMPERSONATION, SUSPICIOUS)  # a finding: alerted; an impersonation gets a takedown draft
_TEXT_FIELDS = ("url", "domain", "platform", "handle", "name", "bio", "title", "text")
# Added by page enrichment (monitor.detection.enrich); optional in input.
_FLAG_FIELDS = ("has_password_form", "has_card_form", "enriched")
_COUNT_FIELDS = ("official_links",)


class CandidateError(ValueError):
    """A candidate record that cannot be scored; the message names the field."""


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str
    id: Any = None
    url: str | None = None
    domain: str | None = None
    platform: str | None = None
    handle: str | None = None
    name: str | None = None
    bio: str | None = None
    title: str | None = None
    text: str | None = None
    has_password_form: bool | None = None
    has_card_form: bool | None = None
    official_links: int | None = None
    enriched: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        for name in _TEXT_FIELDS + _FLAG_FIELDS + _COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def candidate_from_dict(obj: Any) -> Candidate:
    """Validate one decoded JSON record. Unknown fields are ignored."""
    if not isinstance(obj, dict):
        raise CandidateError(f"expected a JSON object, got {type(obj).__name__}")
    kind = obj.get("kind")
    if kind is None:
        raise CandidateError("field 'kind' is required (one of domain, account, page)")
    if kind not in KINDS:
        raise CandidateError(f"field 'kind': {kind!r} is not one of domain, account, page")
    values: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise CandidateError(f"field {name!r}: expected a string, got {type(value).__name__}")
        values[name] = value
    for name in _FLAG_FIELDS:
        value = obj.get(name)
        if value is not None:
            if not isinstance(value, bool):
                raise CandidateError(f"field {name!r}: expected true or false, got {type(value).__name__}")
            values[name] = value
    for name in _COUNT_FIELDS:
        value = obj.get(name)
        if value is not None:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise CandidateError(f"field {name!r}: expected a whole number")
            values[name] = value
    ident = obj.get("id")
    if isinstance(ident, (dict, list)):
        raise CandidateError("field 'id': expected a string or a number")
    if kind == "domain" and not (values.get("domain") or values.get("url")):
        raise CandidateError("a domain candidate needs 'domain' or 'url'")
    if kind == "account" and not (values.get("handle") or values.get("url") or values.get("name")):
        raise CandidateError("an account candidate needs 'handle', 'url' or 'name'")
    if kind == "page" and not (values.get("url") or values.get("title") or values.get("text")):
        raise CandidateError("a page candidate needs 'url', 'title' or 'text'")
    return Candidate(kind=kind, id=ident, **values)


@dataclass(slots=True)
class Score:
    id: Any
    brand: str | None
    score: int
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)
    # The same reasons in Lao, one for one with `reasons` (same order), from the reason
    # templates; empty where no Lao text exists yet (readers then show the English).
    reasons_lo: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "brand": self.brand, "score": self.score, "verdict": self.verdict,
                "reasons": self.reasons, "reasons_lo": self.reasons_lo}
