"""Page evidence: what a fetched page asks for (set by page enrichment). Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.detection.models import Candidate
from monitor.detection.reasons import (
    Reason,
)
from monitor.detection.signals import Modifier, Signals

if TYPE_CHECKING:
    from monitor.detection.tables import BrandTables


def form_modifiers(tables: BrandTables, candidate: Candidate, signals: dict[int, Signals]) -> None:
    """What the fetched page asks for (set by page enrichment)."""
    weights = tables.rules.weights
    for sig in signals.values():
        if sig.best() <= 0:
            continue
        if candidate.has_password_form:
            sig.modifiers.append(Modifier(weights.password_form, Reason("the page asks for a password",
                                                                "ໜ້າເວັບຂໍລະຫັດຜ່ານ"), "password_form"))
        if candidate.has_card_form:
            sig.modifiers.append(Modifier(weights.card_form, Reason("the page asks for a payment card number",
                                                            "ໜ້າເວັບຂໍເລກບັດຈ່າຍເງິນ"), "card_form"))
        if candidate.official_links:
            sig.modifiers.append(Modifier(weights.links_to_official,
                                  Reason(f"the page links to the official site {candidate.official_links} times",
                                         f"ໜ້າເວັບລິ້ງໄປຫາເວັບໄຊທາງການ {candidate.official_links} ເທື່ອ"),
                                  "links_to_official"))
