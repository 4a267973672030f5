"""The linking rule and the union-find over findings. Pure: ids in, a plan out; `store` reads
the rows the plan needs and writes what it says.

Two findings are linked by one shared strong artefact, or by two weak units: the TEMPLATE family
(structure, favicon, screenshot look) counts as one unit however many of its members are shared,
each shared page image is one more (see `artefacts.Family`). A campaign is a connected group of
two or more findings. Incremental: only the findings whose artefacts changed (the batch) are
looked at, with the earlier findings that share an artefact with them; an earlier finding is
already in the right group, so a strong artefact needs one earlier holder to join the batch to
it, not all of them. A merge keeps the oldest campaign id (the smallest: ids only grow) and
names the others as absorbed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from monitor.campaigns.artefacts import STRONG_KINDS, WEAK_FAMILY, ArtefactKind, Family

# Weak units needed for an edge.
WEAK_UNITS_FOR_EDGE = 2
# A weak artefact held by more findings than this is a template's or a stock image's, not a
# ring's: it is left out of weak counting (and the pair counting stays linear).
WEAK_COMMON = 50


class UnionFind:
    """Disjoint sets over hashable ids, union by size, path halving."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.size[x] = 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for x in self.parent:
            out[self.find(x)].append(x)
        return out


@dataclass
class Group:
    """A connected group touched by the batch, and what becomes of its campaigns."""

    findings: set[int]
    kept: int | None  # the campaign id the group keeps (None: a new campaign is made)
    absorbed: list[int] = field(default_factory=list)  # campaign ids merged into `kept`


@dataclass
class LinkPlan:
    groups: list[Group]
    edges: int  # unions made (for the figures)


def _weak_units(template: bool, images: int) -> int:
    return (1 if template else 0) + images


def link(batch: Mapping[int, Set[int]], holders: Mapping[int, Set[int]], kind_of: Mapping[int, ArtefactKind],
         campaign_of: Mapping[int, int]) -> LinkPlan:
    """Plan the groups the batch makes.

    batch: finding id -> every artefact id it holds (the findings whose artefacts changed);
    holders: artefact id -> earlier finding ids holding it (at least for the batch's artefacts;
             batch findings in it are ignored);
    kind_of: artefact id -> its kind;
    campaign_of: finding id -> its campaign id, for the findings already in one."""
    uf = UnionFind()
    edges = 0
    postings: dict[int, list[int]] = {}  # artefact -> holders seen so far (earlier ones, then the batch's)

    def holders_of(artefact: int) -> list[int]:
        if artefact not in postings:
            postings[artefact] = [g for g in holders.get(artefact, ()) if g not in batch]
        return postings[artefact]

    for finding in batch:
        uf.find(finding)
        template: dict[int, bool] = defaultdict(bool)
        images: dict[int, int] = defaultdict(int)
        for artefact in batch[finding]:
            others = holders_of(artefact)
            kind = kind_of[artefact]
            if kind in STRONG_KINDS:
                if others:
                    edges += uf.union(finding, others[0])  # the earlier holders are one group already
            elif len(others) <= WEAK_COMMON:
                family = WEAK_FAMILY[kind]
                for other in others:
                    if family == Family.TEMPLATE:
                        template[other] = True
                    else:
                        images[other] += 1
            others.append(finding)
        for other in set(template) | set(images):
            if _weak_units(template[other], images[other]) >= WEAK_UNITS_FOR_EDGE:
                edges += uf.union(finding, other)
    # Findings already in one campaign are one group (their links were seen before).
    first_of_campaign: dict[int, int] = {}
    for finding in list(uf.parent):
        campaign = campaign_of.get(finding)
        if campaign is not None:
            if campaign in first_of_campaign:
                uf.union(finding, first_of_campaign[campaign])
            else:
                first_of_campaign[campaign] = finding
    groups = []
    for members in uf.groups().values():
        campaigns = sorted({campaign_of[f] for f in members if f in campaign_of})
        if len(members) < 2 and not campaigns:
            continue
        if not any(f in batch for f in members):
            continue
        kept = campaigns[0] if campaigns else None
        groups.append(Group(set(members), kept, campaigns[1:]))
    return LinkPlan(groups, edges)
