# ruff: noqa  (a frozen copy of the old scorer, for the speed comparison only)
# The scorer as it stood before detection v2 (commit 7280980), kept only for the side-by-side speed
# comparison in bench/score_bench.py. Not used by the project.
"""The impersonation scorer: a pure function of (candidate, registry, rules).

The score is a sum of named, explainable signals whose weights come from the rules
(monitor/detection/data/scoring_rules.yaml). Per brand, the strongest *identity* signal (a domain,
handle, display name or title that resembles the brand) sets the base; a second kind of
identity signal corroborates it; modifiers (lures, "official" claims, fan-page and
scam-warning context, lure words in the host) move it only when there is an identity
signal. The brand with the highest total wins; every signal leaves a sentence in
``reasons`` that a brand owner can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from monitor.detection.domains import HostParts, InvalidHost, host_of_url, normalize_host, split_host, under
from monitor.detection.models import Candidate, Score
from monitor.detection.normalize import (
    clean_text,
    condense,
    find_on_boundary,
    fold,
    has_lao,
    skeleton,
    words,
)
from monitor.detection.identity import account_ref
from monitor.detection.platforms import AccountRef, parse_account_url, platform_of_host
from monitor.registry import Brand, Registry
from monitor.detection.rules import Rules

_SEPARATORS_RE = re.compile(r"[._\-]+")
_IGNORED_SUBDOMAINS = {"www", "m", "mobile", "web", "en", "lo", "la"}


@dataclass(frozen=True, slots=True)
class _Key:
    """A condensed brand string that a domain label or handle may imitate."""

    text: str  # skeleton, no separators: 'laoairlines'
    kind: str  # 'domain' (official label), 'handle' (official handle) or 'name' (name/alias)
    shown: str  # as the owner knows it: 'laoairlines', 'Lao Airlines'
    suffix: str = ""  # official suffix for domain keys ('com')
    platform: str = ""  # for handle keys

    @property
    def plain(self) -> str:
        """As written, lower-case, without separators: what a lookalike is compared to in reasons."""
        return _plain(self.shown)


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A brand name or alias to find in display names, titles and text."""

    shown: str
    words: tuple[str, ...]  # folded words (Latin) or the whole folded Lao string
    skeleton: str  # condensed skeleton, for lookalike display names
    lao: bool


@dataclass(slots=True)
class _BrandIndex:
    brand: Brand
    hosts: frozenset[str]
    accounts: frozenset[tuple[str, str]]
    page_ids: frozenset[tuple[str, str]]
    allow_hosts: frozenset[str]
    allow_accounts: frozenset[tuple[str, str]]
    keys: list[_Key]
    phrases: list[_Phrase]
    keywords: tuple[str, ...]


@dataclass(slots=True)
class _Signals:
    identity: list[tuple[int, str, str]] = field(default_factory=list)  # (weight, group, reason)
    modifiers: list[tuple[int, str]] = field(default_factory=list)  # (weight, reason)

    def best(self) -> int:
        return max((w for w, _, _ in self.identity), default=0)


def _describe_edits(source: str, target: str) -> str:
    """"'í' for 'i'", "'z' added", "'s' left out": how source differs from target."""
    parts = []
    for op in Levenshtein.editops(target, source):
        if op.tag == "replace":
            parts.append(f"'{source[op.dest_pos]}' for '{target[op.src_pos]}'")
        elif op.tag == "insert":
            parts.append(f"'{source[op.dest_pos]}' added")
        elif op.tag == "delete":
            parts.append(f"'{target[op.src_pos]}' left out")
    if len(parts) > 3:
        parts = parts[:3] + ["..."]
    return ", ".join(parts)


def _plain(text: str) -> str:
    return _SEPARATORS_RE.sub("", clean_text(text).lower().replace(" ", ""))


def _extras(text: str, key: str) -> str:
    """What text adds around key: ('laoairlinesdeal', 'laoairlines') -> 'deal'."""
    before, _, after = text.partition(key)
    return " ".join(p for p in (before.strip("-._ "), after.strip("-._ ")) if p)


class Scorer:
    """Prepared once per registry and rules; ``score`` is then a pure function of a candidate."""

    def __init__(self, registry: Registry, rules: Rules):
        self.registry = registry
        self.rules = rules
        self.brands = [self._index(brand) for brand in registry.brands]
        self._official_hosts = {h: i for i, b in enumerate(self.brands) for h in b.hosts}
        self._allow_hosts = {h: i for i, b in enumerate(self.brands) for h in b.allow_hosts}
        self._keys: list[tuple[int, _Key]] = [(i, k) for i, b in enumerate(self.brands) for k in b.keys]
        self._key_texts = [k.text for _, k in self._keys]
        self._key_by_text: dict[str, tuple[int, _Key]] = {}
        for entry in self._keys:  # the first brand to claim a text keeps it, as in _key_texts order
            self._key_by_text.setdefault(entry[1].text, entry)
        self._contains_re = re.compile("|".join(sorted({re.escape(t) for t in self._key_texts}, key=len, reverse=True)))
        self._trigrams = [self._grams(t) for t in self._key_texts]
        # One edit inside a long key leaves one of its halves intact (pigeonhole): a text that
        # contains neither half of any long key cannot hold a one-edit typo of it.
        halves = {piece for t in self._key_texts if len(t) >= rules.fuzzy_contains_min_length
                  for piece in (t[: (len(t) - 1) // 2], t[-((len(t) - 1) // 2):])}
        self._halves_re = re.compile("|".join(sorted(map(re.escape, halves)))) if halves else None
        self._lures = self._phrase_matcher(rules.lures)
        self._claims = self._phrase_matcher(rules.official_claims)
        self._commentary = self._phrase_matcher(rules.commentary)
        self._warnings = self._phrase_matcher(rules.warning_context)
        self._domain_lures = frozenset(rules.domain_lure_words)
        self._shared_hosting = frozenset(rules.shared_hosting)
        self._min_key = rules.min_key_length

    # ---------------------------------------------------------------- preparation

    def _index(self, brand: Brand) -> _BrandIndex:
        keys: dict[str, _Key] = {}

        def add(key: _Key) -> None:
            if len(key.text) >= self.rules.min_key_length and key.text not in keys:
                keys[key.text] = key

        for domain in brand.official.domains:
            parts = split_host(domain)
            add(_Key(condense(parts.label), "domain", parts.label, suffix=parts.suffix))
        for account in brand.official.accounts:
            if account.handle:
                add(_Key(condense(account.handle), "handle", account.handle, platform=account.platform))
        phrases = []
        for name in (brand.name, *brand.aliases):
            add(_Key(condense(name), "name", name))
            lao = has_lao(name)
            phrase_words = (fold(name).replace(" ", ""),) if lao else tuple(words(name))
            phrases.append(_Phrase(name, phrase_words, condense(name), lao))
        return _BrandIndex(
            brand=brand,
            hosts=frozenset(brand.official.domains),
            accounts=frozenset((a.platform, a.handle) for a in brand.official.accounts if a.handle),
            page_ids=frozenset((a.platform, a.page_id) for a in brand.official.accounts if a.page_id),
            allow_hosts=frozenset(brand.allow.domains),
            allow_accounts=frozenset((a.platform, a.handle) for a in brand.allow.accounts if a.handle),
            keys=list(keys.values()),
            phrases=phrases,
            keywords=tuple(fold(k) for k in brand.keywords),
        )

    @staticmethod
    def _grams(text: str) -> frozenset[str]:
        return frozenset(text[i:i + 3] for i in range(len(text) - 2))

    @staticmethod
    def _phrase_matcher(phrases: tuple[str, ...]) -> re.Pattern[str]:
        """One regex for a word list: Latin phrases on word boundaries, Lao as substrings."""
        parts = []
        for phrase in sorted({fold(p) for p in phrases}, key=len, reverse=True):
            escaped = re.escape(phrase).replace(r"\ ", r"[\s\-_]+")
            parts.append(escaped if has_lao(phrase) else rf"(?<![\w]){escaped}(?![\w])")
        return re.compile("|".join(parts) or r"(?!x)x")

    # ---------------------------------------------------------------- helpers for collectors

    def search_terms(self, brand_id: str) -> list[str]:
        """Latin brand strings a source can search for: official labels, handles, names
        ('laoairlines', 'laotel', 'laotelecom')."""
        index = self._index_of(brand_id)
        terms = [k.plain for k in self.brands[index].keys if k.plain.isascii() and k.plain.isalnum()]
        return list(dict.fromkeys(terms))

    def _index_of(self, brand_id: str) -> int:
        for index, brand in enumerate(self.brands):
            if brand.brand.id == brand_id:
                return index
        raise KeyError(brand_id)

    def might_resemble(self, text: str) -> bool:
        """Cheap prefilter for long feeds: could this host or URL involve any brand? False
        only when no brand key (nor half of a long one) is contained in it and the whole is
        not within edit distance of a key; what passes is scored in full."""
        if not text.isascii() or "xn--" in text:
            return True
        text = text.split("://", 1)[-1]
        host, slash, path = text.partition("/")
        cond = condense(host.rsplit(".", 1)[0] + slash + path)  # the TLD is never a brand
        if self._contains_re.search(cond):
            return True
        if self._halves_re is not None and self._halves_re.search(cond):
            return True
        match = process.extractOne(cond, self._key_texts, scorer=OSA.distance, score_cutoff=2)
        return match is not None and match[1] <= self.rules.allowed_distance(len(match[0]))

    # ---------------------------------------------------------------- entry point

    def score(self, candidate: Candidate) -> Score:
        if candidate.kind == "domain":
            return self._score_domain(candidate)
        if candidate.kind == "account":
            return self._score_account(candidate)
        return self._score_page(candidate)

    def _verdict(self, candidate: Candidate, signals: dict[int, _Signals], base_reasons: list[str]) -> Score:
        best_brand, best_total, best_reasons = None, 0, []
        for index, sig in signals.items():
            base = sig.best()
            if base <= 0:
                continue
            reasons = [r for _, _, r in sorted(sig.identity, key=lambda s: -s[0])]
            total = base
            # Two different kinds of evidence corroborate each other only when both are
            # substantial (a handle and a display name), not a title and a URL path.
            strong_groups = {g for w, g, _ in sig.identity if w >= self.rules.corroboration_min_weight}
            if len(strong_groups) >= 2:
                total += self.rules.weights.corroboration
            for weight, reason in sig.modifiers:
                total += weight
                reasons.append(reason)
            total = max(0, min(100, total))
            if total > best_total:
                best_brand, best_total, best_reasons = index, total, reasons
        thresholds = self.rules.thresholds
        if best_brand is None or best_total < thresholds.suspicious:
            verdict = "unrelated"
        elif best_total >= thresholds.impersonation:
            verdict = "impersonation"
        else:
            verdict = "suspicious"
        reasons = base_reasons + best_reasons
        if not reasons:
            reasons = ["no resemblance to a protected brand"]
        brand_id = self.brands[best_brand].brand.id if best_brand is not None and verdict != "unrelated" else None
        return Score(candidate.id, brand_id, best_total if best_brand is not None else 0, verdict, reasons)

    def _official(self, candidate: Candidate, index: int, what: str) -> Score:
        brand = self.brands[index].brand
        return Score(candidate.id, brand.id, 0, "official", [f"{what} is an official identity of {brand.name}"])

    def _allowed(self, candidate: Candidate, index: int, what: str) -> Score:
        brand = self.brands[index].brand
        return Score(candidate.id, None, 0, "unrelated", [f"{what} is on the allow list of {brand.name}"])

    def _lookup_host(self, table: dict[str, int], host: str) -> int | None:
        probe = host
        while True:
            if probe in table:
                return table[probe]
            _, dot, probe = probe.partition(".")
            if not dot:
                return None

    # ---------------------------------------------------------------- domains

    def _score_domain(self, candidate: Candidate) -> Score:
        raw = candidate.domain or host_of_url(candidate.url or "") or ""
        try:
            host = normalize_host(raw)
        except InvalidHost as exc:
            return Score(candidate.id, None, 0, "unrelated", [f"domain {raw!r}: {exc}"])
        official = self._lookup_host(self._official_hosts, host)
        if official is not None:
            return self._official(candidate, official, f"domain '{host}'")
        allowed = self._lookup_host(self._allow_hosts, host)
        if allowed is not None:
            return self._allowed(candidate, allowed, f"domain '{host}'")
        signals: dict[int, _Signals] = {}
        self._host_signals(host, signals)
        if candidate.url:
            self._path_signals(candidate.url, signals)
        return self._verdict(candidate, signals, [])

    def _host_signals(self, host: str, signals: dict[int, _Signals]) -> None:
        parts = split_host(host)
        registrable = parts.registrable
        label_raw = parts.label
        subdomain = parts.subdomain
        # On shared hosting the subdomain is the identity ('laoairlines.blogspot.com').
        shared = registrable if registrable in self._shared_hosting else None
        if shared is None and subdomain:
            for shared_host in self._shared_hosting:
                if under(host, shared_host) and host != shared_host:
                    shared = shared_host
                    break
        if shared and subdomain:
            sub_labels = host[: -len(shared) - 1].split(".")
            label_raw = sub_labels[-1]
            subdomain = ".".join(sub_labels[:-1])
        label = condense(label_raw)
        where = f"domain '{host}'"
        found = self._label_signals(label, label_raw, parts, where, "domain", signals, shared)
        if subdomain:
            found |= self._subdomain_signals(host, subdomain, label, parts, signals)
        if found:
            tokens = set(_SEPARATORS_RE.split(fold(host.rsplit(".", 1)[0])))
            lures = sorted(tokens & self._domain_lures)[:2]
            for index in found:
                for word in lures:
                    signals[index].modifiers.append(
                        (self.rules.weights.lure_in_domain, f"the host name contains the lure word '{word}'"))

    def _label_signals(self, label: str, label_raw: str, parts: HostParts, where: str, group: str,
                       signals: dict[int, _Signals], shared: str | None = None) -> set[int]:
        """Compare a condensed label (domain label or handle) with every brand key."""
        weights = self.rules.weights
        found: set[int] = set()
        if len(label) < 3:
            return found
        on_shared = f" on the shared host '{shared}'" if shared else ""

        def add(index: int, weight: int, reason: str) -> None:
            signals.setdefault(index, _Signals()).identity.append((weight, group, reason))
            found.add(index)

        # 1. the whole label equals or is a few edits from a brand key
        match = process.extractOne(label, self._key_texts, scorer=OSA.distance, score_cutoff=2)
        if match is not None:
            key_text, distance, position = match
            index, key = self._keys[position]
            plain = _plain(label_raw)
            brand = self.brands[index].brand.name
            if distance == 0:
                if key.kind == "domain" and plain != key.plain:
                    add(index, weights.domain_homoglyph,
                        f"{where}{on_shared} is the official name '{key.shown}' of {brand} with "
                        f"{_describe_edits(plain, key.plain)}")
                elif key.kind == "domain" and "-" in label_raw:
                    add(index, weights.domain_typo,
                        f"{where}{on_shared} is the official name '{key.shown}' of {brand} with hyphens added")
                elif key.kind == "domain" and not shared and parts.suffix != key.suffix:
                    add(index, weights.domain_other_tld,
                        f"{where} is the official name '{key.shown}' of {brand} under '.{parts.suffix}' "
                        f"instead of '.{key.suffix}'")
                elif key.kind == "domain":
                    add(index, weights.domain_brand_in_subdomain,
                        f"{where}{on_shared} uses the official name '{key.shown}' of {brand}")
                else:
                    source = "official handle" if key.kind == "handle" else "name"
                    add(index, weights.domain_name_match,
                        f"{where}{on_shared} is the {source} '{key.shown}' of {brand}")
                return found
            if distance == 1 and self.rules.allowed_distance(len(key_text)) >= 1:
                add(index, weights.domain_typo,
                    f"{where}{on_shared} is one edit away from '{key.shown}' of {brand} "
                    f"({_describe_edits(plain, key.plain)})")
                return found
        # 2. a brand key plus other words
        contained = self._contains_re.search(label)
        if contained is not None:
            key_text = contained.group(0)
            index, key = self._key_by_text[key_text]
            plain = _plain(label_raw)
            extra = _extras(plain, key.plain) if key.plain in plain else _extras(label, key_text)
            brand = self.brands[index].brand.name
            source = {"domain": "official name", "handle": "official handle", "name": "name"}[key.kind]
            add(index, weights.domain_brand_plus_words,
                f"{where}{on_shared} adds '{extra}' to the {source} '{key.shown}' of {brand}")
            return found
        if match is not None and 0 < match[1] <= self.rules.allowed_distance(len(match[0])):
            index, key = self._keys[match[2]]
            add(index, weights.domain_typo_far,
                f"{where}{on_shared} is {match[1]} edits away from '{key.shown}' of "
                f"{self.brands[index].brand.name} ({_describe_edits(_plain(label_raw), key.plain)})")
            return found
        # 3. a typo of a long brand key plus other words ('laoairlinez-deal')
        fuzzy = self._typo_inside(label)
        if fuzzy is not None:
            position, window = fuzzy
            index, key = self._keys[position]
            plain = _plain(label_raw)
            shown = self._fuzzy_window(plain, key.plain) or window
            add(index, weights.domain_typo_plus_words,
                f"{where}{on_shared} contains '{shown}', one edit from '{key.shown}' of "
                f"{self.brands[index].brand.name}, plus '{_extras(plain, shown) if shown in plain else _extras(label, window)}'")
        return found

    def _typo_inside(self, label: str) -> tuple[int, str] | None:
        """(key position, window) when label holds a one-edit typo of a long brand key
        among other characters."""
        if len(label) <= self.rules.fuzzy_contains_min_length:
            return None
        grams = self._grams(label)
        for position, key_grams in enumerate(self._trigrams):
            key_text = self._key_texts[position]
            if len(key_text) < self.rules.fuzzy_contains_min_length or len(label) <= len(key_text):
                continue
            if len(key_grams & grams) < len(key_grams) - 3:  # one edit breaks at most 3 trigrams
                continue
            window = self._fuzzy_window(label, key_text)
            if window is not None:
                return position, window
        return None

    @staticmethod
    def _fuzzy_window(text: str, key: str) -> str | None:
        for size in (len(key), len(key) - 1, len(key) + 1):
            for start in range(0, len(text) - size + 1):
                window = text[start:start + size]
                if Levenshtein.distance(window, key, score_cutoff=1) <= 1:
                    return window
        return None

    def _subdomain_signals(self, host: str, subdomain: str, label: str, parts: HostParts,
                           signals: dict[int, _Signals]) -> set[int]:
        weights = self.rules.weights
        found: set[int] = set()
        labels = [s for s in subdomain.split(".") if s and s not in _IGNORED_SUBDOMAINS]
        if not labels:
            return found
        sub_text = ".".join(labels)
        # the full official domain in front of an unrelated one
        for index, brand in enumerate(self.brands):
            for official in brand.hosts:
                if sub_text == official or sub_text.endswith("." + official) or f".{official}." in f".{sub_text}.":
                    signals.setdefault(index, _Signals()).identity.append(
                        (weights.domain_official_in_subdomain, "domain",
                         f"domain '{host}' puts the official domain '{official}' of {brand.brand.name} in front "
                         f"of the unrelated domain '{parts.registrable}'"))
                    found.add(index)
        if found:
            return found
        # a brand key split by a dot: 'lao.airlines.com'
        joined = condense(subdomain) + label
        match = process.extractOne(joined, self._key_texts, scorer=OSA.distance, score_cutoff=1)
        if match is not None and len(labels) <= 2:
            index, key = self._keys[match[2]]
            signals.setdefault(index, _Signals()).identity.append(
                (weights.domain_split, "domain",
                 f"domain '{host}' spells '{key.shown}' of {self.brands[index].brand.name} across a dot"))
            found.add(index)
            return found
        # a brand key as a subdomain of something else
        for sub in labels:
            cond = condense(sub)
            contained = self._contains_re.search(cond)
            distance_match = process.extractOne(cond, self._key_texts, scorer=OSA.distance, score_cutoff=1)
            key_text = contained.group(0) if contained else (distance_match[0] if distance_match else None)
            if key_text is None:
                continue
            index, key = self._key_by_text[key_text]
            signals.setdefault(index, _Signals()).identity.append(
                (weights.domain_brand_in_subdomain, "domain",
                 f"domain '{host}' puts '{key.shown}' of {self.brands[index].brand.name} in a subdomain of "
                 f"the unrelated domain '{parts.registrable}'"))
            found.add(index)
            break
        return found

    def _path_signals(self, url: str, signals: dict[int, _Signals]) -> None:
        try:
            path = unquote(urlsplit(url).path)
        except ValueError:
            return
        cond = condense(path)
        if len(cond) < self._min_key:
            return
        contained = self._contains_re.search(cond)
        if contained is None:
            return
        index, key = self._key_by_text[contained.group(0)]
        signals.setdefault(index, _Signals()).identity.append(
            (self.rules.weights.brand_in_path, "path",
             f"the URL path names '{key.shown}' of {self.brands[index].brand.name} on an unrelated host"))

    # ---------------------------------------------------------------- accounts

    def _score_account(self, candidate: Candidate) -> Score:
        ref = account_ref(candidate)
        shown = f"{ref.platform or 'account'} '{ref.handle or ref.page_id or candidate.name}'"
        for index, brand in enumerate(self.brands):
            if ref.handle and (ref.platform, ref.handle) in brand.accounts:
                return self._official(candidate, index, f"{ref.platform} account '{ref.handle}'")
            if ref.page_id and (ref.platform, ref.page_id) in brand.page_ids:
                return self._official(candidate, index, f"{ref.platform} page id {ref.page_id}")
            if ref.handle and (ref.platform, ref.handle) in brand.allow_accounts:
                return self._allowed(candidate, index, shown)
        signals: dict[int, _Signals] = {}
        if ref.handle and not ref.handle.isdigit():
            self._handle_signals(ref, signals)
        if candidate.name:
            self._name_signals(candidate.name, "display name", signals, exact_weight=self.rules.weights.name_exact)
        text = " ".join(t for t in (candidate.handle or ref.handle or "", candidate.name or "", candidate.bio or "") if t)
        self._context_modifiers(text, candidate.name or "", signals, page=False)
        return self._verdict(candidate, signals, [])

    def _handle_signals(self, ref: AccountRef, signals: dict[int, _Signals]) -> None:
        weights = self.rules.weights
        handle = ref.handle or ""
        label = condense(handle)
        where = f"{ref.platform} handle '{handle}'"
        found: set[int] = set()

        def add(index: int, weight: int, reason: str) -> None:
            signals.setdefault(index, _Signals()).identity.append((weight, "handle", reason))
            found.add(index)

        match = process.extractOne(label, self._key_texts, scorer=OSA.distance, score_cutoff=2)
        if match is not None:
            key_text, distance, position = match
            index, key = self._keys[position]
            brand = self.brands[index].brand
            plain = _plain(handle)
            official = self._official_handle_for(index, key)
            if distance == 0:
                if official is None:
                    add(index, weights.handle_is_brand_name, f"{where} is the name '{key.shown}' of {brand.name}")
                elif plain != _plain(official):
                    add(index, weights.handle_homoglyph,
                        f"{where} is the official handle '{official}' of {brand.name} with "
                        f"{_describe_edits(plain, _plain(official))}")
                else:
                    platforms = self._platforms_of(index, official)
                    elsewhere = "" if ref.platform in platforms else \
                        f"; {brand.name} has no registered {ref.platform or 'such'} account"
                    if handle != official:
                        add(index, weights.handle_copies_official,
                            f"{where} is the official {'/'.join(platforms)} handle '{official}' of {brand.name} "
                            f"with {_describe_edits(handle, official)}{elsewhere}")
                    else:
                        add(index, weights.handle_copies_official,
                            f"{where} copies the official {'/'.join(platforms)} handle of {brand.name}{elsewhere}")
                return
            if distance <= self.rules.allowed_distance(len(key_text)):
                add(index, weights.handle_typo,
                    f"{where} is {'one edit' if distance == 1 else f'{distance} edits'} away from "
                    f"'{key.shown}' of {brand.name} ({_describe_edits(plain, key.plain)})")
                return
        contained = self._contains_re.search(label)
        if contained is not None:
            index, key = self._key_by_text[contained.group(0)]
            brand = self.brands[index].brand
            official = self._official_handle_for(index, key)
            if official and official in handle:
                extra = _extras(handle, official)
                add(index, weights.handle_brand_plus_words,
                    f"{where} adds '{extra}' to the official handle '{official}' of {brand.name}")
            else:
                add(index, weights.handle_brand_plus_words,
                    f"{where} adds '{_extras(_plain(handle), key.plain) if key.plain in _plain(handle) else _extras(label, key.text)}' "
                    f"to '{key.shown}' of {brand.name}")
            return
        fuzzy = self._typo_inside(label)
        if fuzzy is not None:
            position, window = fuzzy
            index, key = self._keys[position]
            window = self._fuzzy_window(_plain(handle), key.plain) or window
            add(index, weights.handle_typo_plus_words,
                f"{where} contains '{window}', one edit from '{key.shown}' of {self.brands[index].brand.name}")

    def _official_handle_for(self, index: int, key: _Key) -> str | None:
        """The official handle a key stands for (handles and domain labels double as handles)."""
        for platform, handle in sorted(self.brands[index].accounts):
            if condense(handle) == key.text:
                return handle
        return None

    def _platforms_of(self, index: int, handle: str) -> list[str]:
        return sorted(p for p, h in self.brands[index].accounts if h == handle)

    def _name_signals(self, name: str, what: str, signals: dict[int, _Signals], exact_weight: int,
                      contains_weight: int | None = None, group: str = "name") -> None:
        """The brand's name or an alias in a display name or title."""
        weights = self.rules.weights
        contains_weight = weights.name_contains if contains_weight is None else contains_weight
        name_words = words(name)
        name_fold = fold(name)
        name_fold_compact = name_fold.replace(" ", "")
        name_skeleton = condense(name)
        for index, brand in enumerate(self.brands):
            best: tuple[int, str] | None = None
            for phrase in brand.phrases:
                if phrase.lao:
                    target = phrase.words[0]
                    if name_fold_compact == target:
                        hit = (exact_weight, f"{what} '{name}' is the name '{phrase.shown}' of {brand.brand.name}")
                    elif find_on_boundary(name_fold_compact, target) >= 0:
                        hit = (contains_weight, f"{what} '{name}' contains the name '{phrase.shown}' of "
                                                f"{brand.brand.name}")
                    else:
                        continue
                else:
                    size = len(phrase.words)
                    spans = [i for i in range(len(name_words) - size + 1) if tuple(name_words[i:i + size]) == phrase.words]
                    if spans and len(name_words) == size:
                        hit = (exact_weight, f"{what} '{name}' is the name '{phrase.shown}' of {brand.brand.name}")
                    elif spans:
                        extra = " ".join(w for i, w in enumerate(name_words) if not spans[0] <= i < spans[0] + size)
                        hit = (contains_weight, f"{what} '{name}' contains the name '{phrase.shown}' of "
                                                f"{brand.brand.name} plus '{extra}'")
                    elif name_skeleton == phrase.skeleton:
                        hit = (weights.name_lookalike, f"{what} '{name}' is the name '{phrase.shown}' of "
                                                       f"{brand.brand.name} written with lookalike characters")
                    elif len(phrase.skeleton) >= 8 and abs(len(name_skeleton) - len(phrase.skeleton)) <= 1 and \
                            Levenshtein.distance(name_skeleton, phrase.skeleton, score_cutoff=1) <= 1:
                        hit = (weights.name_lookalike, f"{what} '{name}' is one letter away from the name "
                                                       f"'{phrase.shown}' of {brand.brand.name}")
                    else:
                        continue
                if best is None or hit[0] > best[0]:
                    best = hit
            if best is not None:
                signals.setdefault(index, _Signals()).identity.append((best[0], group, best[1]))

    def _context_modifiers(self, text: str, shown_name: str, signals: dict[int, _Signals], page: bool) -> None:
        """Lures, official claims, fan-page and scam-warning context; only where a brand matched.

        ``shown_name`` is what a visitor reads first (display name, page title): a fan or
        review page says so there, whereas an impersonator's name is just the brand's.
        """
        if not signals:
            return
        weights = self.rules.weights
        folded = fold(text)
        lures = sorted({m.group(0) for m in self._lures.finditer(folded)})
        claims = sorted({m.group(0) for m in self._claims.finditer(folded)})
        # A report about a scam names the lures it warns of; one that also claims to be the
        # real page is a scam using the warning as cover.
        warnings = sorted({m.group(0) for m in self._warnings.finditer(folded)}) if page and not claims else []
        commentary = sorted({m.group(0) for m in self._commentary.finditer(fold(shown_name))})
        for index, sig in signals.items():
            if sig.best() <= 0:
                continue
            brand_lures = [k for k in self.brands[index].keywords if k in folded and k not in lures]
            found_lures = [] if warnings else (lures + brand_lures)[: weights.max_lures]
            for lure in found_lures:
                sig.modifiers.append((weights.lure, f"lure: '{lure}'"))
            if claims:
                sig.modifiers.append((weights.claims_official, f"calls itself '{claims[0]}' without being so"))
            if commentary and not found_lures and not claims:
                sig.modifiers.append((weights.commentary, f"presents itself as commentary or a fan page "
                                                          f"('{commentary[0]}') and asks for nothing"))
            if warnings:
                sig.modifiers.append((weights.warning_context, f"reads as a warning or report about scams "
                                                               f"('{warnings[0]}')"))

    # ---------------------------------------------------------------- pages

    def _score_page(self, candidate: Candidate) -> Score:
        host_raw = host_of_url(candidate.url) if candidate.url else None
        host = None
        if host_raw:
            try:
                host = normalize_host(host_raw)
            except InvalidHost:
                host = None
        if host:
            official = self._lookup_host(self._official_hosts, host)
            if official is not None:
                return self._official(candidate, official, f"page on '{host}'")
            allowed = self._lookup_host(self._allow_hosts, host)
            if allowed is not None:
                return self._allowed(candidate, allowed, f"page on '{host}'")
            if platform_of_host(host) and parse_account_url(candidate.url or ""):
                as_account = Candidate(kind="account", id=candidate.id, url=candidate.url, name=candidate.title,
                                       bio=candidate.text)
                return self._score_account(as_account)
        signals: dict[int, _Signals] = {}
        if host:
            self._host_signals(host, signals)
            self._path_signals(candidate.url or "", signals)
        weights = self.rules.weights
        if candidate.title:
            self._name_signals(candidate.title, "page title", signals, exact_weight=weights.title_mentions_brand,
                               contains_weight=weights.title_mentions_brand, group="content")
        if candidate.text:
            self._name_signals(candidate.text[:5000], "page text", signals, exact_weight=weights.text_mentions_brand,
                               contains_weight=weights.text_mentions_brand, group="content")
            for sig in signals.values():  # title and text are one kind of evidence: keep the stronger
                content = [s for s in sig.identity if s[1] == "content"]
                if len(content) > 1:
                    weakest = min(content, key=lambda s: s[0])
                    sig.identity.remove(weakest)
        text = " ".join(t for t in (candidate.title, (candidate.text or "")[:5000]) if t)
        self._context_modifiers(text, candidate.title or "", signals, page=True)
        self._form_modifiers(candidate, signals)
        return self._verdict(candidate, signals, [])

    def _form_modifiers(self, candidate: Candidate, signals: dict[int, _Signals]) -> None:
        """What the fetched page asks for (set by page enrichment)."""
        weights = self.rules.weights
        for sig in signals.values():
            if sig.best() <= 0:
                continue
            if candidate.has_password_form:
                sig.modifiers.append((weights.password_form, "the page asks for a password"))
            if candidate.has_card_form:
                sig.modifiers.append((weights.card_form, "the page asks for a payment card number"))
            if candidate.official_links:
                sig.modifiers.append((weights.links_to_official,
                                      f"the page links to the official site {candidate.official_links} times"))
