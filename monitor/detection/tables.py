"""The registry prepared for matching, once per registry and rules: every brand's keys in
one index (monitor.detection.index), its official and allowed hosts and accounts, its names
as phrases for display names and titles, and the rules' word lists as matchers. What every
evidence function reads; never changed after construction but for the label cache."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.detection.domains import split_host
from monitor.detection.index import Key, KeyIndex
from monitor.detection.labels import Label, Match, plain_text
from monitor.detection.normalize import condense, flat, fold, has_lao, words
from monitor.detection.prefilter import NO_SEPARATORS, HostPrefilter
from monitor.detection.rules import Rules
from monitor.registry import Brand, Registry


@dataclass(frozen=True, slots=True)
class Phrase:
    """A brand name or alias to find in display names, titles and text."""

    shown: str
    words: tuple[str, ...]  # folded words (Latin) or the whole folded Lao string
    skeleton: str  # condensed skeleton, for lookalike display names
    lao: bool


@dataclass(slots=True)
class BrandInfo:
    brand: Brand
    accounts: frozenset[tuple[str, str]]
    keys: list[Key]
    phrases: list[Phrase]
    keywords: tuple[str, ...]


def phrase_matcher(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a word list: Latin phrases on word boundaries, Lao as substrings."""
    parts = []
    for phrase in sorted({fold(p) for p in phrases}, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"[\s\-_]+")
        parts.append(escaped if has_lao(phrase) else rf"(?<![\w]){escaped}(?![\w])")
    return re.compile("|".join(parts) or r"(?!x)x")


class BrandTables:
    """The registry and rules prepared for matching."""

    def __init__(self, registry: Registry, rules: Rules):
        self.registry = registry
        self.rules = rules
        self.brands: list[BrandInfo] = []
        self.index = KeyIndex(rules.allowed_distance, inside_min_length=rules.typo_inside_min_length)
        self.label_cache: dict[tuple[str, int], tuple[Label, list[Match]]] = {}
        self.official_hosts: dict[str, int] = {}
        self.allow_hosts: dict[str, int] = {}
        self.accounts: dict[tuple[str, str], int] = {}
        self.page_ids: dict[tuple[str, str], int] = {}
        self.allow_accounts: dict[tuple[str, str], int] = {}
        self.official_by_label: dict[str, list[tuple[int, str, str]]] = {}  # flat label -> (brand, domain, suffix)
        self.by_id: dict[str, int] = {}
        self.phrase_first: dict[str, list[tuple[int, Phrase]]] = {}
        self.phrase_skeleton: dict[str, list[tuple[int, Phrase]]] = {}
        self.lao_phrases: list[tuple[int, Phrase]] = []
        self.name_index = KeyIndex(lambda n: 1 if n >= 8 else 0)
        for position, brand in enumerate(registry.brands):
            self._prepare(position, brand)
        self.lures = phrase_matcher(rules.lures)
        self.claims = phrase_matcher(rules.official_claims)
        self.commentary = phrase_matcher(rules.commentary)
        self.warnings = phrase_matcher(rules.warning_context)
        self.domain_lures = rules.lure_words
        self.technical = frozenset(rules.technical_words)
        self.shared_hosting = frozenset(rules.shared_hosting)
        self.min_key = rules.min_key_length
        # official labels ('ltc', 't-mo') with no key in the index: too short without separators
        self.prefilter = HostPrefilter(self.index, frozenset(
            label for label in self.official_by_label if len(label.translate(NO_SEPARATORS)) < rules.min_key_length))
        # hosts that are a brand's own or allowed, whatever they resemble (the fast path's one walk)
        self.listed_hosts = {**self.allow_hosts, **self.official_hosts}

    def _prepare(self, position: int, brand: Brand) -> None:
        keys: dict[str, Key] = {}

        def add(text: str, kind: str, shown: str, suffix: str = "", platform: str = "") -> None:
            form = flat(plain_text(shown))
            if len(form) >= self.rules.min_key_length and form not in keys:
                keys[form] = Key(form, kind, shown, plain_text(shown), position, suffix, platform)

        self.by_id[brand.id] = position
        for domain in brand.official.domains:
            self.official_hosts.setdefault(domain, position)
            parts = split_host(domain)
            add(parts.label, "domain", parts.label, suffix=parts.suffix)
            self.official_by_label.setdefault(flat(parts.label), []).append((position, domain, parts.suffix))
        for domain in brand.allow.domains:
            self.allow_hosts.setdefault(domain, position)
        for account in brand.official.accounts:
            if account.handle:
                self.accounts.setdefault((account.platform, account.handle), position)
                add(account.handle, "handle", account.handle, platform=account.platform)
            if account.page_id:
                self.page_ids.setdefault((account.platform, account.page_id), position)
        for account in brand.allow.accounts:
            if account.handle:
                self.allow_accounts.setdefault((account.platform, account.handle), position)
        phrases = []
        for name in (brand.name, *brand.aliases):
            add(name, "name", name)
            lao = has_lao(name)
            phrase_words = (fold(name).replace(" ", ""),) if lao else tuple(words(name))
            phrase = Phrase(name, phrase_words, condense(name), lao)
            phrases.append(phrase)
            if lao:
                self.lao_phrases.append((position, phrase))
            elif phrase_words:
                self.phrase_first.setdefault(phrase_words[0], []).append((position, phrase))
            self.phrase_skeleton.setdefault(phrase.skeleton, []).append((position, phrase))
            if not lao and len(phrase.skeleton) >= 8:
                self.name_index.add(Key(phrase.skeleton, "name", name, plain_text(name), position))
        info = BrandInfo(
            brand=brand,
            accounts=frozenset((a.platform, a.handle) for a in brand.official.accounts if a.handle),
            keys=list(keys.values()),
            phrases=phrases,
            keywords=tuple(fold(k) for k in brand.keywords),
        )
        self.brands.append(info)
        self.index.extend(info.keys)

    def index_of(self, brand_id: str) -> int:
        try:
            return self.by_id[brand_id]
        except KeyError:
            raise KeyError(brand_id) from None
