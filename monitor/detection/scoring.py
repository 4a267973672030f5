"""The impersonation scorer: a pure function of (candidate, registry, rules, fitted weights).

Evidence, then a verdict. Each signal is "match -> named feature + a sentence in the
owner's words" (in English and Lao, monitor.detection.reasons): per brand, *identity*
signals (a domain label, handle, display name or title that resembles the brand) and
*modifiers* (lure words by kind, "official" claims, fan-page and scam-warning context, what
a fetched page asks for). For a domain the verdict is calibrated (monitor.detection.verdict:
a logistic model over the features, fitted by bench/fit_weights.py, shown on the rules'
0-100 scale); accounts and pages keep the rules' hand-weighted total
(monitor/detection/data/scoring_rules.yaml: the strongest identity signal, a second kind of
identity signal corroborating it, the modifiers). Some identity signals can never make an
accusation on their own (a brand key inside another word, another name a few edits from the
brand): they cap the verdict at ``suspicious``. The most probable brand wins, the first in
the registry on a tie.

Brand keys are looked up in one index (monitor.detection.index), never brand by brand;
labels and handles are split into words (monitor.detection.segment) to tell the brand as a
word ('paypal-login', 'your|netflix|account') from a key inside another word
('hi|cloud|cam', 'lao|television'). Reasons quote what was compared, in the owner's spelling.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import tldextract
from rapidfuzz.distance import OSA, Levenshtein

from monitor.detection import segment
from monitor.detection.domains import MAX_HOST_LENGTH, InvalidHost, host_of_url, normalize_host, split_host
from monitor.detection.edits import (
    _doubled_letter,
    _edit_parts,
    _within,
    counted_edits,
    describe_edits,
    describe_edits_in_both,
    lookalike_spelling,
)
from monitor.detection.hostwalk import lookup_under, suffix_under
from monitor.detection.identity import account_ref
from monitor.detection.index import Hit, Key, KeyIndex
from monitor.detection.lexicon import ordinary_word, proper_noun
from monitor.detection.models import IMPERSONATION, OFFICIAL, SUSPICIOUS, UNRELATED, Candidate, Score
from monitor.detection.names import (
    _LONG_KEY,
    distinctive_part_changed,
    handle_edit_changes_name,
    ordinary_key,
    weak_key,
)
from monitor.detection.normalize import (
    ASCII_FLAT as _ASCII_FLAT,
)
from monitor.detection.normalize import (
    clean_text,
    condense,
    find_on_boundary,
    flat,
    flat_with_offsets,
    fold,
    has_lao,
    lao_boundary_ok,
    read_sequences,
    sequences_with_offsets,
    words,
)
from monitor.detection.platforms import AccountRef, parse_account_url, platform_of_host
from monitor.detection.prefilter import (
    IGNORED_SUBDOMAINS,
    NO_SEPARATORS,
    TOKEN_SPLIT_RE,
    HostPrefilter,
    ascii_forms,
    is_public_suffix,
    no_resemblance,
)
from monitor.detection.reasons import (
    NO_RESEMBLANCE,
    NOT_ENOUGH_ALONE,
    SOURCE_LO,
    WHAT_LO,
    WHOLE_NAME_LOOKALIKE,
    Reason,
    split,
)
from monitor.detection.rules import Rules
from monitor.detection.verdict import (
    DomainModel,
    disguised_word,
    domain_features,
    extra_kind,
    load_model,
    suffix_kind,
)
from monitor.registry import Brand, Registry

_SEPARATORS_RE = re.compile(r"[._\-]+")

# Host signals that are a lookalike of the whole official name (at least `suspicious`)
_WHOLE_NAME_LOOKALIKES = frozenset({"domain_typo", "domain_typo_far", "domain_homoglyph", "domain_split",
                                    "domain_official_typo_other_reading"})

# Host signals of a key read as part of other words ('hi|cloud', 'box office')
_READ_AS_OTHER_WORDS = frozenset({"domain_key_inside_word", "domain_other_word", "domain_other_name"})

# Kinds of match, strongest first (one per key and label is kept).
_KIND_RANK = {"exact": 0, "contained": 1, "typo": 2, "typo_inside": 3}


@functools.lru_cache(maxsize=1)
def _private_extractor() -> tldextract.TLDExtract:
    """The bundled public suffix list with its private section (blogspot.com, workers.dev,
    square.site, ...): names under those are handed out to different people."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@functools.lru_cache(maxsize=1)
def _private_parents() -> frozenset[str]:
    """The registrable domains (public section) under which the private section names a
    suffix ('blogspot.com', 'amazonaws.com'): only hosts under these can be on one, so the
    private-section extraction is skipped for the others."""
    from monitor.detection.domains import _extractor

    public = set(_extractor().tlds)
    out = set()
    for rule in set(_private_extractor().tlds) - public:
        parts = split_host(rule.lstrip("*!.").lower())
        if parts.suffix and parts.label:
            out.add(parts.registrable)
    return frozenset(out)


# Words that make a phrase with anything ('the apple', 'my office'): no compound name.
_FUNCTION_WORDS = frozenset("the and for you your our his her its their this that with from new all any one "
                            "get out off not can are was".split())


def _wordy(text: str) -> bool:
    """Text that reads as dictionary words (or numbers) only: '', 'balogin', 'onlineservices'."""
    if not text:
        return True
    if not text.isascii():
        return False
    return all(p.isdigit() or (len(p) >= 2 and segment.is_word(p)) for p in segment.segment(text.lower()))


@functools.lru_cache(maxsize=65536)
def _plain(text: str) -> str:
    return _SEPARATORS_RE.sub("", clean_text(text).lower().replace(" ", ""))


def _extras(text: str, key: str) -> str:
    """What text adds around key: ('laoairlinesdeal', 'laoairlines') -> 'deal'."""
    before, _, after = text.partition(key)
    return " ".join(p for p in (before.strip("-._ "), after.strip("-._ ")) if p)


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A brand name or alias to find in display names, titles and text."""

    shown: str
    words: tuple[str, ...]  # folded words (Latin) or the whole folded Lao string
    skeleton: str  # condensed skeleton, for lookalike display names
    lao: bool


@dataclass(slots=True)
class _BrandInfo:
    brand: Brand
    accounts: frozenset[tuple[str, str]]
    keys: list[Key]
    phrases: list[_Phrase]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DomainEvidence:
    """One brand's evidence on a host: the model's features, whether the strongest signal
    can accuse on its own (capped: it cannot), and whether it is a lookalike of the whole
    official name (at least suspicious)."""

    brand: int  # index in the registry
    features: dict[str, float]
    capped: bool
    whole_name_lookalike: bool


@dataclass(slots=True)
class _Signals:
    # (weight, group, reason, capped, feature): the feature names the rules' weight it carries
    identity: list[tuple[int, str, str, bool, str]] = field(default_factory=list)
    modifiers: list[tuple[int, str, str]] = field(default_factory=list)  # (weight, reason, feature)
    # where the strongest host signal was found (its host, label position and match): what
    # its facts are read from, only when the verdict asks (monitor.detection.verdict)
    facts_at: tuple[_HostView, int, _Match | None] | None = None
    official_plus_letter: bool = False  # the name label is the official one and one letter more

    def best(self) -> int:
        return max((w for w, _, _, _, _ in self.identity), default=0)

    def corroborated(self, min_weight: int) -> bool:
        """Two different kinds of identity evidence (a handle and a display name), each
        substantial: a title and a URL path mention do not corroborate each other."""
        return len({g for w, g, _, _, _ in self.identity if w >= min_weight}) >= 2

    def capped(self) -> bool:
        """The strongest identity evidence cannot accuse on its own."""
        top = self.best()
        return all(c for w, _, _, c, _ in self.identity if w == top)


class _Label:
    """One label of a host (or a handle), ready for the index: its flat form and the form
    with lookalike sequences read inside each token, both without separators, with offsets
    back to what was written; its words on demand."""

    __slots__ = ("raw", "joined", "raw_at", "forms", "_words")

    def __init__(self, raw: str):
        self.raw = raw
        self._words = None
        if raw.isascii() and raw.isalnum():  # the common case: one plain token
            low = raw.lower()
            self.joined = raw
            self.raw_at = list(range(len(raw) + 1))
            flat_text = low.translate(_ASCII_FLAT)
            self.forms = [(flat_text, self.raw_at)]
            seq, seq_at = sequences_with_offsets(flat_text, self.raw_at)
            if seq != flat_text:
                self.forms.append((seq, seq_at))
            return
        tokens = [t for t in TOKEN_SPLIT_RE.split(raw) if t]
        self.joined = "".join(tokens)
        raw_at: list[int] = []
        position = 0
        for token in tokens:
            position = raw.index(token, position)
            raw_at.extend(range(position, position + len(token)))
            position += len(token)
        raw_at.append(len(raw))
        self.raw_at = raw_at
        flat_parts: list[str] = []
        flat_at: list[int] = []
        seq_parts: list[str] = []
        seq_at: list[int] = []
        base = 0
        for token in tokens:
            text, offsets = flat_with_offsets(token)
            flat_parts.append(text)
            flat_at.extend(o + base for o in offsets[:-1])
            seq, seq_offsets = sequences_with_offsets(text, offsets)
            seq_parts.append(seq)
            seq_at.extend(o + base for o in seq_offsets[:-1])
            base += len(token)
        flat_at.append(base)
        seq_at.append(base)
        flat_text, seq_text = "".join(flat_parts), "".join(seq_parts)
        self.forms = [(flat_text, flat_at)] + ([(seq_text, seq_at)] if seq_text != flat_text else [])
        self._words: list[tuple[int, int, str]] | None = None

    def shown(self, start: int, end: int) -> str:
        """The window [start, end) of joined as written (separators inside kept)."""
        if start >= end:
            return ""
        return self.raw[self.raw_at[start]:self.raw_at[end - 1] + 1]

    def words(self) -> list[tuple[int, int, str]]:
        """(start, end, word) on joined: tokens split into English words; a token that is not
        plain ASCII letters and digits stays whole."""
        if self._words is None:
            out: list[tuple[int, int, str]] = []
            position = 0
            for token in [t for t in TOKEN_SPLIT_RE.split(self.raw) if t]:
                low = token.lower()
                pieces = segment.segment(low) if low.isascii() else [low]
                for piece in pieces:
                    out.append((position, position + len(piece), piece))
                    position += len(piece)
            self._words = out
        return self._words

    def alignment(self, start: int, end: int) -> tuple[str, str]:
        """('word', '') when [start, end) starts and ends on word boundaries; ('inside', w)
        when a dictionary word w runs across one of its ends; ('blob', w) when only an
        unknown run w does."""
        if start == 0 and end == len(self.joined):
            return "word", ""
        if has_lao(self.joined):
            if lao_boundary_ok(self.joined, start, end):
                return "word", ""
            return "inside", self.joined
        # across a separator only whole tokens count ('pay-pal'), not 's1-cloud...' for 'icloud'
        tokens = self.token_bounds()
        if any(start < b < end for b in tokens) and not (start in tokens and end in tokens):
            return "inside", self.shown(start, end)
        crossing = ""
        on_start = on_end = False
        bounds = {s for s, _, _ in self.words()} | {len(self.joined)}
        plural = end < len(self.joined) and self.joined[end] in "sS" and end + 1 in bounds
        for s, e, word in self.words():
            if s == start:
                on_start = True
            if e == end:
                on_end = True
            if start <= s < end < e and (word.isdigit() or (plural and e == end + 1)):
                on_end = True  # 'office365' + '03', 'facebook' + 's'
                continue
            if s < start < e or s < end < e:
                if segment.is_word(word) and len(word) >= 3:
                    return "inside", word
                crossing = crossing or word
        if on_start and on_end:
            return "word", ""
        # the key as a word of its own between words: 'ba|login' + key + 'online|services'
        if _wordy(self.joined[:start]) and _wordy(self.joined[end:]):
            return "word", ""
        # the key's letters mostly make another word that the unknown run only starts:
        # 'myhuawei|cloud' holds 'cloud', not 'icloud'
        for s, e, word in self.words():
            if start <= s and e <= end and e - s >= end - start - 1 and segment.is_word(word):
                return "inside", crossing + "|" + word
        return "blob", crossing

    def token_bounds(self) -> set[int]:
        out = {0}
        position = 0
        for token in TOKEN_SPLIT_RE.split(self.raw):
            position += len(token)
            out.add(position)
        return out

    def other_words(self, start: int, end: int) -> list[str]:
        return [w for s, e, w in self.words() if e <= start or s >= end]

    def neighbours(self, start: int, end: int) -> tuple[str, str]:
        before = after = ""
        for s, e, word in self.words():
            if e == start:
                before = word
            if s == end:
                after = word
        return before, after


@functools.lru_cache(maxsize=65536)
def _words_of(raw: str) -> frozenset[str]:
    """The words of a label ('paypal-loginverify' -> paypal, login, verify); labels repeat
    across the hosts of a feed."""
    return frozenset(w for _, _, w in _Label(raw).words())


@dataclass(slots=True)
class _Match:
    key: Key
    label: _Label
    kind: str  # exact, contained, typo, typo_inside
    start: int  # on label.joined
    end: int
    distance: int

    @property
    def window(self) -> str:
        return self.label.shown(self.start, self.end)

    @property
    def window_plain(self) -> str:
        return _plain(self.window)


@dataclass(slots=True)
class _HostView:
    host: str
    suffix: str
    registrable: str
    labels: list[str]  # every label left of the public suffix
    shared: str | None  # the shared host the name is under ('workers.dev'), if any
    identity: int = -1  # position in labels of the label the host is named by
    matches: list[tuple[int, _Match]] = field(default_factory=list)
    followed_by_suffix: set[int] = field(default_factory=set)  # label positions followed by a public suffix
    split: Key | None = None
    # (brand, official domain, label position, what the label writes before it: 'teams' in 'teams-office-com')
    official_in_front: list[tuple[int, str, int, str]] = field(default_factory=list)


class Scorer:
    """Prepared once per registry and rules; ``score`` is then a pure function of a candidate."""

    def __init__(self, registry: Registry, rules: Rules, model: DomainModel | None = None):
        self.registry = registry
        self.rules = rules
        self.model = model if model is not None else load_model()
        self.brands: list[_BrandInfo] = []
        self.index = KeyIndex(rules.allowed_distance, inside_min_length=rules.typo_inside_min_length)
        self._label_cache: dict[tuple[str, int], tuple[_Label, list[_Match]]] = {}
        self._official_hosts: dict[str, int] = {}
        self._allow_hosts: dict[str, int] = {}
        self._accounts: dict[tuple[str, str], int] = {}
        self._page_ids: dict[tuple[str, str], int] = {}
        self._allow_accounts: dict[tuple[str, str], int] = {}
        self._official_by_label: dict[str, list[tuple[int, str, str]]] = {}  # flat label -> (brand, domain, suffix)
        self._by_id: dict[str, int] = {}
        self._phrase_first: dict[str, list[tuple[int, _Phrase]]] = {}
        self._phrase_skeleton: dict[str, list[tuple[int, _Phrase]]] = {}
        self._lao_phrases: list[tuple[int, _Phrase]] = []
        self._name_index = KeyIndex(lambda n: 1 if n >= 8 else 0)
        for position, brand in enumerate(registry.brands):
            self._prepare(position, brand)
        self._lures = self._phrase_matcher(rules.lures)
        self._claims = self._phrase_matcher(rules.official_claims)
        self._commentary = self._phrase_matcher(rules.commentary)
        self._warnings = self._phrase_matcher(rules.warning_context)
        self._domain_lures = rules.lure_words
        self._technical = frozenset(rules.technical_words)
        self._shared_hosting = frozenset(rules.shared_hosting)
        self._min_key = rules.min_key_length
        # official labels ('ltc', 't-mo') with no key in the index: too short without separators
        self.prefilter = HostPrefilter(self.index, frozenset(
            label for label in self._official_by_label if len(label.translate(NO_SEPARATORS)) < rules.min_key_length))
        # hosts that are a brand's own or allowed, whatever they resemble (the fast path's one walk)
        self._listed_hosts = {**self._allow_hosts, **self._official_hosts}

    # ---------------------------------------------------------------- preparation

    def _prepare(self, position: int, brand: Brand) -> None:
        keys: dict[str, Key] = {}

        def add(text: str, kind: str, shown: str, suffix: str = "", platform: str = "") -> None:
            form = flat(_plain(shown))
            if len(form) >= self.rules.min_key_length and form not in keys:
                keys[form] = Key(form, kind, shown, _plain(shown), position, suffix, platform)

        self._by_id[brand.id] = position
        for domain in brand.official.domains:
            self._official_hosts.setdefault(domain, position)
            parts = split_host(domain)
            add(parts.label, "domain", parts.label, suffix=parts.suffix)
            self._official_by_label.setdefault(flat(parts.label), []).append((position, domain, parts.suffix))
        for domain in brand.allow.domains:
            self._allow_hosts.setdefault(domain, position)
        for account in brand.official.accounts:
            if account.handle:
                self._accounts.setdefault((account.platform, account.handle), position)
                add(account.handle, "handle", account.handle, platform=account.platform)
            if account.page_id:
                self._page_ids.setdefault((account.platform, account.page_id), position)
        for account in brand.allow.accounts:
            if account.handle:
                self._allow_accounts.setdefault((account.platform, account.handle), position)
        phrases = []
        for name in (brand.name, *brand.aliases):
            add(name, "name", name)
            lao = has_lao(name)
            phrase_words = (fold(name).replace(" ", ""),) if lao else tuple(words(name))
            phrase = _Phrase(name, phrase_words, condense(name), lao)
            phrases.append(phrase)
            if lao:
                self._lao_phrases.append((position, phrase))
            elif phrase_words:
                self._phrase_first.setdefault(phrase_words[0], []).append((position, phrase))
            self._phrase_skeleton.setdefault(phrase.skeleton, []).append((position, phrase))
            if not lao and len(phrase.skeleton) >= 8:
                self._name_index.add(Key(phrase.skeleton, "name", name, _plain(name), position))
        info = _BrandInfo(
            brand=brand,
            accounts=frozenset((a.platform, a.handle) for a in brand.official.accounts if a.handle),
            keys=list(keys.values()),
            phrases=phrases,
            keywords=tuple(fold(k) for k in brand.keywords),
        )
        self.brands.append(info)
        self.index.extend(info.keys)

    @staticmethod
    def _phrase_matcher(phrases: tuple[str, ...]) -> re.Pattern[str]:
        """One regex for a word list: Latin phrases on word boundaries, Lao as substrings."""
        parts = []
        for phrase in sorted({fold(p) for p in phrases}, key=len, reverse=True):
            escaped = re.escape(phrase).replace(r"\ ", r"[\s\-_]+")
            parts.append(escaped if has_lao(phrase) else rf"(?<![\w]){escaped}(?![\w])")
        return re.compile("|".join(parts) or r"(?!x)x")

    def warm_up(self) -> None:
        """Load what is otherwise read on first use (word lists, the suffix list with its
        private section), e.g. before forking workers that share it."""
        segment.segment("warmup")
        segment.common_bigram("box", "office", self.rules.phrase_min_count)
        _private_extractor()("x.blogspot.com")
        _private_parents()
        self.index.might_match("warmup")  # builds the automata
        ordinary_word("warmup")  # Webster's Second, read once
        self.score(Candidate(kind="domain", domain="warm-up.example.com"))

    # ---------------------------------------------------------------- helpers for collectors

    def search_terms(self, brand_id: str) -> list[str]:
        """Latin brand strings a source can search for: official labels, handles, names
        ('laoairlines', 'laotel', 'laotelecom')."""
        index = self._index_of(brand_id)
        terms = [k.plain for k in self.brands[index].keys if k.plain.isascii() and k.plain.isalnum()]
        return list(dict.fromkeys(terms))

    def _index_of(self, brand_id: str) -> int:
        try:
            return self._by_id[brand_id]
        except KeyError:
            raise KeyError(brand_id) from None

    def might_resemble(self, text: str) -> bool:
        """Prefilter for long feeds (a host name or a URL): False only when ``score`` could
        not flag it for any brand. It runs the scorer's own matching of host labels against
        the brand-key index (after a cheap check that some piece of some key occurs), so
        the two cannot disagree."""
        text = text.strip()
        if "/" in text or ":" in text:
            url = text if "//" in text else "//" + text
            host = host_of_url(url) or ""
            # a brand named in the path: the page is worth fetching (enrichment scores it again)
            try:
                path = unquote(urlsplit(url).path)
            except ValueError:
                path = ""
            cond = flat(_plain(path)) if path.strip("/") else ""
            if len(cond) >= self._min_key and self.index.contained(cond):  # the whole path too
                return True
        else:
            host = text
        host = host.lower().rstrip(".")
        # checked before normalising, which leaves such a host as it is: most names stop here
        checked = host.isascii() and "xn--" not in host
        if checked and self.prefilter.surely_unrelated(host):
            return False
        try:
            host = normalize_host(host)
        except InvalidHost:
            return False
        if not checked and host.isascii() and self.prefilter.surely_unrelated(host):
            return False
        view = self._host_view(host)
        return bool(view.matches or view.split or view.official_in_front)

    def plainly_unrelated(self, host: str) -> bool:
        """What ``score`` answers 'no resemblance' for a domain candidate of this host with no
        URL (a normalised lower-case ASCII host) before any matching: neither a brand's own
        or allowed host, nor under a brand's top-level domain, and surely unrelated."""
        return (self.prefilter.surely_unrelated(host) and lookup_under(self._listed_hosts, host) is None
                and self._brand_tld(host) is None)

    # ---------------------------------------------------------------- entry point

    def score(self, candidate: Candidate) -> Score:
        if candidate.kind == "domain":
            return self._score_domain(candidate)
        if candidate.kind == "account":
            return self._score_account(candidate)
        return self._score_page(candidate)

    def _verdict(self, candidate: Candidate, signals: dict[int, _Signals]) -> Score:
        best_brand, best_total, best_reasons = None, 0, []
        thresholds = self.rules.thresholds
        for index, sig in signals.items():
            base = sig.best()
            if base <= 0:
                continue
            reasons: list[Reason] = [r for _, _, r, _, _ in sorted(sig.identity, key=lambda s: -s[0])]
            reasons += [reason for _, reason, _ in sig.modifiers]
            total = self._rules_total(sig)
            if sig.capped() and not sig.corroborated(self.rules.corroboration_min_weight) \
                    and total >= thresholds.impersonation:
                total = thresholds.impersonation - 1
                reasons.append(NOT_ENOUGH_ALONE)
            if total > best_total:
                best_brand, best_total, best_reasons = index, total, reasons
        if best_brand is None or best_total < thresholds.suspicious:
            verdict = UNRELATED
        elif best_total >= thresholds.impersonation:
            verdict = IMPERSONATION
        else:
            verdict = SUSPICIOUS
        english, lao = split(best_reasons or [NO_RESEMBLANCE])
        brand_id = self.brands[best_brand].brand.id if best_brand is not None and verdict != UNRELATED else None
        return Score(candidate.id, brand_id, best_total if best_brand is not None else 0, verdict, english, lao)

    def _official(self, candidate: Candidate, index: int, what: Reason) -> Score:
        brand = self.brands[index].brand
        return Score(candidate.id, brand.id, 0, OFFICIAL, [f"{what.en} is an official identity of {brand.name}"],
                     [f"{what.lo} ແມ່ນຕົວຕົນທາງການຂອງ {brand.name}"])

    def _allowed(self, candidate: Candidate, index: int, what: Reason) -> Score:
        brand = self.brands[index].brand
        return Score(candidate.id, None, 0, UNRELATED, [f"{what.en} is on the allow list of {brand.name}"],
                     [f"{what.lo} ຢູ່ໃນລາຍການອະນຸຍາດຂອງ {brand.name}"])

    # ---------------------------------------------------------------- matching labels

    @staticmethod
    def _closest_window(match: _Match, allowed: int) -> None:
        """Move a typo window to where the written letters are fewest edits from the key,
        on word boundaries where that costs nothing ('amazo|paid' rather than 'amazop|aid')."""
        n = len(match.label.joined)
        key_flat, key_seq = match.key.text, read_sequences(match.key.text)
        candidates = []
        for start in range(max(0, match.start - allowed), min(n, match.start + allowed) + 1):
            for end in range(max(start + 1, match.end - allowed), min(n, match.end + allowed) + 1):
                window = _plain(match.label.shown(start, end))
                window_flat = flat(window)
                distance = min(OSA.distance(window_flat, key_flat, score_cutoff=allowed + 1),
                               OSA.distance(read_sequences(window_flat), key_seq, score_cutoff=allowed + 1))
                if distance <= allowed:
                    candidates.append((distance, abs(len(window) - len(match.key.plain)), start, end, window))
        if not candidates:
            return
        least = min(c[0] for c in candidates)
        best = None
        for distance, size_gap, start, end, window in sorted(candidates):
            if distance > least + 1:
                break
            if not _within(window, match.key.plain, allowed):
                continue
            aligned = match.label.alignment(start, end)[0] == "word"
            rank = (counted_edits(window, match.key.plain), not aligned, size_gap, start)
            if best is None or rank < best[0]:
                best = (rank, start, end)
        if best is not None:
            match.start, match.end = best[1], best[2]

    def _matches_of(self, raw: str, extra: int = 0) -> list[_Match]:
        """The matches of a label, remembered: hosts of one site share their labels."""
        cached = self._label_cache.get((raw, extra))
        if cached is None:
            label = _Label(raw)
            cached = (label, self._label_matches(label, extra))
            if len(self._label_cache) >= 50_000:
                self._label_cache.clear()
            self._label_cache[(raw, extra)] = cached
        return cached[1]

    def _label_matches(self, label: _Label, extra: int = 0) -> list[_Match]:
        """The index's hits on a label, the best kind per key, on joined offsets."""
        best: dict[Key, _Match] = {}

        def keep(hit: Hit, kind: str, offsets: list[int]) -> None:
            start, end = offsets[hit.start], offsets[hit.end] if hit.end < len(offsets) else offsets[-1]
            match = _Match(hit.key, label, kind, start, end, hit.distance)
            if kind in ("typo", "typo_inside"):
                # the edits a reader sees, lookalike letters free, must be within the allowance too
                allowed = self.rules.allowed_distance(len(hit.key.plain)) + (extra if kind == "typo" else 0)
                if kind == "typo_inside":
                    if len(hit.key.plain) < self.rules.typo_inside_min_length:
                        return
                    self._closest_window(match, allowed)
                window, plain = match.window_plain, hit.key.plain
                if window == plain or not _within(window, plain, allowed):
                    return
                # lookalikes on top of a typo: 'api3' is not 'apple'
                if Levenshtein.distance(window, plain, score_cutoff=allowed + 2) > allowed + 1 \
                        and len(_edit_parts(window, plain)) > allowed + 1:
                    return
                edits = counted_edits(window, plain)
                if edits == 0:
                    return
                match.distance = edits
            old = best.get(hit.key)
            if old is None or (_KIND_RANK[kind], hit.distance) < (_KIND_RANK[old.kind], old.distance):
                best[hit.key] = match

        index = self.index
        for text, offsets in label.forms:
            if len(text) < 3:
                continue
            exact, contained, typo, inside = index.lookup(text, extra)
            for hit in exact:
                keep(hit, "exact", offsets)
            for hit in contained:
                if hit.end - hit.start < len(text):
                    keep(hit, "contained", offsets)
            for hit in typo:
                keep(hit, "typo", offsets)
            for hit in inside:
                if hit.end - hit.start < len(text) and hit.key not in best:
                    keep(hit, "typo_inside", offsets)
        matches = list(best.values())
        if len(matches) > 1:  # 'office' inside 'office365', a key of the same brand: the longer one speaks
            matches = [m for m in matches if not any(
                o is not m and o.key.brand == m.key.brand and o.kind in ("exact", "contained") and
                o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start) for o in matches)]
        return matches

    # ---------------------------------------------------------------- domains

    def _score_domain(self, candidate: Candidate) -> Score:
        raw = candidate.domain or host_of_url(candidate.url or "") or ""
        try:
            host = normalize_host(raw)
        except InvalidHost as exc:
            # a hostile name can be megabytes long: the reason quotes its start
            shown = repr(raw) if len(raw) <= MAX_HOST_LENGTH else f"{raw[:80]!r}..."
            return Score(candidate.id, None, 0, UNRELATED, [f"domain {shown}: {exc}"], [f"ໂດເມນ {shown}: {exc}"])
        official = lookup_under(self._official_hosts, host)
        if official is not None:
            return self._official(candidate, official, Reason(f"domain '{host}'", f"ໂດເມນ '{host}'"))
        allowed = lookup_under(self._allow_hosts, host)
        if allowed is not None:
            return self._allowed(candidate, allowed, Reason(f"domain '{host}'", f"ໂດເມນ '{host}'"))
        owner = self._brand_tld(host)
        if owner is not None:
            return Score(candidate.id, None, 0, UNRELATED,
                         [f"domain '{host}' is under '.{host.rsplit('.', 1)[-1]}', the top-level domain of the "
                          f"official name of {self.brands[owner].brand.name}: only the brand can register there"],
                         [f"ໂດເມນ '{host}' ຢູ່ພາຍໃຕ້ '.{host.rsplit('.', 1)[-1]}', ໂດເມນລະດັບສູງສຸດຂອງຊື່ທາງການຂອງ "
                          f"{self.brands[owner].brand.name}: ມີແຕ່ແບຣນເທົ່ານັ້ນທີ່ຈົດທະບຽນໄດ້"])
        if not candidate.url and host.isascii() and self.prefilter.surely_unrelated(host):
            return no_resemblance(candidate.id)
        signals: dict[int, _Signals] = {}
        self._host_signals(host, signals)
        if candidate.url:
            self._path_signals(candidate.url, signals)
        return self._domain_verdict(candidate, signals)

    def domain_evidence(self, host: str) -> list[DomainEvidence]:
        """Each brand's evidence on a host, as the verdict reads it: what
        ``bench/fit_weights.py`` fits the weights on, and what the reference test of the
        verdict recomputes it from."""
        signals: dict[int, _Signals] = {}
        self._host_signals(normalize_host(host), signals)
        return [DomainEvidence(index, self._features(sig), sig.capped(), self._whole_name_lookalike(sig))
                for index, sig in sorted(signals.items()) if sig.best() > 0]

    def _features(self, sig: _Signals) -> dict[str, float]:
        ranked = sorted(sig.identity, key=lambda s: -s[0])  # stable: the first found on a tie
        facts: dict[str, float] = {}
        if sig.facts_at is not None:
            view, position, match = sig.facts_at
            facts = self._host_facts(view) if match is None else self._match_facts(view, position, match)
        return domain_features([s[4] for s in ranked], [m[2] for m in sig.modifiers], facts,
                               sig.capped(), sig.corroborated(self.rules.corroboration_min_weight),
                               self._rules_total(sig), self.rules.thresholds)

    def _rules_total(self, sig: _Signals) -> int:
        """The hand-weighted total of the rules (strongest identity signal, corroboration,
        modifiers), 0-100: the prior the fitted weights correct, and what carries a signal
        too rare in the data to fit (a homoglyph of an official domain)."""
        corroboration = self.rules.weights.corroboration if sig.corroborated(self.rules.corroboration_min_weight) else 0
        total = sig.best() + corroboration
        return max(0, min(100, total + sum(w for w, _, _ in sig.modifiers)))

    def _domain_verdict(self, candidate: Candidate, signals: dict[int, _Signals]) -> Score:
        """The calibrated verdict: per brand, the fitted probability of its features; the most
        probable brand wins, the first in the registry on a tie (so the answer never depends
        on the order signals were found in, nor on hashing)."""
        thresholds, model = self.rules.thresholds, self.model
        best: tuple[int, float, int, Reason | None] | None = None  # (shown, p, brand, the rule's reason)
        for index in sorted(signals):
            sig = signals[index]
            if sig.best() <= 0:
                continue
            p = model.probability(self._features(sig))
            shown = model.display(p, thresholds.suspicious, thresholds.impersonation)
            rule = None
            if sig.capped() and shown >= thresholds.impersonation:
                shown, rule = thresholds.impersonation - 1, NOT_ENOUGH_ALONE
            elif shown < thresholds.suspicious and self._whole_name_lookalike(sig):
                shown, rule = thresholds.suspicious, WHOLE_NAME_LOOKALIKE
            if best is None or shown > best[0] or (shown == best[0] and p > best[1]):
                best = (shown, p, index, rule)
        if best is None:
            return no_resemblance(candidate.id)
        shown, _, index, rule = best
        sig = signals[index]
        reasons = [r for _, _, r, _, _ in sorted(sig.identity, key=lambda s: -s[0])]
        reasons += [reason for _, reason, _ in sig.modifiers] + ([rule] if rule else [])
        english, lao = split(reasons)
        if shown < thresholds.suspicious:
            return Score(candidate.id, None, shown, UNRELATED, english, lao)
        verdict = IMPERSONATION if shown >= thresholds.impersonation else SUSPICIOUS
        return Score(candidate.id, self.brands[index].brand.id, shown, verdict, english, lao)

    @staticmethod
    def _whole_name_lookalike(sig: _Signals) -> bool:
        """The strongest signal is a typo, homoglyph or split of the whole official name: the
        classic typosquat, rare in phishing feeds (so the fitted weights barely know it) and
        never an honest name by chance. A rule: at least ``suspicious``."""
        top = max(sig.identity, key=lambda s: s[0])
        return top[4] in _WHOLE_NAME_LOOKALIKES or sig.official_plus_letter

    def _match_facts(self, view: _HostView, position: int, match: _Match) -> dict[str, float]:
        """What a match's surroundings say, for the model: the letters around the key, where
        the label sits, whether the key is a product name rather than the official label."""
        facts = self._host_facts(view)
        facts[f"extra_{extra_kind(match.label.other_words(match.start, match.end), self._technical)}"] = 1.0
        if position < view.identity:
            facts["in_subdomain"] = 1.0
        if match.key.kind == "name":
            facts["key_alias"] = 1.0
        if ordinary_key(match.key):
            facts["key_ordinary"] = 1.0
        raw, window = match.label.raw, match.window
        # a word written with a digit needs a digit beside letters: most labels have none
        if not raw.isalpha() and window in raw and any(disguised_word(piece) for piece in
                                                       TOKEN_SPLIT_RE.split(_extras(raw, window))):
            facts["extra_disguised"] = 1.0
        return facts

    @staticmethod
    def _host_facts(view: _HostView) -> dict[str, float]:
        facts = {f"suffix_{suffix_kind(view.suffix)}": 1.0}
        if view.shared is not None:
            facts["shared_host"] = 1.0
        return facts

    def _brand_tld(self, host: str) -> int | None:
        """A brand top-level domain ('.microsoft', '.apple') named like an official label."""
        tld = host.rpartition(".")[2]
        if not tld or tld == host or not is_public_suffix(tld):
            return None
        if len(tld) < self.rules.min_key_length:
            return None
        for brand, _, _ in self._official_by_label.get(flat(tld), ()):
            return brand
        return None

    def _host_view(self, host: str) -> _HostView:
        """A host cut into the labels a person reads, and the index's matches on them."""
        parts = split_host(host)
        body = host[: -len(parts.suffix) - 1] if parts.suffix and host.endswith("." + parts.suffix) else host
        labels = body.split(".") if body else []
        shared = None
        if len(labels) >= 2:  # a name under a shared host needs a label of its own on top
            shared = suffix_under(self._shared_hosting, host)
            if shared is None and parts.subdomain and parts.registrable in _private_parents():
                private = _private_extractor()(host)
                if private.suffix and private.suffix != parts.suffix and private.domain:
                    shared = private.suffix
        view = _HostView(host, parts.suffix, parts.registrable, labels, shared)
        if shared:
            shared_labels = len(shared.split(".")) - (len(parts.suffix.split(".")) if parts.suffix else 0)
            view.identity = len(labels) - shared_labels - 1
        else:
            view.identity = len(labels) - 1
        if view.identity < 0:
            return view
        # the label under the suffix (or the shared host), then the subdomain labels
        for position in range(view.identity, -1, -1):
            raw = labels[position]
            if position != view.identity and (raw in IGNORED_SUBDOMAINS or len(raw) < 3):
                continue
            extra = 1 if position < view.identity and self._suffix_follows(labels, position, view.identity) else 0
            if extra or (position < view.identity and is_public_suffix(raw)):
                view.followed_by_suffix.add(position)  # '...sharepoint.com.<x>', '...static.microsoft.<x>'
            for match in self._matches_of(raw, extra):
                view.matches.append((position, match))
        # a brand key split by dots ('lao.airlines.com')
        kept = [raw for raw in labels[: view.identity + 1] if raw not in IGNORED_SUBDOMAINS]
        if 2 <= len(kept) <= 3:
            joined = "-".join(kept)
            forms = ascii_forms(joined) if joined.isascii() else {text for text, _ in _Label(joined).forms}
            for text in forms:
                for hit in self.index.exact(text):
                    view.split = hit.key
        # the full official domain in front of an unrelated one ('paypal.com.verify.top')
        for position in range(0, view.identity):
            tokens = labels[position].split("-")
            for number in range(len(tokens) - 1):
                for brand, domain, suffix in self._official_by_label.get(flat(tokens[number]), ()):
                    if "-".join(tokens[number + 1:number + 1 + len(suffix.split("."))]) == suffix.replace(".", "-") \
                            and number > 0:
                        view.official_in_front.append((brand, domain, position, "-".join(tokens[:number])))
            for brand, domain, suffix in self._official_by_label.get(flat(labels[position]), ()):
                tail = suffix.split(".")
                following = labels[position + 1: position + 1 + len(tail)]
                if following == tail and position + len(tail) < len(labels):
                    view.official_in_front.append((brand, domain, position, ""))
                elif position + 1 < len(labels) and labels[position + 1].startswith(suffix + "-"):
                    view.official_in_front.append((brand, domain, position, ""))
        return view

    @staticmethod
    def _suffix_follows(labels: list[str], position: int, identity: int) -> bool:
        """'amzone.co.jp.<anything>': the label is followed by a public suffix, as if it were a domain
        (a country code or one of the old generic ones: 'co.jp', 'com', 'de'; not any word that
        happens to be a top-level domain today, such as 'weather' or 'app')."""
        if position + 1 >= len(labels) or len(labels[position + 1]) > 3:
            return False
        for end in range(position + 2, min(position + 4, identity + 1) + 1):
            if is_public_suffix(".".join(labels[position + 1:end])):
                return True
        return False

    def _host_signals(self, host: str, signals: dict[int, _Signals]) -> None:
        view = self._host_view(host)
        weights = self.rules.weights
        found: set[int] = set()

        def add(index: int, feature: str, reason: Reason, capped: bool = False,
                position: int = -1, match: _Match | None = None) -> None:
            sig = signals.setdefault(index, _Signals())
            weight = getattr(weights, feature)
            if weight > sig.best():  # the facts of the strongest signal
                sig.facts_at = (view, position, match)
            sig.identity.append((weight, "domain", reason, capped, feature))
            found.add(index)

        where, where_lo = f"domain '{host}'", f"ໂດເມນ '{host}'"
        for brand, domain, position, prefix in view.official_in_front:
            before = [raw for raw in view.labels[:position] if raw not in IGNORED_SUBDOMAINS] + ([prefix] if prefix else [])
            if all(TOKEN_SPLIT_RE.split(raw)[-1] in self._domain_lures for raw in before):
                name = self.brands[brand].brand.name
                add(brand, "domain_official_in_subdomain", Reason(
                    f"{where} puts the official domain '{domain}' of {name} in front of "
                    f"the unrelated domain '{view.registrable}'",
                    f"{where_lo} ເອົາໂດເມນທາງການ '{domain}' ຂອງ {name} ໄວ້ທາງໜ້າໂດເມນ '{view.registrable}' "
                    f"ທີ່ບໍ່ກ່ຽວຂ້ອງ"))
            else:  # 'odcsm1.live.com.akadns.net': a service's host name inside another's, as CDNs name them
                name = self.brands[brand].brand.name
                add(brand, "domain_official_host_in_subdomain", Reason(
                    f"{where} holds a host name under the official domain '{domain}' of "
                    f"{name} in front of the unrelated domain '{view.registrable}'",
                    f"{where_lo} ມີຊື່ໂຮສພາຍໃຕ້ໂດເມນທາງການ '{domain}' ຂອງ {name} ຢູ່ທາງໜ້າໂດເມນ "
                    f"'{view.registrable}' ທີ່ບໍ່ກ່ຽວຂ້ອງ"), True)
        if view.split is not None:
            key = view.split
            name = self.brands[key.brand].brand.name
            add(key.brand, "domain_split", Reason(f"{where} spells '{key.shown}' of {name} across a dot",
                                                  f"{where_lo} ສະກົດ '{key.shown}' ຂອງ {name} ແຍກດ້ວຍຈຸດ"))
        lure_words: dict[int, set[str]] = {}
        front: dict[int, set[str]] = {}  # lure words in labels in front of the name ('login.<name>')
        chained: dict[int, int] = {}
        for brand, _, position, _ in view.official_in_front:
            chained[brand] = max(chained.get(brand, -1), position)
        for position, match in view.matches:
            if position <= chained.get(match.key.brand, -1):
                continue  # part of the official host name already reported ('outlook.office.com.<x>')
            feature, reason, capped = self._domain_match_signal(view, position, match)
            if getattr(weights, feature) <= 0:
                continue
            if 0 < position < view.identity and position in view.followed_by_suffix and not capped:
                before = [raw for raw in view.labels[:position] if raw not in IGNORED_SUBDOMAINS]
                if not all(TOKEN_SPLIT_RE.split(raw)[-1] in self._domain_lures for raw in before):
                    # 'farm.aa-rt.sharepoint.com.spo-msedge.net': a host name inside another's (CDN naming)
                    feature, capped = self._weaker(feature, "domain_official_host_in_subdomain"), True
            add(match.key.brand, feature, reason, capped, position, match)
            if position == view.identity and view.shared is None and match.key.kind == "domain" \
                    and match.kind == "contained" and match.window_plain == match.key.plain \
                    and feature not in _READ_AS_OTHER_WORDS and len(match.label.joined) == len(match.key.plain) + 1:
                # 'laotele' for 'laotel': the official name and one letter, a typo of it
                signals[match.key.brand].official_plus_letter = True
            lure_words.setdefault(match.key.brand, set()).update(self._lure_words_around(view, position, match))
            if position == view.identity:
                front.setdefault(match.key.brand, set()).update(self._front_lure_words(view))
        for index in found:
            words_found = lure_words.get(index)
            if words_found is None:
                words_found = set()
                for label in view.labels[: view.identity + 1]:
                    words_found |= _words_of(label) & self._domain_lures
            for word in self._lures_shown(words_found):
                signals[index].modifiers.append((weights.lure_in_domain, Reason(
                    f"the host name contains the lure word '{word}'", f"ຊື່ໂຮສມີຄຳລໍ້ລວງ '{word}'"),
                    f"lure_{self.rules.lure_kind(word)}"))
            # a site's own 'login.' in front of its name adds nothing to the hand-weighted
            # total; the fitted weights say what it is worth in front of a brand's name
            for word in sorted(front.get(index, set()) - words_found)[:2]:
                signals[index].modifiers.append((0, Reason(
                    f"the host name has the lure word '{word}' in front of the name",
                    f"ຊື່ໂຮສມີຄຳລໍ້ລວງ '{word}' ຢູ່ທາງໜ້າຊື່"), f"front_lure_{self.rules.lure_kind(word)}"))

    def _lures_shown(self, found: set[str]) -> list[str]:
        """At most two lure words, one of each kind first ('pay', 'reactivate' before 'secure'
        beside 'pay'): each kind is evidence of its own."""
        by_kind: dict[str, list[str]] = {}
        for word in sorted(found):
            by_kind.setdefault(self.rules.lure_kind(word), []).append(word)
        firsts = [words[0] for _, words in sorted(by_kind.items())]
        rest = [w for _, words in sorted(by_kind.items()) for w in words[1:]]
        return (firsts + rest)[:max(2, len(firsts))]

    def _front_lure_words(self, view: _HostView) -> set[str]:
        found: set[str] = set()
        for raw in view.labels[: view.identity]:
            if raw not in IGNORED_SUBDOMAINS:
                found |= (_words_of(raw) | set(TOKEN_SPLIT_RE.split(raw))) & self._domain_lures
        return found

    def _lure_words_around(self, view: _HostView, position: int, match: _Match) -> set[str]:
        found: set[str] = set()
        for number, raw in enumerate(view.labels[: view.identity + 1]):
            if position == view.identity and number != position:
                continue  # lure words in front of the name ('login.') are a site's own
            if number == position:
                found |= set(match.label.other_words(match.start, match.end)) & self._domain_lures
                found |= {t for t in TOKEN_SPLIT_RE.split(raw) if t in self._domain_lures}
            else:
                found |= _words_of(raw) & self._domain_lures
                found |= {t for t in TOKEN_SPLIT_RE.split(raw) if t in self._domain_lures}
        return found - {match.key.plain}

    def _word_verdict(self, match: _Match) -> tuple[str, str]:
        """How the matched window sits in its label: 'word' (the brand as a word of its own),
        'phrase' (a word of a common phrase: 'box office'), 'inside' (inside another word),
        'blob' (inside an unknown run of letters), 'other_word' (a typo that is itself a
        dictionary word: 'cloud'), 'other_name' (the label reads as other words: 'charge point')."""
        label = match.label
        if match.kind in ("typo", "typo_inside"):
            window = match.window_plain
            if window.isascii() and segment.is_word(window) and len(window) >= 3:
                return "other_word", window
            # a letter stuck to a word: 'g|cloud' is a word and a letter, not 'icloud' misspelt
            if window.isascii() and len(window) - 1 >= len(match.key.plain) - 1:
                for piece in (window[1:], window[:-1]):
                    if len(piece) >= 4 and segment.is_word(piece) and piece != match.key.plain:
                        return "other_word", piece
            # a dictionary word nearly as long as the key inside the window: 'a|cloud' is not 'icloud'
            for s, e, word in label.words():
                if match.start <= s and e <= match.end and len(word) >= len(match.key.plain) - 1 \
                        and word != match.key.plain and segment.is_word(word):
                    return "other_word", word
            if match.kind == "typo":
                pieces = [w for _, _, w in label.words()]
                if len(pieces) >= 2 and all(segment.is_word(w, -8.5) and len(w) >= 3 for w in pieces):
                    return "other_name", " ".join(pieces)
                return "word", ""
        if match.kind == "exact":
            return "word", ""
        if match.kind == "contained" and match.key.kind == "domain" and (
                _doubled_letter(label.joined, match.key.plain)
                ):
            # the whole label is the official name with one letter typed twice ('laotell' for
            # 'laotel'): a typo of the brand's own domain, whatever words it happens to spell
            return "word", ""
        how, word = label.alignment(match.start, match.end)
        if how == "word" and label.joined.isascii():
            before, after = label.neighbours(match.start, match.end)
            key = match.key.plain
            for first, second in ((before, key), (key, after)):
                other = first if second == key else second
                same_brand = {k.plain for k in self.brands[match.key.brand].keys}
                if other and len(other) >= 3 and other not in _FUNCTION_WORDS and other not in self._domain_lures \
                        and other not in same_brand \
                        and segment.common_bigram(first, second, self.rules.phrase_min_count):
                    return "phrase", f"{first} {second}"
        return how, word

    def _weaker(self, first: str, second: str) -> str:
        """The feature of the two with the smaller weight (the first on a tie)."""
        weights = self.rules.weights
        return second if getattr(weights, second) < getattr(weights, first) else first

    def _stronger(self, first: str, second: str) -> str:
        weights = self.rules.weights
        return second if getattr(weights, second) > getattr(weights, first) else first

    def _domain_match_signal(self, view: _HostView, position: int, match: _Match) -> tuple[str, Reason, bool]:
        """(feature, reason, capped) of one match on a host label; the feature names a weight of the rules."""
        key, host = match.key, view.host
        brand = self.brands[key.brand].brand.name
        on_shared = position == view.identity and view.shared is not None
        in_sub = position < view.identity
        where = f"domain '{host}'" + (f" on the shared host '{view.shared}'" if on_shared else "")
        where_lo = f"ໂດເມນ '{host}'" + (f" ເທິງໂຮສຮ່ວມ '{view.shared}'" if on_shared else "")
        source = {"domain": "official name", "handle": "official handle", "name": "name"}[key.kind]
        source_lo = SOURCE_LO[source]
        unrelated = f"a subdomain of the unrelated domain '{view.registrable}'"
        unrelated_lo = f"ໂດເມນຍ່ອຍຂອງໂດເມນ '{view.registrable}' ທີ່ບໍ່ກ່ຽວຂ້ອງ"
        how, detail = self._word_verdict(match)
        window = match.window
        compared, compared_lo = f"'{window}' in '{host}'", f"'{window}' ໃນ '{host}'"
        # the edit list is searched only where a reason names it (cached: hosts share labels)
        edits, edits_lo = describe_edits_in_both(match.window_plain, key.plain) if match.kind != "exact" \
            else ("", "")
        if how in ("inside", "blob", "phrase") and match.kind != "exact" and window.isalnum() \
                and lookalike_spelling(match.window_plain, key.plain):
            # 'login|mlcrosoft|online': letters inside other letters, but written to be read
            # as the brand (a digit or lookalike letter, a swap, a doubled letter), which no
            # honest word does
            return ("domain_glued_lookalike", Reason(
                f"{compared} is '{key.plain}' of {brand} written with {edits}, glued to other letters",
                f"{compared_lo} ແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ຂຽນດ້ວຍ {edits_lo}, ຕິດກັບຕົວອັກສອນອື່ນ"), False)
        if how == "other_word":
            return ("domain_other_word", Reason(
                f"{compared} is the word '{detail}', which is '{key.plain}' of {brand} with {edits}: another word, "
                f"not the brand",
                f"{compared_lo} ແມ່ນຄຳວ່າ '{detail}', ເຊິ່ງແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ມີ {edits_lo}: ເປັນຄຳອື່ນ, "
                f"ບໍ່ແມ່ນແບຣນ"), True)
        if how == "other_name":
            whole = key.kind == "domain" and match.start == 0 and match.end == len(match.label.joined) \
                and not distinctive_part_changed(match.window_plain, key)[1]
            # 'mao|post' for 'laopost': other words, but the whole label a typo of the official one
            return ("domain_official_typo_other_reading" if whole else "domain_other_name", Reason(
                f"{compared} is '{key.plain}' of {brand} with {edits}, but reads as the words '{detail}': another "
                f"name close to the brand",
                f"{compared_lo} ແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ມີ {edits_lo}, ແຕ່ອ່ານເປັນຄຳວ່າ '{detail}': "
                f"ເປັນຊື່ອື່ນທີ່ໃກ້ຄຽງກັບແບຣນ"), True)
        if how == "inside":
            reading = " ".join(w for _, _, w in match.label.words())
            return ("domain_key_inside_word", Reason(
                f"'{key.plain}' of {brand} appears in '{host}' only inside the word '{detail}' "
                f"('{match.label.raw}' reads '{reading}')",
                f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ພຽງແຕ່ຢູ່ໃນຄຳວ່າ '{detail}' "
                f"('{match.label.raw}' ອ່ານວ່າ '{reading}')"), True)
        if how == "phrase":
            return ("domain_key_inside_word", Reason(
                f"'{key.plain}' of {brand} appears in '{host}' as part of the phrase '{detail}'",
                f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ເປັນສ່ວນໜຶ່ງຂອງວະລີ '{detail}'"), True)
        blob = how == "blob"
        if blob and match.kind == "contained" and match.window_plain != key.plain:
            return ("domain_key_inside_word", Reason(
                f"'{key.plain}' of {brand} appears in '{host}' only as '{window}' inside '{detail}'",
                f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ພຽງແຕ່ເປັນ '{window}' ຢູ່ໃນ '{detail}'"), True)
        if match.kind == "exact":
            plain = match.window_plain
            if on_shared or in_sub:
                feature = "domain_brand_on_shared_host" if on_shared else "domain_brand_in_subdomain"
                if on_shared:
                    what = "is" if plain == key.plain else f"is, with {describe_edits(plain, key.plain)},"
                    what_lo = "ແມ່ນ" if plain == key.plain else \
                        f"ແມ່ນ, ດ້ວຍ {describe_edits(plain, key.plain, lao=True)},"
                    return feature, Reason(f"{where}: '{window}' {what} the {source} '{key.shown}' of {brand}",
                                           f"{where_lo}: '{window}' {what_lo} {source_lo} '{key.shown}' ຂອງ {brand}"), \
                        False
                return feature, Reason(f"{where} puts the {source} '{key.shown}' of {brand} in {unrelated}",
                                       f"{where_lo} ເອົາ{source_lo} '{key.shown}' ຂອງ {brand} ໄວ້ໃນ{unrelated_lo}"), False
            if key.kind == "domain" and plain != key.plain:
                if "-" in window or "_" in window:
                    return ("domain_typo", Reason(
                        f"{where} is the official name '{key.shown}' of {brand} with hyphens added",
                        f"{where_lo} ແມ່ນຊື່ທາງການ '{key.shown}' ຂອງ {brand} ທີ່ເພີ່ມຂີດ (-)"), False)
                return ("domain_homoglyph", Reason(
                    f"{where} is the official name '{key.shown}' of {brand} with {describe_edits(plain, key.plain)}",
                    f"{where_lo} ແມ່ນຊື່ທາງການ '{key.shown}' ຂອງ {brand} ທີ່ມີ "
                    f"{describe_edits(plain, key.plain, lao=True)}"), False)
            if key.kind == "domain" and view.suffix != key.suffix:
                # a country code or an old generic suffix is often the brand's own registration
                # ('google.com.ec', 'naver.net'); a new generic one ('.online', '.xyz') rarely is
                tld = view.suffix.rpartition(".")[2]
                own_kind = len(tld) == 2 or tld in ("com", "net", "org")
                return ("domain_other_tld" if own_kind else "domain_other_new_tld", Reason(
                    f"{where} is the official name '{key.shown}' of {brand} under '.{view.suffix}' "
                    f"instead of '.{key.suffix}'",
                    f"{where_lo} ແມ່ນຊື່ທາງການ '{key.shown}' ຂອງ {brand} ພາຍໃຕ້ '.{view.suffix}' "
                    f"ແທນ '.{key.suffix}'"), own_kind)  # the brand's own, often: for a person
            if key.kind == "domain":
                return "domain_brand_in_subdomain", Reason(
                    f"{where} uses the official name '{key.shown}' of {brand}",
                    f"{where_lo} ໃຊ້ຊື່ທາງການ '{key.shown}' ຂອງ {brand}"), False
            return "domain_name_match", Reason(f"{where} is the {source} '{key.shown}' of {brand}",
                                               f"{where_lo} ແມ່ນ{source_lo} '{key.shown}' ຂອງ {brand}"), False
        if match.kind == "contained":
            extra = _extras(match.label.raw, window) if window in match.label.raw else \
                " ".join(match.label.other_words(match.start, match.end))
            if on_shared:
                others = [w for w in match.label.other_words(match.start, match.end) if not w.isdigit()]
                feature = "domain_brand_on_shared_host" if not others else "domain_brand_plus_words"
            elif in_sub:
                feature = "domain_brand_in_subdomain"
            else:
                feature = "domain_brand_plus_words"
            if blob:
                return (self._weaker(feature, "domain_key_in_unknown_word"), Reason(
                    f"'{key.plain}' of {brand} appears in '{host}' inside '{detail}', which is no word a reader knows",
                    f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ຢູ່ໃນ '{detail}', ເຊິ່ງບໍ່ແມ່ນຄຳທີ່ຜູ້ອ່ານຮູ້ຈັກ"), True)
            place, place_lo = (f" in {unrelated}", f" ໃນ{unrelated_lo}") if in_sub else ("", "")
            if match.window_plain != key.plain:
                place += f", written '{window}' ({edits})"
                place_lo += f", ຂຽນວ່າ '{window}' ({edits_lo})"
            others = match.label.other_words(match.start, match.end)
            if not in_sub and others and all(w.isdigit() for w in others):
                feature = self._stronger(feature, "domain_brand_plus_number")
            return (feature, Reason(f"{where} adds '{extra}' to the {source} '{key.shown}' of {brand}{place}",
                                    f"{where_lo} ເພີ່ມ '{extra}' ໃສ່{source_lo} '{key.shown}' ຂອງ {brand}{place_lo}"),
                    False)
        typo_en = f"{compared} is '{key.plain}' of {brand} with {edits}"
        typo_lo = f"{compared_lo} ແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ມີ {edits_lo}"
        changed, rewritten = distinctive_part_changed(match.window_plain, key)
        # inside other letters, even one edit in the distinctive part ('pomel|otel|jkt' for
        # 'lao|tel') reads as another word: the part that names the brand is not there
        if rewritten or (changed and match.kind == "typo_inside"):
            # 'iran|telecom' for 'lao|telecom': the edits rewrite the name of a place or
            # people, which makes another company's name, not a misspelling of this one
            return ("domain_other_name", Reason(
                f"{typo_en}, but the edits change its distinctive part '{changed}': another name",
                f"{typo_lo}, ແຕ່ການແກ້ໄຂປ່ຽນສ່ວນທີ່ເປັນເອກະລັກ '{changed}' ຂອງມັນ: ເປັນຊື່ອື່ນ"), True)
        # one edit in the distinctive part ('lak|telecom'): a typo, or another name: a person judges
        capped = bool(changed)
        if capped:
            typo_en += f" (the edit is in its distinctive part '{changed}')"
            typo_lo += f" (ການແກ້ໄຂຢູ່ໃນສ່ວນທີ່ເປັນເອກະລັກ '{changed}')"
        if match.kind == "typo":
            if on_shared:
                return "domain_typo_on_shared_host", Reason(
                    f"{typo_en} (a name on the shared host '{view.shared}')",
                    f"{typo_lo} (ຊື່ເທິງໂຮສຮ່ວມ '{view.shared}')"), capped
            if in_sub:
                return ("domain_typo_in_subdomain", Reason(f"{typo_en}, in {unrelated}", f"{typo_lo}, ໃນ{unrelated_lo}"),
                        capped)
            return "domain_typo" if match.distance <= 1 else "domain_typo_far", Reason(typo_en, typo_lo), capped
        # typo inside a longer label
        extra = _extras(match.label.raw, window) if window in match.label.raw else \
            " ".join(match.label.other_words(match.start, match.end))
        feature = "domain_typo_plus_words"
        if on_shared:
            feature = "domain_typo_on_shared_host"
        elif in_sub:
            feature = "domain_typo_in_subdomain"
        if extra:
            typo_en += f", plus '{extra}'"
            typo_lo += f", ບວກ '{extra}'"
        if blob:
            return self._weaker(feature, "domain_key_in_unknown_word"), Reason(
                f"{typo_en} (inside '{detail}')", f"{typo_lo} (ຢູ່ໃນ '{detail}')"), True
        return feature, Reason(typo_en, typo_lo), capped

    def _path_signals(self, url: str, signals: dict[int, _Signals]) -> None:
        try:
            path = unquote(urlsplit(url).path)
        except ValueError:
            return
        cond = flat(_plain(path))
        if len(cond) < self._min_key:
            return
        hits = self.index.contained(cond)  # the whole path too
        if not hits:
            return
        key = max(hits, key=lambda h: h.end - h.start).key
        name = self.brands[key.brand].brand.name
        signals.setdefault(key.brand, _Signals()).identity.append(
            (self.rules.weights.brand_in_path, "path",
             Reason(f"the URL path names '{key.shown}' of {name} on an unrelated host",
                    f"ເສັ້ນທາງ URL ມີຊື່ '{key.shown}' ຂອງ {name} ຢູ່ໃນໂຮສທີ່ບໍ່ກ່ຽວຂ້ອງ"), False, "brand_in_path"))

    # ---------------------------------------------------------------- accounts

    def _score_account(self, candidate: Candidate) -> Score:
        ref = account_ref(candidate)
        ident = ref.handle or ref.page_id or candidate.name
        shown = Reason(f"{ref.platform or 'account'} '{ident}'",
                       f"ບັນຊີ {ref.platform} '{ident}'" if ref.platform else f"ບັນຊີ '{ident}'")
        if ref.handle and (ref.platform, ref.handle) in self._accounts:
            return self._official(candidate, self._accounts[(ref.platform, ref.handle)],
                                  Reason(f"{ref.platform} account '{ref.handle}'", f"ບັນຊີ {ref.platform} '{ref.handle}'"))
        if ref.page_id and (ref.platform, ref.page_id) in self._page_ids:
            return self._official(candidate, self._page_ids[(ref.platform, ref.page_id)],
                                  Reason(f"{ref.platform} page id {ref.page_id}", f"ໜ້າ {ref.platform} ເລກ {ref.page_id}"))
        if ref.handle and (ref.platform, ref.handle) in self._allow_accounts:
            return self._allowed(candidate, self._allow_accounts[(ref.platform, ref.handle)], shown)
        signals: dict[int, _Signals] = {}
        if ref.handle and not ref.handle.isdigit():
            self._handle_signals(ref, signals)
        if candidate.name:
            self._name_signals(candidate.name, "display name", signals, exact_weight=self.rules.weights.name_exact)
        text = " ".join(t for t in (candidate.handle or ref.handle or "", candidate.name or "", candidate.bio or "") if t)
        self._context_modifiers(text, candidate.name or "", signals, page=False)
        return self._verdict(candidate, signals)

    def _handle_signals(self, ref: AccountRef, signals: dict[int, _Signals]) -> None:
        weights = self.rules.weights
        handle = ref.handle or ""
        label = _Label(handle)
        where = f"{ref.platform} handle '{handle}'"
        where_lo = f"ຊື່ບັນຊີ {ref.platform} '{handle}'"
        best: dict[int, tuple[int, Reason, bool]] = {}

        def add(index: int, weight: int, reason: Reason, capped: bool = False) -> None:
            if index not in best or weight > best[index][0]:
                best[index] = (weight, reason, capped)

        plain = _plain(handle)
        for match in self._label_matches(label):
            key = match.key
            index = key.brand
            brand = self.brands[index].brand
            official = self._official_handle_for(index, key)
            how, detail = self._word_verdict(match)
            edits, edits_lo = describe_edits_in_both(match.window_plain, key.plain)
            typo = Reason(f"'{match.window}' in {where} is '{key.plain}' of {brand.name} with {edits}",
                          f"'{match.window}' ໃນ{where_lo} ແມ່ນ '{key.plain}' ຂອງ {brand.name} ທີ່ມີ {edits_lo}")
            if how == "other_word":
                add(index, weights.domain_other_word, Reason(
                    f"'{match.window}' in {where} is the word '{detail}', close to '{key.plain}' of {brand.name}: "
                    f"another word, not the brand",
                    f"'{match.window}' ໃນ{where_lo} ແມ່ນຄຳວ່າ '{detail}', ໃກ້ກັບ '{key.plain}' ຂອງ {brand.name}: "
                    f"ເປັນຄຳອື່ນ, ບໍ່ແມ່ນແບຣນ"), True)
                continue
            if how == "other_name":
                add(index, weights.domain_other_name, Reason(
                    f"{where} is '{key.plain}' of {brand.name} with {edits}, "
                    f"but reads as the words '{detail}': another name close to the brand",
                    f"{where_lo} ແມ່ນ '{key.plain}' ຂອງ {brand.name} ທີ່ມີ {edits_lo}, ແຕ່ອ່ານເປັນຄຳວ່າ '{detail}': "
                    f"ເປັນຊື່ອື່ນທີ່ໃກ້ຄຽງກັບແບຣນ"), True)
                continue
            if how in ("inside", "phrase"):
                add(index, weights.domain_key_inside_word, Reason(
                    f"'{key.plain}' of {brand.name} appears in {where} only inside "
                    f"{'the word' if how == 'inside' else 'the phrase'} '{detail}'",
                    f"'{key.plain}' ຂອງ {brand.name} ປາກົດໃນ{where_lo} ພຽງແຕ່ຢູ່ໃນ"
                    f"{'ຄຳ' if how == 'inside' else 'ວະລີ'} '{detail}'"), True)
                continue
            if match.kind == "exact":
                if official is None:
                    add(index, weights.handle_is_brand_name, Reason(
                        f"{where} is the name '{key.shown}' of {brand.name}",
                        f"{where_lo} ແມ່ນຊື່ '{key.shown}' ຂອງ {brand.name}"))
                elif plain != _plain(official):
                    add(index, weights.handle_homoglyph, Reason(
                        f"{where} is the official handle '{official}' of {brand.name} with "
                        f"{describe_edits(plain, _plain(official))}",
                        f"{where_lo} ແມ່ນຊື່ບັນຊີທາງການ '{official}' ຂອງ {brand.name} ທີ່ມີ "
                        f"{describe_edits(plain, _plain(official), lao=True)}"))
                else:
                    platforms = "/".join(self._platforms_of(index, official))
                    elsewhere, elsewhere_lo = ("", "") if ref.platform in platforms.split("/") else (
                        f"; {brand.name} has no registered {ref.platform or 'such'} account",
                        f"; {brand.name} ບໍ່ມີບັນຊີ {ref.platform or ''} ທີ່ລົງທະບຽນໄວ້")
                    if handle != official:
                        add(index, weights.handle_copies_official, Reason(
                            f"{where} is the official {platforms} handle '{official}' of {brand.name} "
                            f"with {describe_edits(handle, official)}{elsewhere}",
                            f"{where_lo} ແມ່ນຊື່ບັນຊີ {platforms} ທາງການ '{official}' ຂອງ {brand.name} ທີ່ມີ "
                            f"{describe_edits(handle, official, lao=True)}{elsewhere_lo}"))
                    else:
                        add(index, weights.handle_copies_official, Reason(
                            f"{where} copies the official {platforms} handle of {brand.name}{elsewhere}",
                            f"{where_lo} ກັອບປີ້ຊື່ບັນຊີ {platforms} ທາງການຂອງ {brand.name}{elsewhere_lo}"))
            elif match.kind in ("typo", "typo_inside") and (changed := handle_edit_changes_name(
                    match.window_plain, key, inside=match.kind == "typo_inside")):
                # 'devank|patel' for 'devang|patel', 'jvilled|ieu' for 'viller': a real edit
                # in a person's or place's name, or a name's piece inside other letters, is
                # another person's name far more often than a disguise of this one
                add(index, weights.domain_key_inside_word, Reason(
                    f"{typo.en}, but {changed.en}: another name", f"{typo.lo}, ແຕ່{changed.lo}: ເປັນຊື່ອື່ນ"), True)
            elif match.kind == "typo":
                # a real edit of a short handle ('micgos' for 'micmos') is as often another
                # person's: it accuses only with the display name or a lure beside it
                short = len(key.plain) < _LONG_KEY and not lookalike_spelling(match.window_plain, key.plain)
                add(index, weights.handle_typo, typo, short)
            elif match.kind == "contained":
                # a key without a coined part ('smith', 'martin', 'office') plus other words is
                # how namesakes and other businesses name themselves: for a person to judge
                # a person's or company's name (not its handle or domain) plus other words is
                # how namesakes write theirs ('andrewtaylormk'): a lure or the name lifts it
                weak = weak_key(key) or self._part_of_name(index, key) or (key.kind == "name" and official is None)
                capped = how == "blob" or weak
                weight = min(weights.handle_brand_plus_words, weights.domain_key_in_unknown_word) if capped \
                    else weights.handle_brand_plus_words
                if weak:  # below the review tier alone; a lure or the brand's name lifts it
                    weight = min(weight, weights.handle_weak_key_plus_words)
                if official and official in handle:
                    extra = _extras(handle, official)
                    add(index, weight, Reason(
                        f"{where} adds '{extra}' to the official handle '{official}' of {brand.name}",
                        f"{where_lo} ເພີ່ມ '{extra}' ໃສ່ຊື່ບັນຊີທາງການ '{official}' ຂອງ {brand.name}"), capped)
                else:
                    extra = _extras(plain, key.plain) if key.plain in plain else \
                        " ".join(label.other_words(match.start, match.end))
                    add(index, weight, Reason(f"{where} adds '{extra}' to '{key.shown}' of {brand.name}",
                                              f"{where_lo} ເພີ່ມ '{extra}' ໃສ່ '{key.shown}' ຂອງ {brand.name}"), capped)
            else:
                capped = how == "blob"
                weight = min(weights.handle_typo_plus_words, weights.domain_key_in_unknown_word) if capped \
                    else weights.handle_typo_plus_words
                add(index, weight, typo, capped)
        for index, (weight, reason, capped) in best.items():
            signals.setdefault(index, _Signals()).identity.append((weight, "handle", reason, capped, "handle"))

    def _part_of_name(self, index: int, key: Key) -> bool:
        """The key is one word of the brand's name of several ('ramirez' of Leonardo Ramirez):
        every other bearer of that name writes it too."""
        name_words = words(self.brands[index].brand.name)
        return len(name_words) >= 2 and key.plain in name_words

    def _official_handle_for(self, index: int, key: Key) -> str | None:
        """The official handle a key stands for (handles and domain labels double as handles)."""
        for _, handle in sorted(self.brands[index].accounts):
            if flat(_plain(handle)) == key.text:
                return handle
        return None

    def _platforms_of(self, index: int, handle: str) -> list[str]:
        return sorted(p for p, h in self.brands[index].accounts if h == handle)

    def _name_signals(self, name: str, what: str, signals: dict[int, _Signals], exact_weight: int,
                      contains_weight: int | None = None, group: str = "name") -> None:
        """The brand's name or an alias in a display name or title (looked up by word, by
        skeleton and in a small typo index, never brand by brand)."""
        weights = self.rules.weights
        contains_weight = weights.name_contains if contains_weight is None else contains_weight
        name_words = words(name)
        name_fold_compact = fold(name).replace(" ", "")
        name_skeleton = condense(name)
        candidates: list[tuple[int, _Phrase]] = []
        for word in dict.fromkeys(name_words):
            candidates.extend(self._phrase_first.get(word, ()))
        candidates.extend(self._phrase_skeleton.get(name_skeleton, ()))
        if has_lao(name):
            candidates.extend(self._lao_phrases)
        if len(name_skeleton) >= 8:
            for hit in self._name_index.typo(name_skeleton):
                candidates.extend((b, p) for b, p in self._phrase_skeleton.get(hit.key.text, ()))
        best: dict[int, tuple[int, Reason]] = {}
        what_lo = WHAT_LO.get(what, what)
        for index, phrase in dict.fromkeys(candidates):
            brand = self.brands[index]
            bname = brand.brand.name
            is_name = Reason(f"{what} '{name}' is the name '{phrase.shown}' of {bname}",
                             f"{what_lo} '{name}' ແມ່ນຊື່ '{phrase.shown}' ຂອງ {bname}")
            if phrase.lao:
                target = phrase.words[0]
                if name_fold_compact == target:
                    hit = (exact_weight, is_name)
                elif find_on_boundary(name_fold_compact, target) >= 0:
                    hit = (contains_weight, Reason(f"{what} '{name}' contains the name '{phrase.shown}' of {bname}",
                                                   f"{what_lo} '{name}' ມີຊື່ '{phrase.shown}' ຂອງ {bname}"))
                else:
                    continue
            else:
                size = len(phrase.words)
                spans = [i for i in range(len(name_words) - size + 1) if tuple(name_words[i:i + size]) == phrase.words]
                if spans and len(name_words) == size:
                    hit = (exact_weight, is_name)
                elif spans:
                    extra = " ".join(w for i, w in enumerate(name_words) if not spans[0] <= i < spans[0] + size)
                    weight = contains_weight
                    if size == 1 and (proper_noun(phrase.words[0]) or ordinary_word(phrase.words[0])):
                        # 'Lukas' in 'Lukas Lundberg': one common name among others is a namesake
                        weight = min(weight, weights.handle_weak_key_plus_words)
                    hit = (weight, Reason(
                        f"{what} '{name}' contains the name '{phrase.shown}' of {bname} plus '{extra}'",
                        f"{what_lo} '{name}' ມີຊື່ '{phrase.shown}' ຂອງ {bname} ບວກ '{extra}'"))
                elif name_skeleton == phrase.skeleton:
                    hit = (weights.name_lookalike, Reason(
                        f"{is_name.en} written with lookalike characters", f"{is_name.lo} ທີ່ຂຽນດ້ວຍຕົວອັກສອນທີ່ຄ້າຍກັນ"))
                elif len(phrase.skeleton) >= 8 and abs(len(name_skeleton) - len(phrase.skeleton)) <= 1 and \
                        Levenshtein.distance(name_skeleton, phrase.skeleton, score_cutoff=1) <= 1:
                    # a real edit ('Fernando' for 'Fernanda') names another person as often as
                    # it disguises this one: below the review tier unless the handle agrees
                    hit = (weights.name_typo, Reason(
                        f"{is_name.en} with {describe_edits(_plain(name), _plain(phrase.shown))}",
                        f"{is_name.lo} ທີ່ມີ {describe_edits(_plain(name), _plain(phrase.shown), lao=True)}"))
                else:
                    continue
            if index not in best or hit[0] > best[index][0]:
                best[index] = hit
        for index, (weight, reason) in best.items():
            signals.setdefault(index, _Signals()).identity.append((weight, group, reason, False, group))

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
                sig.modifiers.append((weights.lure, Reason(f"lure: '{lure}'", f"ຄຳລໍ້ລວງ: '{lure}'"), "lure"))
            if claims:
                sig.modifiers.append((weights.claims_official, Reason(
                    f"calls itself '{claims[0]}' without being so", f"ອ້າງຕົວວ່າ '{claims[0]}' ທັງທີ່ບໍ່ແມ່ນ"),
                                      "claims_official"))
            if commentary and not found_lures and not claims:
                sig.modifiers.append((weights.commentary, Reason(
                    f"presents itself as commentary or a fan page ('{commentary[0]}') and asks for nothing",
                    f"ສະແດງຕົວເປັນໜ້າຄຳເຫັນ ຫຼື ໜ້າແຟນຄລັບ ('{commentary[0]}') ແລະ ບໍ່ໄດ້ຂໍຫຍັງ"), "commentary"))
            if warnings:
                sig.modifiers.append((weights.warning_context, Reason(
                    f"reads as a warning or report about scams ('{warnings[0]}')",
                    f"ອ່ານແລ້ວເປັນການເຕືອນ ຫຼື ລາຍງານກ່ຽວກັບການຫຼອກລວງ ('{warnings[0]}')"), "warning_context"))

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
            official = lookup_under(self._official_hosts, host)
            if official is not None:
                return self._official(candidate, official, Reason(f"page on '{host}'", f"ໜ້າເວັບເທິງ '{host}'"))
            allowed = lookup_under(self._allow_hosts, host)
            if allowed is not None:
                return self._allowed(candidate, allowed, Reason(f"page on '{host}'", f"ໜ້າເວັບເທິງ '{host}'"))
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
        return self._verdict(candidate, signals)

    def _form_modifiers(self, candidate: Candidate, signals: dict[int, _Signals]) -> None:
        """What the fetched page asks for (set by page enrichment)."""
        weights = self.rules.weights
        for sig in signals.values():
            if sig.best() <= 0:
                continue
            if candidate.has_password_form:
                sig.modifiers.append((weights.password_form, Reason("the page asks for a password",
                                                                    "ໜ້າເວັບຂໍລະຫັດຜ່ານ"), "password_form"))
            if candidate.has_card_form:
                sig.modifiers.append((weights.card_form, Reason("the page asks for a payment card number",
                                                                "ໜ້າເວັບຂໍເລກບັດຈ່າຍເງິນ"), "card_form"))
            if candidate.official_links:
                sig.modifiers.append((weights.links_to_official,
                                      Reason(f"the page links to the official site {candidate.official_links} times",
                                             f"ໜ້າເວັບລິ້ງໄປຫາເວັບໄຊທາງການ {candidate.official_links} ເທື່ອ"),
                                      "links_to_official"))
