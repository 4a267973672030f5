"""Domain evidence: the signals a host name (and a URL's path) gives for each brand,
and the facts around the strongest one that the calibrated verdict reads. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from monitor.detection.edits import (
    describe_edits,
    describe_edits_in_both,
    lookalike_spelling,
)
from monitor.detection.evidence.hosts import host_view
from monitor.detection.evidence.matching import stronger, weaker, word_verdict
from monitor.detection.labels import Match, MatchKind, Placement, extras_around, label_words, plain_text
from monitor.detection.names import (
    distinctive_part_changed,
)
from monitor.detection.normalize import (
    flat,
)
from monitor.detection.prefilter import (
    IGNORED_SUBDOMAINS,
    TOKEN_SPLIT_RE,
)
from monitor.detection.reasons import (
    SOURCE_LO,
    Reason,
)
from monitor.detection.signals import Modifier, Signal, Signals

if TYPE_CHECKING:
    from monitor.detection.evidence.hosts import HostView
    from monitor.detection.tables import BrandTables


# Host signals that are a lookalike of the whole official name (at least `suspicious`)
WHOLE_NAME_LOOKALIKES = frozenset({"domain_typo", "domain_typo_far", "domain_homoglyph", "domain_split",
                                    "domain_official_typo_other_reading"})

# Host signals of a key read as part of other words ('hi|cloud', 'box office')
READ_AS_OTHER_WORDS = frozenset({"domain_key_inside_word", "domain_other_word", "domain_other_name"})


def host_signals(tables: BrandTables, host: str, signals: dict[int, Signals]) -> None:
    view = host_view(tables, host)
    weights = tables.rules.weights
    found: set[int] = set()

    def add(index: int, feature: str, reason: Reason, capped: bool = False,
            position: int = -1, match: Match | None = None) -> None:
        sig = signals.setdefault(index, Signals())
        weight = getattr(weights, feature)
        if weight > sig.best():  # the facts of the strongest signal
            sig.facts_at = (view, position, match)
        sig.add(Signal(weight, "domain", reason, capped, feature))
        found.add(index)

    where, where_lo = f"domain '{host}'", f"ໂດເມນ '{host}'"
    for brand, domain, position, prefix in view.official_in_front:
        before = [raw for raw in view.labels[:position] if raw not in IGNORED_SUBDOMAINS] + ([prefix] if prefix else [])
        if all(TOKEN_SPLIT_RE.split(raw)[-1] in tables.domain_lures for raw in before):
            name = tables.brands[brand].brand.name
            add(brand, "domain_official_in_subdomain", Reason(
                f"{where} puts the official domain '{domain}' of {name} in front of "
                f"the unrelated domain '{view.registrable}'",
                f"{where_lo} ເອົາໂດເມນທາງການ '{domain}' ຂອງ {name} ໄວ້ທາງໜ້າໂດເມນ '{view.registrable}' "
                f"ທີ່ບໍ່ກ່ຽວຂ້ອງ"))
        else:  # 'odcsm1.live.com.akadns.net': a service's host name inside another's, as CDNs name them
            name = tables.brands[brand].brand.name
            add(brand, "domain_official_host_in_subdomain", Reason(
                f"{where} holds a host name under the official domain '{domain}' of "
                f"{name} in front of the unrelated domain '{view.registrable}'",
                f"{where_lo} ມີຊື່ໂຮສພາຍໃຕ້ໂດເມນທາງການ '{domain}' ຂອງ {name} ຢູ່ທາງໜ້າໂດເມນ "
                f"'{view.registrable}' ທີ່ບໍ່ກ່ຽວຂ້ອງ"), True)
    if view.split is not None:
        key = view.split
        name = tables.brands[key.brand].brand.name
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
        feature, reason, capped = domain_match_signal(tables, view, position, match)
        if getattr(weights, feature) <= 0:
            continue
        if 0 < position < view.identity and position in view.followed_by_suffix and not capped:
            before = [raw for raw in view.labels[:position] if raw not in IGNORED_SUBDOMAINS]
            if not all(TOKEN_SPLIT_RE.split(raw)[-1] in tables.domain_lures for raw in before):
                # 'farm.aa-rt.sharepoint.com.spo-msedge.net': a host name inside another's (CDN naming)
                feature, capped = weaker(tables, feature, "domain_official_host_in_subdomain"), True
        add(match.key.brand, feature, reason, capped, position, match)
        if position == view.identity and view.shared is None and match.key.kind == "domain" \
                and match.kind == MatchKind.CONTAINED and match.window_plain == match.key.plain \
                and feature not in READ_AS_OTHER_WORDS and len(match.label.joined) == len(match.key.plain) + 1:
            # 'laotele' for 'laotel': the official name and one letter, a typo of it
            signals[match.key.brand].official_plus_letter = True
        lure_words.setdefault(match.key.brand, set()).update(lure_words_around(tables, view, position, match))
        if position == view.identity:
            front.setdefault(match.key.brand, set()).update(front_lure_words(tables, view))
    for index in found:
        words_found = lure_words.get(index)
        if words_found is None:
            words_found = set()
            for label in view.labels[: view.identity + 1]:
                words_found |= label_words(label) & tables.domain_lures
        for word in lures_shown(tables, words_found):
            signals[index].modifiers.append(Modifier(weights.lure_in_domain, Reason(
                f"the host name contains the lure word '{word}'", f"ຊື່ໂຮສມີຄຳລໍ້ລວງ '{word}'"),
                f"lure_{tables.rules.lure_kind(word)}"))
        # a site's own 'login.' in front of its name adds nothing to the hand-weighted
        # total; the fitted weights say what it is worth in front of a brand's name
        for word in sorted(front.get(index, set()) - words_found)[:2]:
            signals[index].modifiers.append(Modifier(0, Reason(
                f"the host name has the lure word '{word}' in front of the name",
                f"ຊື່ໂຮສມີຄຳລໍ້ລວງ '{word}' ຢູ່ທາງໜ້າຊື່"), f"front_lure_{tables.rules.lure_kind(word)}"))


def lures_shown(tables: BrandTables, found: set[str]) -> list[str]:
    """At most two lure words, one of each kind first ('pay', 'reactivate' before 'secure'
    beside 'pay'): each kind is evidence of its own."""
    by_kind: dict[str, list[str]] = {}
    for word in sorted(found):
        by_kind.setdefault(tables.rules.lure_kind(word), []).append(word)
    firsts = [words[0] for _, words in sorted(by_kind.items())]
    rest = [w for _, words in sorted(by_kind.items()) for w in words[1:]]
    return (firsts + rest)[:max(2, len(firsts))]


def front_lure_words(tables: BrandTables, view: HostView) -> set[str]:
    found: set[str] = set()
    for raw in view.labels[: view.identity]:
        if raw not in IGNORED_SUBDOMAINS:
            found |= (label_words(raw) | set(TOKEN_SPLIT_RE.split(raw))) & tables.domain_lures
    return found


def lure_words_around(tables: BrandTables, view: HostView, position: int, match: Match) -> set[str]:
    found: set[str] = set()
    for number, raw in enumerate(view.labels[: view.identity + 1]):
        if position == view.identity and number != position:
            continue  # lure words in front of the name ('login.') are a site's own
        if number == position:
            found |= set(match.label.other_words(match.start, match.end)) & tables.domain_lures
            found |= {t for t in TOKEN_SPLIT_RE.split(raw) if t in tables.domain_lures}
        else:
            found |= label_words(raw) & tables.domain_lures
            found |= {t for t in TOKEN_SPLIT_RE.split(raw) if t in tables.domain_lures}
    return found - {match.key.plain}


def domain_match_signal(tables: BrandTables, view: HostView, position: int, match: Match) -> tuple[str, Reason, bool]:
    """(feature, reason, capped) of one match on a host label; the feature names a weight of the rules."""
    key, host = match.key, view.host
    brand = tables.brands[key.brand].brand.name
    on_shared = position == view.identity and view.shared is not None
    in_sub = position < view.identity
    where = f"domain '{host}'" + (f" on the shared host '{view.shared}'" if on_shared else "")
    where_lo = f"ໂດເມນ '{host}'" + (f" ເທິງໂຮສຮ່ວມ '{view.shared}'" if on_shared else "")
    source = {"domain": "official name", "handle": "official handle", "name": "name"}[key.kind]
    source_lo = SOURCE_LO[source]
    unrelated = f"a subdomain of the unrelated domain '{view.registrable}'"
    unrelated_lo = f"ໂດເມນຍ່ອຍຂອງໂດເມນ '{view.registrable}' ທີ່ບໍ່ກ່ຽວຂ້ອງ"
    how, detail = word_verdict(tables, match)
    window = match.window
    compared, compared_lo = f"'{window}' in '{host}'", f"'{window}' ໃນ '{host}'"
    # the edit list is searched only where a reason names it (cached: hosts share labels)
    edits, edits_lo = describe_edits_in_both(match.window_plain, key.plain) if match.kind != MatchKind.EXACT \
        else ("", "")
    if how in (Placement.INSIDE, Placement.BLOB, Placement.PHRASE) and match.kind != MatchKind.EXACT and window.isalnum() \
            and lookalike_spelling(match.window_plain, key.plain):
        # 'login|mlcrosoft|online': letters inside other letters, but written to be read
        # as the brand (a digit or lookalike letter, a swap, a doubled letter), which no
        # honest word does
        return ("domain_glued_lookalike", Reason(
            f"{compared} is '{key.plain}' of {brand} written with {edits}, glued to other letters",
            f"{compared_lo} ແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ຂຽນດ້ວຍ {edits_lo}, ຕິດກັບຕົວອັກສອນອື່ນ"), False)
    if how == Placement.OTHER_WORD:
        return ("domain_other_word", Reason(
            f"{compared} is the word '{detail}', which is '{key.plain}' of {brand} with {edits}: another word, "
            f"not the brand",
            f"{compared_lo} ແມ່ນຄຳວ່າ '{detail}', ເຊິ່ງແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ມີ {edits_lo}: ເປັນຄຳອື່ນ, "
            f"ບໍ່ແມ່ນແບຣນ"), True)
    if how == Placement.OTHER_NAME:
        whole = key.kind == "domain" and match.start == 0 and match.end == len(match.label.joined) \
            and not distinctive_part_changed(match.window_plain, key)[1]
        # 'mao|post' for 'laopost': other words, but the whole label a typo of the official one
        return ("domain_official_typo_other_reading" if whole else "domain_other_name", Reason(
            f"{compared} is '{key.plain}' of {brand} with {edits}, but reads as the words '{detail}': another "
            f"name close to the brand",
            f"{compared_lo} ແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ມີ {edits_lo}, ແຕ່ອ່ານເປັນຄຳວ່າ '{detail}': "
            f"ເປັນຊື່ອື່ນທີ່ໃກ້ຄຽງກັບແບຣນ"), True)
    if how == Placement.INSIDE:
        reading = " ".join(w for _, _, w in match.label.words())
        return ("domain_key_inside_word", Reason(
            f"'{key.plain}' of {brand} appears in '{host}' only inside the word '{detail}' "
            f"('{match.label.raw}' reads '{reading}')",
            f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ພຽງແຕ່ຢູ່ໃນຄຳວ່າ '{detail}' "
            f"('{match.label.raw}' ອ່ານວ່າ '{reading}')"), True)
    if how == Placement.PHRASE:
        return ("domain_key_inside_word", Reason(
            f"'{key.plain}' of {brand} appears in '{host}' as part of the phrase '{detail}'",
            f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ເປັນສ່ວນໜຶ່ງຂອງວະລີ '{detail}'"), True)
    blob = how == Placement.BLOB
    if blob and match.kind == MatchKind.CONTAINED and match.window_plain != key.plain:
        return ("domain_key_inside_word", Reason(
            f"'{key.plain}' of {brand} appears in '{host}' only as '{window}' inside '{detail}'",
            f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ພຽງແຕ່ເປັນ '{window}' ຢູ່ໃນ '{detail}'"), True)
    if match.kind == MatchKind.EXACT:
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
    if match.kind == MatchKind.CONTAINED:
        extra = extras_around(match.label.raw, window) if window in match.label.raw else \
            " ".join(match.label.other_words(match.start, match.end))
        if on_shared:
            others = [w for w in match.label.other_words(match.start, match.end) if not w.isdigit()]
            feature = "domain_brand_on_shared_host" if not others else "domain_brand_plus_words"
        elif in_sub:
            feature = "domain_brand_in_subdomain"
        else:
            feature = "domain_brand_plus_words"
        if blob:
            return (weaker(tables, feature, "domain_key_in_unknown_word"), Reason(
                f"'{key.plain}' of {brand} appears in '{host}' inside '{detail}', which is no word a reader knows",
                f"'{key.plain}' ຂອງ {brand} ປາກົດໃນ '{host}' ຢູ່ໃນ '{detail}', ເຊິ່ງບໍ່ແມ່ນຄຳທີ່ຜູ້ອ່ານຮູ້ຈັກ"), True)
        place, place_lo = (f" in {unrelated}", f" ໃນ{unrelated_lo}") if in_sub else ("", "")
        if match.window_plain != key.plain:
            place += f", written '{window}' ({edits})"
            place_lo += f", ຂຽນວ່າ '{window}' ({edits_lo})"
        others = match.label.other_words(match.start, match.end)
        if not in_sub and others and all(w.isdigit() for w in others):
            feature = stronger(tables, feature, "domain_brand_plus_number")
        return (feature, Reason(f"{where} adds '{extra}' to the {source} '{key.shown}' of {brand}{place}",
                                f"{where_lo} ເພີ່ມ '{extra}' ໃສ່{source_lo} '{key.shown}' ຂອງ {brand}{place_lo}"),
                False)
    typo_en = f"{compared} is '{key.plain}' of {brand} with {edits}"
    typo_lo = f"{compared_lo} ແມ່ນ '{key.plain}' ຂອງ {brand} ທີ່ມີ {edits_lo}"
    changed, rewritten = distinctive_part_changed(match.window_plain, key)
    # inside other letters, even one edit in the distinctive part ('pomel|otel|jkt' for
    # 'lao|tel') reads as another word: the part that names the brand is not there
    if rewritten or (changed and match.kind == MatchKind.TYPO_INSIDE):
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
    if match.kind == MatchKind.TYPO:
        if on_shared:
            return "domain_typo_on_shared_host", Reason(
                f"{typo_en} (a name on the shared host '{view.shared}')",
                f"{typo_lo} (ຊື່ເທິງໂຮສຮ່ວມ '{view.shared}')"), capped
        if in_sub:
            return ("domain_typo_in_subdomain", Reason(f"{typo_en}, in {unrelated}", f"{typo_lo}, ໃນ{unrelated_lo}"),
                    capped)
        return "domain_typo" if match.distance <= 1 else "domain_typo_far", Reason(typo_en, typo_lo), capped
    # typo inside a longer label
    extra = extras_around(match.label.raw, window) if window in match.label.raw else \
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
        return weaker(tables, feature, "domain_key_in_unknown_word"), Reason(
            f"{typo_en} (inside '{detail}')", f"{typo_lo} (ຢູ່ໃນ '{detail}')"), True
    return feature, Reason(typo_en, typo_lo), capped


def path_signals(tables: BrandTables, url: str, signals: dict[int, Signals]) -> None:
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return
    cond = flat(plain_text(path))
    if len(cond) < tables.min_key:
        return
    hits = tables.index.contained(cond)  # the whole path too
    if not hits:
        return
    key = max(hits, key=lambda h: h.end - h.start).key
    name = tables.brands[key.brand].brand.name
    signals.setdefault(key.brand, Signals()).add(Signal(
        tables.rules.weights.brand_in_path, "path",
        Reason(f"the URL path names '{key.shown}' of {name} on an unrelated host",
               f"ເສັ້ນທາງ URL ມີຊື່ '{key.shown}' ຂອງ {name} ຢູ່ໃນໂຮສທີ່ບໍ່ກ່ຽວຂ້ອງ"), False, "brand_in_path"))
