"""Account evidence: what a handle says about each brand (its keys in the handle, how
they sit, which edits). Display names and bios are content (monitor.detection.evidence.content). Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.detection.edits import (
    describe_edits,
    describe_edits_in_both,
    lookalike_spelling,
)
from monitor.detection.evidence.matching import label_matches, word_verdict
from monitor.detection.index import Key
from monitor.detection.labels import Label, MatchKind, Placement, extras_around, plain_text
from monitor.detection.names import (
    _LONG_KEY,
    handle_edit_changes_name,
    weak_key,
)
from monitor.detection.normalize import (
    flat,
    words,
)
from monitor.detection.platforms import AccountRef
from monitor.detection.reasons import (
    Reason,
)
from monitor.detection.signals import Signal, Signals

if TYPE_CHECKING:
    from monitor.detection.tables import BrandTables


def handle_signals(tables: BrandTables, ref: AccountRef, signals: dict[int, Signals]) -> None:
    weights = tables.rules.weights
    handle = ref.handle or ""
    label = Label(handle)
    where = f"{ref.platform} handle '{handle}'"
    where_lo = f"ຊື່ບັນຊີ {ref.platform} '{handle}'"
    best: dict[int, tuple[int, Reason, bool]] = {}

    def add(index: int, weight: int, reason: Reason, capped: bool = False) -> None:
        if index not in best or weight > best[index][0]:
            best[index] = (weight, reason, capped)

    plain = plain_text(handle)
    for match in label_matches(tables, label):
        key = match.key
        index = key.brand
        brand = tables.brands[index].brand
        official = official_handle_for(tables, index, key)
        how, detail = word_verdict(tables, match)
        edits, edits_lo = describe_edits_in_both(match.window_plain, key.plain)
        typo = Reason(f"'{match.window}' in {where} is '{key.plain}' of {brand.name} with {edits}",
                      f"'{match.window}' ໃນ{where_lo} ແມ່ນ '{key.plain}' ຂອງ {brand.name} ທີ່ມີ {edits_lo}")
        if how == Placement.OTHER_WORD:
            add(index, weights.domain_other_word, Reason(
                f"'{match.window}' in {where} is the word '{detail}', close to '{key.plain}' of {brand.name}: "
                f"another word, not the brand",
                f"'{match.window}' ໃນ{where_lo} ແມ່ນຄຳວ່າ '{detail}', ໃກ້ກັບ '{key.plain}' ຂອງ {brand.name}: "
                f"ເປັນຄຳອື່ນ, ບໍ່ແມ່ນແບຣນ"), True)
            continue
        if how == Placement.OTHER_NAME:
            add(index, weights.domain_other_name, Reason(
                f"{where} is '{key.plain}' of {brand.name} with {edits}, "
                f"but reads as the words '{detail}': another name close to the brand",
                f"{where_lo} ແມ່ນ '{key.plain}' ຂອງ {brand.name} ທີ່ມີ {edits_lo}, ແຕ່ອ່ານເປັນຄຳວ່າ '{detail}': "
                f"ເປັນຊື່ອື່ນທີ່ໃກ້ຄຽງກັບແບຣນ"), True)
            continue
        if how in (Placement.INSIDE, Placement.PHRASE):
            add(index, weights.domain_key_inside_word, Reason(
                f"'{key.plain}' of {brand.name} appears in {where} only inside "
                f"{'the word' if how == 'inside' else 'the phrase'} '{detail}'",
                f"'{key.plain}' ຂອງ {brand.name} ປາກົດໃນ{where_lo} ພຽງແຕ່ຢູ່ໃນ"
                f"{'ຄຳ' if how == 'inside' else 'ວະລີ'} '{detail}'"), True)
            continue
        if match.kind == MatchKind.EXACT:
            if official is None:
                add(index, weights.handle_is_brand_name, Reason(
                    f"{where} is the name '{key.shown}' of {brand.name}",
                    f"{where_lo} ແມ່ນຊື່ '{key.shown}' ຂອງ {brand.name}"))
            elif plain != plain_text(official):
                add(index, weights.handle_homoglyph, Reason(
                    f"{where} is the official handle '{official}' of {brand.name} with "
                    f"{describe_edits(plain, plain_text(official))}",
                    f"{where_lo} ແມ່ນຊື່ບັນຊີທາງການ '{official}' ຂອງ {brand.name} ທີ່ມີ "
                    f"{describe_edits(plain, plain_text(official), lao=True)}"))
            else:
                platforms = "/".join(platforms_of(tables, index, official))
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
        elif match.kind in (MatchKind.TYPO, MatchKind.TYPO_INSIDE) and (changed := handle_edit_changes_name(
                match.window_plain, key, inside=match.kind == MatchKind.TYPO_INSIDE)):
            # 'devank|patel' for 'devang|patel', 'jvilled|ieu' for 'viller': a real edit
            # in a person's or place's name, or a name's piece inside other letters, is
            # another person's name far more often than a disguise of this one
            add(index, weights.domain_key_inside_word, Reason(
                f"{typo.en}, but {changed.en}: another name", f"{typo.lo}, ແຕ່{changed.lo}: ເປັນຊື່ອື່ນ"), True)
        elif match.kind == MatchKind.TYPO:
            # a real edit of a short handle ('micgos' for 'micmos') is as often another
            # person's: it accuses only with the display name or a lure beside it
            short = len(key.plain) < _LONG_KEY and not lookalike_spelling(match.window_plain, key.plain)
            add(index, weights.handle_typo, typo, short)
        elif match.kind == MatchKind.CONTAINED:
            # a key without a coined part ('smith', 'martin', 'office') plus other words is
            # how namesakes and other businesses name themselves: for a person to judge
            # a person's or company's name (not its handle or domain) plus other words is
            # how namesakes write theirs ('andrewtaylormk'): a lure or the name lifts it
            weak = weak_key(key) or part_of_name(tables, index, key) or (key.kind == "name" and official is None)
            capped = how == Placement.BLOB or weak
            weight = min(weights.handle_brand_plus_words, weights.domain_key_in_unknown_word) if capped \
                else weights.handle_brand_plus_words
            if weak:  # below the review tier alone; a lure or the brand's name lifts it
                weight = min(weight, weights.handle_weak_key_plus_words)
            if official and official in handle:
                extra = extras_around(handle, official)
                add(index, weight, Reason(
                    f"{where} adds '{extra}' to the official handle '{official}' of {brand.name}",
                    f"{where_lo} ເພີ່ມ '{extra}' ໃສ່ຊື່ບັນຊີທາງການ '{official}' ຂອງ {brand.name}"), capped)
            else:
                extra = extras_around(plain, key.plain) if key.plain in plain else \
                    " ".join(label.other_words(match.start, match.end))
                add(index, weight, Reason(f"{where} adds '{extra}' to '{key.shown}' of {brand.name}",
                                          f"{where_lo} ເພີ່ມ '{extra}' ໃສ່ '{key.shown}' ຂອງ {brand.name}"), capped)
        else:
            capped = how == Placement.BLOB
            weight = min(weights.handle_typo_plus_words, weights.domain_key_in_unknown_word) if capped \
                else weights.handle_typo_plus_words
            add(index, weight, typo, capped)
    for index, (weight, reason, capped) in best.items():
        signals.setdefault(index, Signals()).add(Signal(weight, "handle", reason, capped, "handle"))


def part_of_name(tables: BrandTables, index: int, key: Key) -> bool:
    """The key is one word of the brand's name of several ('ramirez' of Leonardo Ramirez):
    every other bearer of that name writes it too."""
    name_words = words(tables.brands[index].brand.name)
    return len(name_words) >= 2 and key.plain in name_words


def official_handle_for(tables: BrandTables, index: int, key: Key) -> str | None:
    """The official handle a key stands for (handles and domain labels double as handles)."""
    for _, handle in sorted(tables.brands[index].accounts):
        if flat(plain_text(handle)) == key.text:
            return handle
    return None


def platforms_of(tables: BrandTables, index: int, handle: str) -> list[str]:
    return sorted(p for p, h in tables.brands[index].accounts if h == handle)
