"""The prefilter: "surely unrelated", decided from a host name alone, before any object is built.

One decision, three callers (DESIGN.md, "The fast path"):

- ``HostPrefilter.surely_unrelated(host)``: a cheap necessary condition of every signal the
  scorer's host matching can give an ASCII host. The scorer's own shortcut, the collectors'
  ``might_resemble`` (NRD, phishing feeds, CT) and the raw-line fast path all ask it.
- ``unrelated_line(scorer, record)``: the answer of ``monitor score`` for one decoded JSON
  record, written from a template, when the record is a plain domain candidate whose host
  is surely unrelated and no other rule of ``Scorer.score`` applies (an official or allowed
  host, a brand's own top-level domain); ``None`` sends the record the full way. Its output
  is byte-identical to the full path's (tests/detection/test_fastpath.py checks it on real
  streams and on hypothesis-generated lines).

Pure: no I/O. The public suffix list is tldextract's bundled snapshot.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Protocol

from monitor.detection.domains import MAX_HOST_LENGTH, MAX_LABEL_LENGTH
from monitor.detection.index import KeyIndex
from monitor.detection.models import _COUNT_FIELDS, _FLAG_FIELDS, _TEXT_FIELDS, UNRELATED, Score
from monitor.detection.normalize import ASCII_FLAT, read_sequences
from monitor.detection.reasons import NO_RESEMBLANCE


class PlainlyUnrelated(Protocol):
    """What the raw-record path asks of the scorer (monitor.detection.scoring.Scorer)."""

    def plainly_unrelated(self, host: str) -> bool: ...


# Subdomain labels that say nothing about who runs a site ('www', 'm', language codes).
IGNORED_SUBDOMAINS = frozenset({"www", "m", "mobile", "web", "en", "lo", "la"})
TOKEN_SPLIT_RE = re.compile(r"[._\-\s]+")
NO_SEPARATORS = str.maketrans("", "", ".-_")


@functools.lru_cache(maxsize=4096)
def is_public_suffix(text: str) -> bool:
    from monitor.detection.domains import _extractor

    return bool(text) and _extractor()("x." + text).suffix == text


# ASCII_FLAT as a bytes table: bytes.translate is a C table lookup, several times faster than
# str.translate with a dict, and this runs on every line of a feed.
_FLAT_BYTES = bytes.maketrans(bytes(ASCII_FLAT), "".join(ASCII_FLAT.values()).encode("ascii"))
_SEPARATOR_BYTES = b".-_"


def flat_ascii(text: str) -> str:
    """``text.translate(ASCII_FLAT)`` of an ASCII text."""
    return text.encode("ascii").translate(_FLAT_BYTES).decode("ascii")


def ascii_forms(text: str) -> set[str]:
    """The forms the index is searched in, of lower-case ASCII labels joined by separators,
    without the offsets only a match needs: flat, and flat with lookalike sequences read
    inside each token ('rna-clevv' -> 'madew'), separators removed."""
    flat_bytes = text.encode("ascii").translate(_FLAT_BYTES)  # separators stay where they were
    plain = flat_bytes.translate(None, _SEPARATOR_BYTES).decode("ascii")
    flat_text = flat_bytes.decode("ascii")
    read = read_sequences(flat_text)
    if read == flat_text:  # most names hold no lookalike sequence
        return {plain}
    return {plain, read.translate(NO_SEPARATORS)}


class HostPrefilter:
    """"Surely unrelated" for a lower-case ASCII host, from the index's automata and the
    public suffix list. Built once per scorer (before workers fork)."""

    __slots__ = ("_index", "_last_refused", "_unkeyed_in", "_unkeyed_official_labels")

    def __init__(self, index: KeyIndex, unkeyed_official_labels: frozenset[str]):
        self._index = index
        # official labels ('ltc', 't-mo') with no key in the index: too short without separators
        self._unkeyed_official_labels = unkeyed_official_labels
        # one search for all of them in the flat host before the exact test by label and token
        self._unkeyed_in = re.compile("|".join(re.escape(label.translate(ASCII_FLAT)) for label in
                                               sorted(unkeyed_official_labels, key=len, reverse=True))).search \
            if unkeyed_official_labels else None
        self._last_refused = ""

    def surely_unrelated(self, host: str) -> bool:
        """True only when no host signal can fire for this host (lower-case ASCII, no
        trailing dot). Checked on every label left of the public suffix, found without
        splitting the host (the last label and the short ones that make a public suffix
        with it):

        - some piece of some key in their flat form, or in the form with lookalike sequences
          read inside tokens, or in the labels joined without the ignored ones
          ('lao.m.airlines', 'rna.m.clevv'); then, if so, a whole key in those joined forms
          or a hit of the index's lookups on one label (``KeyIndex.any_match``);
        - a label or a token that is an official label without a key of its own ('ltc.la.<x>',
          't-mo.com.<x>': too short once the separators are gone);
        - a short label after another that starts a public suffix ('amzone.co.jp.<x>'): the
          label before it is looked up with one edit more (then pieces vouch for nothing, so
          the lookups' own search runs on it whatever the pieces say)."""
        if host == self._last_refused:  # the full path asking again about the fast path's host
            return False
        if not self._surely_unrelated(host):
            self._last_refused = host
            return False
        return True

    def _surely_unrelated(self, host: str) -> bool:
        head, _, tail = host.rpartition(".")
        labels = (head or host).split(".")
        # short labels that are the public suffix with the last one ('co.uk', 'com.au') are
        # no labels of the name: without them, most such hosts stop here too
        while len(labels) > 1 and len(labels[-1]) <= 3 and is_public_suffix(f"{labels[-1]}.{tail}"):
            tail = f"{labels.pop()}.{tail}"
        body = ".".join(labels)
        index = self._index
        # the label before a short one that starts a public suffix ('amzone|co.jp|<x>') is
        # looked up with one edit more than the pieces vouch for (evidence.hosts.suffix_follows)
        for i in range(1, len(labels)):
            if len(labels[i]) <= 3 and any(is_public_suffix(".".join(labels[i:end]))
                                           for end in range(i + 1, min(i + 3, len(labels)) + 1)):
                if any(len(form) >= 3 and index.any_match(form, 1) for form in ascii_forms(labels[i - 1])):
                    return False
        joined = ascii_forms(body)
        kept = [label for label in labels if label not in IGNORED_SUBDOMAINS]
        if len(kept) < len(labels):
            joined |= ascii_forms("-".join(kept))
        if any(index.might_match(form) for form in joined):
            # Some piece of a key occurs (most hosts, with many brands): look closer, as the
            # scorer does. A key split by dots is then whole in the joined forms (each
            # prefix of the labels the scorer joins is a part of them); any other match is
            # inside one label, found by the lookups the scorer runs on it.
            if any(index.contains_any(form) for form in joined):
                return False
            for label in labels:
                if any(len(form) >= 3 and index.any_match(form) for form in ascii_forms(label)):
                    return False
        if self._unkeyed_in is not None and self._unkeyed_in(flat_ascii(body)):
            written = {label.translate(ASCII_FLAT) for label in labels}
            written |= {t.translate(ASCII_FLAT) for t in TOKEN_SPLIT_RE.split(body)}
            if not written.isdisjoint(self._unkeyed_official_labels):
                return False
        return True


# ---------------------------------------------------------------- the raw-record fast path

# A host that normalize_host leaves as it is: lower-case letter-digit-hyphen labels of DNS's
# lengths, no empty one, no trailing dot (and no 'xn--', checked apart: punycode is decoded;
# the whole name's length too).
_PLAIN_HOST_RE = re.compile(rf"[a-z0-9-]{{1,{MAX_LABEL_LENGTH}}}(?:\.[a-z0-9-]{{1,{MAX_LABEL_LENGTH}}})*")
# The fields of a candidate other than kind, id and domain: any of them set sends the record
# the full way (a URL is scored on its path too; a wrong type is the full path's error).
_OTHER_FIELDS = tuple(name for name in (*_TEXT_FIELDS, *_FLAG_FIELDS, *_COUNT_FIELDS) if name != "domain")
_PLAIN_KEYS = frozenset({"id", "kind", "domain"})


def no_resemblance(ident: Any) -> Score:
    """The verdict on a candidate that resembles no brand."""
    return Score(ident, None, 0, UNRELATED, [NO_RESEMBLANCE.en], [NO_RESEMBLANCE.lo])


@functools.lru_cache(maxsize=1)
def _unrelated_tail() -> str:
    """The full path's answer for a host with no resemblance, after its id: from the same
    Score and the same json.dumps, so the two cannot drift apart."""
    whole = json.dumps(no_resemblance(0).to_dict(), ensure_ascii=False)
    head = '{"id": 0, '
    assert whole.startswith(head), whole  # to_dict puts the id first
    return whole[len(head) - 2:]


def unrelated_line(scorer: PlainlyUnrelated, record: Any) -> str | None:
    """The output line of ``monitor score`` for a decoded record when it is surely
    unrelated, else None (then the record goes the full way: candidate_from_dict, score)."""
    if type(record) is not dict or record.get("kind") != "domain":
        return None
    host = record.get("domain")
    if type(host) is not str or len(host) > MAX_HOST_LENGTH or not _PLAIN_HOST_RE.fullmatch(host) or "xn--" in host:
        return None
    if not _PLAIN_KEYS.issuperset(record) and any(record.get(name) is not None for name in _OTHER_FIELDS):
        return None
    ident = record.get("id")
    if isinstance(ident, (dict, list)) or not scorer.plainly_unrelated(host):
        return None
    written = str(ident) if type(ident) is int else json.dumps(ident, ensure_ascii=False)
    return '{"id": ' + written + _unrelated_tail()
