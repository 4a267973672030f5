"""Content evidence shared by accounts and pages: a brand's name in a display name,
title or text, and the modifiers of what the text says (lures, official claims, fan-page and
scam-warning context). Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from monitor.detection.edits import (
    describe_edits,
)
from monitor.detection.labels import (
    plain_text,
)
from monitor.detection.lexicon import ordinary_word, proper_noun
from monitor.detection.normalize import (
    condense,
    find_on_boundary,
    fold,
    has_lao,
    words,
)
from monitor.detection.reasons import (
    WHAT_LO,
    Reason,
)
from monitor.detection.signals import Modifier, Signal, Signals

if TYPE_CHECKING:
    from monitor.detection.tables import BrandTables, Phrase


def name_signals(tables: BrandTables, name: str, what: str, signals: dict[int, Signals], exact_weight: int,
                  contains_weight: int | None = None, group: str = "name") -> None:
    """The brand's name or an alias in a display name or title (looked up by word, by
    skeleton and in a small typo index, never brand by brand)."""
    weights = tables.rules.weights
    contains_weight = weights.name_contains if contains_weight is None else contains_weight
    name_words = words(name)
    name_fold_compact = fold(name).replace(" ", "")
    name_skeleton = condense(name)
    candidates: list[tuple[int, Phrase]] = []
    for word in dict.fromkeys(name_words):
        candidates.extend(tables.phrase_first.get(word, ()))
    candidates.extend(tables.phrase_skeleton.get(name_skeleton, ()))
    if has_lao(name):
        candidates.extend(tables.lao_phrases)
    if len(name_skeleton) >= 8:
        for hit in tables.name_index.typo(name_skeleton):
            candidates.extend((b, p) for b, p in tables.phrase_skeleton.get(hit.key.text, ()))
    best: dict[int, tuple[int, Reason]] = {}
    what_lo = WHAT_LO.get(what, what)
    for index, phrase in dict.fromkeys(candidates):
        brand = tables.brands[index]
        bname = brand.brand.name
        is_name = Reason(f"{what} '{name}' is the name '{phrase.shown}' of {bname}",
                         f"{what_lo} '{name}' ແມ່ນຊື່ '{phrase.shown}' ຂອງ {bname}")
        if phrase.lao:
            target = phrase.words[0]
            if name_fold_compact == target:
                found = (exact_weight, is_name)
            elif find_on_boundary(name_fold_compact, target) >= 0:
                found = (contains_weight, Reason(f"{what} '{name}' contains the name '{phrase.shown}' of {bname}",
                                               f"{what_lo} '{name}' ມີຊື່ '{phrase.shown}' ຂອງ {bname}"))
            else:
                continue
        else:
            size = len(phrase.words)
            spans = [i for i in range(len(name_words) - size + 1) if tuple(name_words[i:i + size]) == phrase.words]
            if spans and len(name_words) == size:
                found = (exact_weight, is_name)
            elif spans:
                extra = " ".join(w for i, w in enumerate(name_words) if not spans[0] <= i < spans[0] + size)
                weight = contains_weight
                if size == 1 and (proper_noun(phrase.words[0]) or ordinary_word(phrase.words[0])):
                    # 'Lukas' in 'Lukas Lundberg': one common name among others is a namesake
                    weight = min(weight, weights.handle_weak_key_plus_words)
                found = (weight, Reason(
                    f"{what} '{name}' contains the name '{phrase.shown}' of {bname} plus '{extra}'",
                    f"{what_lo} '{name}' ມີຊື່ '{phrase.shown}' ຂອງ {bname} ບວກ '{extra}'"))
            elif name_skeleton == phrase.skeleton:
                found = (weights.name_lookalike, Reason(
                    f"{is_name.en} written with lookalike characters", f"{is_name.lo} ທີ່ຂຽນດ້ວຍຕົວອັກສອນທີ່ຄ້າຍກັນ"))
            elif len(phrase.skeleton) >= 8 and abs(len(name_skeleton) - len(phrase.skeleton)) <= 1 and \
                    Levenshtein.distance(name_skeleton, phrase.skeleton, score_cutoff=1) <= 1:
                # a real edit ('Fernando' for 'Fernanda') names another person as often as
                # it disguises this one: below the review tier unless the handle agrees
                found = (weights.name_typo, Reason(
                    f"{is_name.en} with {describe_edits(plain_text(name), plain_text(phrase.shown))}",
                    f"{is_name.lo} ທີ່ມີ {describe_edits(plain_text(name), plain_text(phrase.shown), lao=True)}"))
            else:
                continue
        if index not in best or found[0] > best[index][0]:
            best[index] = found
    for index, (weight, reason) in best.items():
        signals.setdefault(index, Signals()).add(Signal(weight, group, reason, False, group))


def context_modifiers(tables: BrandTables, text: str, shown_name: str, signals: dict[int, Signals], page: bool) -> None:
    """Lures, official claims, fan-page and scam-warning context; only where a brand matched.

    ``shown_name`` is what a visitor reads first (display name, page title): a fan or
    review page says so there, whereas an impersonator's name is just the brand's.
    """
    if not signals:
        return
    weights = tables.rules.weights
    folded = fold(text)
    lures = sorted({m.group(0) for m in tables.lures.finditer(folded)})
    claims = sorted({m.group(0) for m in tables.claims.finditer(folded)})
    # A report about a scam names the lures it warns of; one that also claims to be the
    # real page is a scam using the warning as cover.
    warnings = sorted({m.group(0) for m in tables.warnings.finditer(folded)}) if page and not claims else []
    commentary = sorted({m.group(0) for m in tables.commentary.finditer(fold(shown_name))})
    for index, sig in signals.items():
        if sig.best() <= 0:
            continue
        brand_lures = [k for k in tables.brands[index].keywords if k in folded and k not in lures]
        found_lures = [] if warnings else (lures + brand_lures)[: weights.max_lures]
        for lure in found_lures:
            sig.modifiers.append(Modifier(weights.lure, Reason(f"lure: '{lure}'", f"ຄຳລໍ້ລວງ: '{lure}'"), "lure"))
        if claims:
            sig.modifiers.append(Modifier(weights.claims_official, Reason(
                f"calls itself '{claims[0]}' without being so", f"ອ້າງຕົວວ່າ '{claims[0]}' ທັງທີ່ບໍ່ແມ່ນ"),
                                  "claims_official"))
        if commentary and not found_lures and not claims:
            sig.modifiers.append(Modifier(weights.commentary, Reason(
                f"presents itself as commentary or a fan page ('{commentary[0]}') and asks for nothing",
                f"ສະແດງຕົວເປັນໜ້າຄຳເຫັນ ຫຼື ໜ້າແຟນຄລັບ ('{commentary[0]}') ແລະ ບໍ່ໄດ້ຂໍຫຍັງ"), "commentary"))
        if warnings:
            sig.modifiers.append(Modifier(weights.warning_context, Reason(
                f"reads as a warning or report about scams ('{warnings[0]}')",
                f"ອ່ານແລ້ວເປັນການເຕືອນ ຫຼື ລາຍງານກ່ຽວກັບການຫຼອກລວງ ('{warnings[0]}')"), "warning_context"))
