"""Composing one brand's digest from claimed records, with no database: the outbox keys, what
each email delivers, the owners' links, the digest naming the drafts email, the byte budget."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from monitor.notify.claim import ClaimedDigest, ClaimedDraft, drafts_within
from monitor.notify.compose import DIGEST, TAKEDOWNS, compose_digest
from monitor.notify.digest import DigestItem, digest_dedup_key
from monitor.notify.options import DigestOptions
from monitor.notify.owners import DraftSummary
from monitor.registry import Brand
from tests.conftest import parse_message

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
OPTIONS = DigestOptions(mail_from="m@example.org", now=NOW, min_score=45, run_id="r1")


def _item(finding_id: int, takedown_id: int | None = None) -> DigestItem:
    domain = f"laopost-fee{finding_id}.com"
    return DigestItem(finding_id, domain, "domain", None, f"https://{domain}/", 88, "impersonation", ("adds 'fee'",),
                      NOW, ("laopost.com",), takedown_id)


def _draft(takedown_id: int, finding_id: int) -> ClaimedDraft:
    summary = DraftSummary(takedown_id, f"laopost-fee{finding_id}.com", f"https://laopost-fee{finding_id}.com/",
                           {"parties": []}, (), f"Subject: draft T{takedown_id}\r\n\r\nbody\r\n".encode("ascii"))
    return ClaimedDraft(finding_id, summary)


def _text(message) -> str:
    return parse_message(message.as_bytes()).get_body(("plain",)).get_content()


def test_the_digest_and_the_drafts_email_with_their_keys(registry):
    brand = registry.brand("laopost")
    claimed = ClaimedDigest((_item(1, takedown_id=7), _item(2)), (_draft(7, 1),))
    composed = compose_digest(brand, claimed, OPTIONS)
    [digest] = composed.parts
    assert (digest.kind, digest.carries) == (DIGEST, (1, 2))
    assert digest.dedup_key == digest_dedup_key("laopost", [1, 2], NOW) and digest.dedup_key.startswith("digest:")
    assert composed.drafts is not None
    assert (composed.drafts.kind, composed.drafts.carries) == (TAKEDOWNS, (7,))
    assert composed.drafts.dedup_key == digest_dedup_key("laopost", [7], NOW, kind="takedowns")
    assert composed.findings == 2
    # the digest names the drafts email of the same run
    assert f'"{composed.drafts.message["Subject"]}"' in _text(digest.message)
    # the same records and options give the same Message-IDs (a re-run is deduplicated)
    again = compose_digest(brand, claimed, OPTIONS)
    assert [p.message["Message-ID"] for p in again.parts] == [p.message["Message-ID"] for p in composed.parts]
    assert again.drafts is not None and again.drafts.message["Message-ID"] == composed.drafts.message["Message-ID"]


def test_only_drafts_or_only_findings(registry):
    brand = registry.brand("laopost")
    drafts_only = compose_digest(brand, ClaimedDigest((), (_draft(7, 1),)), OPTIONS)
    assert drafts_only.parts == () and drafts_only.drafts is not None and drafts_only.findings == 0
    # a finding drafted in an earlier run: its draft went out with an earlier drafts email
    findings_only = compose_digest(brand, ClaimedDigest((_item(1, takedown_id=7),), ()), OPTIONS)
    assert findings_only.drafts is None and [p.carries for p in findings_only.parts] == [(1,)]
    assert 'draft T7, in "an earlier drafts email"' in _text(findings_only.parts[0].message)


def test_owner_links_say_whether_the_finding_has_a_draft(registry):
    asked: list[tuple[str, int, bool]] = []

    def links(brand: Brand, finding_id: int, has_draft: bool) -> tuple[tuple[str, str], ...]:
        asked.append((brand.id, finding_id, has_draft))
        return (("Not a fake", f"https://monitor.example/a/{finding_id}"),)

    claimed = ClaimedDigest((_item(1, takedown_id=7), _item(2)), (_draft(7, 1),))
    composed = compose_digest(registry.brand("laopost"), claimed, dataclasses.replace(OPTIONS, action_links=links))
    assert sorted(asked) == [("laopost", 1, True), ("laopost", 1, True), ("laopost", 2, False)]
    assert "https://monitor.example/a/2" in _text(composed.parts[0].message)
    assert composed.drafts is not None and "https://monitor.example/a/1" in _text(composed.drafts.message)
    # without links the emails say whom to ask instead, and carry none
    plain = compose_digest(registry.brand("laopost"), claimed, OPTIONS)
    assert "https://monitor.example/a/" not in _text(plain.parts[0].message)


def test_a_digest_over_the_budget_is_split_and_every_finding_is_carried_once(registry):
    items = tuple(_item(i) for i in range(1, 41))
    composed = compose_digest(registry.brand("laopost"), ClaimedDigest(items, ()),
                              dataclasses.replace(OPTIONS, max_bytes=20_000))
    assert len(composed.parts) > 1
    carried = [i for part in composed.parts for i in part.carries]
    assert sorted(carried) == list(range(1, 41)) and len(carried) == len(set(carried)) == composed.findings
    assert all(len(p.message.as_bytes()) <= 20_000 for p in composed.parts)
    assert [p.dedup_key for p in composed.parts] == [digest_dedup_key("laopost", list(p.carries), NOW)
                                                    for p in composed.parts]


@pytest.mark.parametrize(("sizes", "budget", "count"), [
    ([5, 5, 5], 10, 2),
    ([50, 1], 10, 1),  # one draft over the budget still goes, alone: the mail server decides
    ([5, 20, 1], 10, 1),  # in order: a smaller draft behind a refused one waits too
    ([], 10, 0),
])
def test_drafts_within_the_budget(sizes, budget, count):
    assert drafts_within(iter(sizes), budget) == count


def test_options_are_one_frozen_record():
    with pytest.raises(dataclasses.FrozenInstanceError):
        OPTIONS.min_score = 0  # type: ignore[misc]  # the point: the record cannot be changed
