"""The impersonation scorer's front: a pure function of (candidate, registry, rules, fitted weights).

Evidence, then a verdict. The registry is prepared once (monitor.detection.tables: every
brand key in one index, official hosts and accounts, names as phrases). Evidence comes from
pure functions per kind of candidate (monitor.detection.evidence: domain, account, page,
content), each signal a typed record "match -> named feature + a sentence in the owner's
words" (in English and Lao; monitor.detection.signals). Per brand there are *identity* signals
(a domain label, handle, display name or title that resembles the brand) and *modifiers* (lure
words by kind, "official" claims, fan-page and scam-warning context, what a fetched page asks
for). The verdict (monitor.detection.verdict): for a domain calibrated (a logistic model over
the features of monitor.detection.features, fitted by bench/fit_weights.py, shown on the
rules' 0-100 scale); accounts and pages keep the rules' hand-weighted total
(monitor/detection/data/scoring_rules.yaml). Some identity signals can never make an
accusation on their own (a brand key inside another word, another name a few edits from the
brand): they cap the verdict at ``suspicious``. The most probable brand wins, the first in
the registry on a tie.

Brand keys are looked up in one index (monitor.detection.index), never brand by brand;
labels and handles are split into words (monitor.detection.segment) to tell the brand as a
word ('paypal-login', 'your|netflix|account') from a key inside another word
('hi|cloud|cam', 'lao|television'). Reasons quote what was compared, in the owner's spelling.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from monitor.detection import segment
from monitor.detection.domains import MAX_HOST_LENGTH, InvalidHost, host_of_url, normalize_host
from monitor.detection.evidence.account import handle_signals
from monitor.detection.evidence.content import context_modifiers, name_signals
from monitor.detection.evidence.domain import host_signals, path_signals
from monitor.detection.evidence.hosts import brand_tld, host_view, private_extractor, private_parents
from monitor.detection.evidence.page import form_modifiers
from monitor.detection.features import DomainEvidence, features, whole_name_lookalike
from monitor.detection.hostwalk import lookup_under
from monitor.detection.identity import account_ref
from monitor.detection.labels import plain_text
from monitor.detection.lexicon import ordinary_word
from monitor.detection.models import OFFICIAL, UNRELATED, Candidate, Score
from monitor.detection.normalize import flat
from monitor.detection.platforms import parse_account_url, platform_of_host
from monitor.detection.prefilter import HostPrefilter, no_resemblance
from monitor.detection.reasons import Reason
from monitor.detection.rules import Rules
from monitor.detection.signals import Signals
from monitor.detection.tables import BrandTables
from monitor.detection.verdict import DomainModel, domain_verdict, load_model, rules_verdict
from monitor.registry import Registry

__all__ = ["DomainEvidence", "Scorer"]


class Scorer:
    """The scorer's front: prepared once per registry and rules (monitor.detection.tables);
    ``score`` is then a pure function of a candidate. The evidence comes from
    monitor.detection.evidence, the verdict from monitor.detection.verdict."""

    def __init__(self, registry: Registry, rules: Rules, model: DomainModel | None = None):
        self.registry = registry
        self.rules = rules
        self.model = model if model is not None else load_model()
        self.tables = BrandTables(registry, rules)

    @property
    def prefilter(self) -> HostPrefilter:
        return self.tables.prefilter

    def warm_up(self) -> None:
        """Load what is otherwise read on first use (word lists, the suffix list with its
        private section), e.g. before forking workers that share it."""
        segment.segment("warmup")
        segment.common_bigram("box", "office", self.tables.rules.phrase_min_count)
        private_extractor()("x.blogspot.com")
        private_parents()
        self.tables.index.might_match("warmup")  # builds the automata
        ordinary_word("warmup")  # Webster's Second, read once
        self.score(Candidate(kind="domain", domain="warm-up.example.com"))

    def search_terms(self, brand_id: str) -> list[str]:
        """Latin brand strings a source can search for: official labels, handles, names
        ('laoairlines', 'laotel', 'laotelecom')."""
        index = self.tables.index_of(brand_id)
        terms = [k.plain for k in self.tables.brands[index].keys if k.plain.isascii() and k.plain.isalnum()]
        return list(dict.fromkeys(terms))

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
            cond = flat(plain_text(path)) if path.strip("/") else ""
            if len(cond) >= self.tables.min_key and self.tables.index.contained(cond):  # the whole path too
                return True
        else:
            host = text
        host = host.lower().rstrip(".")
        # checked before normalising, which leaves such a host as it is: most names stop here
        checked = host.isascii() and "xn--" not in host
        if checked and self.tables.prefilter.surely_unrelated(host):
            return False
        try:
            host = normalize_host(host)
        except InvalidHost:
            return False
        if not checked and host.isascii() and self.tables.prefilter.surely_unrelated(host):
            return False
        view = host_view(self.tables, host)
        return bool(view.matches or view.split or view.official_in_front)

    def plainly_unrelated(self, host: str) -> bool:
        """What ``score`` answers 'no resemblance' for a domain candidate of this host with no
        URL (a normalised lower-case ASCII host) before any matching: neither a brand's own
        or allowed host, nor under a brand's top-level domain, and surely unrelated."""
        return (self.tables.prefilter.surely_unrelated(host) and lookup_under(self.tables.listed_hosts, host) is None
                and brand_tld(self.tables, host) is None)

    def score(self, candidate: Candidate) -> Score:
        if candidate.kind == "domain":
            return self._score_domain(candidate)
        if candidate.kind == "account":
            return self._score_account(candidate)
        return self._score_page(candidate)

    def _official(self, candidate: Candidate, index: int, what: Reason) -> Score:
        brand = self.tables.brands[index].brand
        return Score(candidate.id, brand.id, 0, OFFICIAL, [f"{what.en} is an official identity of {brand.name}"],
                     [f"{what.lo} ແມ່ນຕົວຕົນທາງການຂອງ {brand.name}"])

    def _allowed(self, candidate: Candidate, index: int, what: Reason) -> Score:
        brand = self.tables.brands[index].brand
        return Score(candidate.id, None, 0, UNRELATED, [f"{what.en} is on the allow list of {brand.name}"],
                     [f"{what.lo} ຢູ່ໃນລາຍການອະນຸຍາດຂອງ {brand.name}"])

    def _score_domain(self, candidate: Candidate) -> Score:
        raw = candidate.domain or host_of_url(candidate.url or "") or ""
        try:
            host = normalize_host(raw)
        except InvalidHost as exc:
            # a hostile name can be megabytes long: the reason quotes its start
            shown = repr(raw) if len(raw) <= MAX_HOST_LENGTH else f"{raw[:80]!r}..."
            return Score(candidate.id, None, 0, UNRELATED, [f"domain {shown}: {exc}"], [f"ໂດເມນ {shown}: {exc}"])
        official = lookup_under(self.tables.official_hosts, host)
        if official is not None:
            return self._official(candidate, official, Reason(f"domain '{host}'", f"ໂດເມນ '{host}'"))
        allowed = lookup_under(self.tables.allow_hosts, host)
        if allowed is not None:
            return self._allowed(candidate, allowed, Reason(f"domain '{host}'", f"ໂດເມນ '{host}'"))
        owner = brand_tld(self.tables, host)
        if owner is not None:
            return Score(candidate.id, None, 0, UNRELATED,
                         [f"domain '{host}' is under '.{host.rsplit('.', 1)[-1]}', the top-level domain of the "
                          f"official name of {self.tables.brands[owner].brand.name}: only the brand can register there"],
                         [f"ໂດເມນ '{host}' ຢູ່ພາຍໃຕ້ '.{host.rsplit('.', 1)[-1]}', ໂດເມນລະດັບສູງສຸດຂອງຊື່ທາງການຂອງ "
                          f"{self.tables.brands[owner].brand.name}: ມີແຕ່ແບຣນເທົ່ານັ້ນທີ່ຈົດທະບຽນໄດ້"])
        if not candidate.url and host.isascii() and self.tables.prefilter.surely_unrelated(host):
            return no_resemblance(candidate.id)
        signals: dict[int, Signals] = {}
        host_signals(self.tables, host, signals)
        if candidate.url:
            path_signals(self.tables, candidate.url, signals)
        return domain_verdict(self.tables, self.model, candidate, signals)

    def domain_evidence(self, host: str) -> list[DomainEvidence]:
        """Each brand's evidence on a host, as the verdict reads it: what
        ``bench/fit_weights.py`` fits the weights on, and what the reference test of the
        verdict recomputes it from."""
        signals: dict[int, Signals] = {}
        host_signals(self.tables, normalize_host(host), signals)
        return [DomainEvidence(index, features(self.tables, sig), sig.capped(), whole_name_lookalike(sig))
                for index, sig in sorted(signals.items()) if sig.best() > 0]

    def _score_account(self, candidate: Candidate) -> Score:
        ref = account_ref(candidate)
        ident = ref.handle or ref.page_id or candidate.name
        shown = Reason(f"{ref.platform or 'account'} '{ident}'",
                       f"ບັນຊີ {ref.platform} '{ident}'" if ref.platform else f"ບັນຊີ '{ident}'")
        if ref.handle and (ref.platform, ref.handle) in self.tables.accounts:
            return self._official(candidate, self.tables.accounts[(ref.platform, ref.handle)],
                                  Reason(f"{ref.platform} account '{ref.handle}'", f"ບັນຊີ {ref.platform} '{ref.handle}'"))
        if ref.page_id and (ref.platform, ref.page_id) in self.tables.page_ids:
            return self._official(candidate, self.tables.page_ids[(ref.platform, ref.page_id)],
                                  Reason(f"{ref.platform} page id {ref.page_id}", f"ໜ້າ {ref.platform} ເລກ {ref.page_id}"))
        if ref.handle and (ref.platform, ref.handle) in self.tables.allow_accounts:
            return self._allowed(candidate, self.tables.allow_accounts[(ref.platform, ref.handle)], shown)
        signals: dict[int, Signals] = {}
        if ref.handle and not ref.handle.isdigit():
            handle_signals(self.tables, ref, signals)
        if candidate.name:
            name_signals(self.tables, candidate.name, "display name", signals, exact_weight=self.tables.rules.weights.name_exact)
        text = " ".join(t for t in (candidate.handle or ref.handle or "", candidate.name or "", candidate.bio or "") if t)
        context_modifiers(self.tables, text, candidate.name or "", signals, page=False)
        return rules_verdict(self.tables, candidate, signals)

    def _score_page(self, candidate: Candidate) -> Score:
        host_raw = host_of_url(candidate.url) if candidate.url else None
        host = None
        if host_raw:
            try:
                host = normalize_host(host_raw)
            except InvalidHost:
                host = None
        if host:
            official = lookup_under(self.tables.official_hosts, host)
            if official is not None:
                return self._official(candidate, official, Reason(f"page on '{host}'", f"ໜ້າເວັບເທິງ '{host}'"))
            allowed = lookup_under(self.tables.allow_hosts, host)
            if allowed is not None:
                return self._allowed(candidate, allowed, Reason(f"page on '{host}'", f"ໜ້າເວັບເທິງ '{host}'"))
            if platform_of_host(host) and parse_account_url(candidate.url or ""):
                as_account = Candidate(kind="account", id=candidate.id, url=candidate.url, name=candidate.title,
                                       bio=candidate.text)
                return self._score_account(as_account)
        signals: dict[int, Signals] = {}
        if host:
            host_signals(self.tables, host, signals)
            path_signals(self.tables, candidate.url or "", signals)
        weights = self.tables.rules.weights
        if candidate.title:
            name_signals(self.tables, candidate.title, "page title", signals, exact_weight=weights.title_mentions_brand,
                               contains_weight=weights.title_mentions_brand, group="content")
        if candidate.text:
            name_signals(self.tables, candidate.text[:5000], "page text", signals, exact_weight=weights.text_mentions_brand,
                               contains_weight=weights.text_mentions_brand, group="content")
            for sig in signals.values():  # title and text are one kind of evidence: keep the stronger
                content = [s for s in sig.identity if s[1] == "content"]
                if len(content) > 1:
                    weakest = min(content, key=lambda s: s[0])
                    sig.remove(weakest)
        text = " ".join(t for t in (candidate.title, (candidate.text or "")[:5000]) if t)
        context_modifiers(self.tables, text, candidate.title or "", signals, page=True)
        form_modifiers(self.tables, candidate, signals)
        return rules_verdict(self.tables, candidate, signals)
