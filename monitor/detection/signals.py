"""The evidence one candidate gives for one brand: identity signals and modifiers,
each a named feature with its weight in the rules and a sentence in the owner's words. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from monitor.detection.reasons import Reason

if TYPE_CHECKING:
    from monitor.detection.evidence.hosts import HostView
    from monitor.detection.labels import Match


class Signal(NamedTuple):
    """One identity signal: something of the candidate resembles the brand."""

    weight: int  # the rules' weight of the feature (or a weight the evidence chose)
    group: str  # the kind of evidence ('domain', 'handle', 'name', 'content', 'path'): two kinds corroborate
    reason: Reason
    capped: bool  # it cannot accuse on its own
    feature: str  # the rules' weight it carries and the model's feature


class Modifier(NamedTuple):
    """What else the candidate says (a lure word, an official claim, a password form)."""

    weight: int
    reason: Reason
    feature: str


@dataclass(slots=True)
class Signals:
    """One brand's evidence on one candidate."""

    identity: list[Signal] = field(default_factory=list)
    modifiers: list[Modifier] = field(default_factory=list)
    # where the strongest host signal was found (its host, label position and match): what
    # its facts are read from, only when the verdict asks (monitor.detection.verdict)
    facts_at: tuple[HostView, int, Match | None] | None = None
    official_plus_letter: bool = False  # the name label is the official one and one letter more
    # the strongest identity weight, kept as signals are added (asked for several times a brand)
    _best: int | None = None

    def add(self, signal: Signal) -> None:
        self.identity.append(signal)
        if self._best is None or signal.weight > self._best:
            self._best = signal.weight

    def remove(self, signal: Signal) -> None:
        self.identity.remove(signal)
        self._best = max((s.weight for s in self.identity), default=None)

    def ranked(self) -> list[Signal]:
        """The identity signals, strongest first (stable: the first found on a tie)."""
        return sorted(self.identity, key=lambda s: -s.weight)

    def reasons(self) -> list[Reason]:
        """What the owner reads: the identity signals' reasons, strongest first, then the modifiers'."""
        return [s.reason for s in self.ranked()] + [m.reason for m in self.modifiers]

    def best(self) -> int:
        """The strongest identity weight (0 when there is none)."""
        return 0 if self._best is None else self._best

    def corroborated(self, min_weight: int) -> bool:
        """Two different kinds of identity evidence (a handle and a display name), each
        substantial: a title and a URL path mention do not corroborate each other."""
        return len({g for w, g, _, _, _ in self.identity if w >= min_weight}) >= 2

    def capped(self) -> bool:
        """The strongest identity evidence cannot accuse on its own."""
        top = self.best()
        return all(c for w, _, _, c, _ in self.identity if w == top)
