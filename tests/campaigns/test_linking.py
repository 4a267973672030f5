"""The linking rule and the union-find, pure: one strong artefact or two weak units link; the
template family counts once; merges keep the oldest id; incremental equals all-at-once (checked
against a brute-force oracle with hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.campaigns.artefacts import ArtefactKind
from monitor.campaigns.linking import WEAK_COMMON, UnionFind, link

K = ArtefactKind
# artefact ids -> kinds used below
KINDS = {1: K.PHONE, 2: K.BANK_ACCOUNT, 3: K.HTML_STRUCTURE, 4: K.FAVICON_SHA256, 5: K.SCREENSHOT_PHASH,
         6: K.IMAGE_PHASH, 7: K.IMAGE_PHASH, 8: K.TELEGRAM}


def groups(plan):
    return sorted(sorted(g.findings) for g in plan.groups)


def test_one_strong_artefact_links():
    assert groups(link({1: {1}, 2: {1}, 3: {2}}, {}, KINDS, {})) == [[1, 2]]


def test_a_shared_template_alone_never_links():
    """Structure, favicon and screenshot look all come from a template: one weak unit."""
    plan = link({1: {3, 4, 5}, 2: {3, 4, 5}}, {}, KINDS, {})
    assert plan.groups == []


def test_template_and_one_shared_image_link_and_two_images_link():
    assert groups(link({1: {3, 6}, 2: {3, 6}}, {}, KINDS, {})) == [[1, 2]]
    assert groups(link({1: {6, 7}, 2: {6, 7}}, {}, KINDS, {})) == [[1, 2]]
    assert link({1: {6}, 2: {6}}, {}, KINDS, {}).groups == []


def test_a_weak_artefact_on_very_many_findings_is_a_template_and_counts_for_nothing():
    batch = {f: {6, 7} for f in range(WEAK_COMMON + 5)}
    plan = link(batch, {}, KINDS, {})
    # the first WEAK_COMMON + 1 link (each sees at most WEAK_COMMON earlier holders); later ones do not
    assert max(len(g.findings) for g in plan.groups) == WEAK_COMMON + 1


def test_incremental_join_and_merge_keep_the_oldest_id():
    # findings 10, 11 in campaign 7 (phone 1); 20, 21 in campaign 3 (account 2); 30 shows both
    holders = {1: {10, 11}, 2: {20, 21}}
    plan = link({30: {1, 2}}, holders, KINDS, {10: 7, 11: 7, 20: 3, 21: 3})
    assert len(plan.groups) == 1
    group = plan.groups[0]
    assert group.kept == 3 and group.absorbed == [7] and {30, 10, 20} <= group.findings


def test_a_finding_alone_makes_no_campaign():
    assert link({1: {1}}, {}, KINDS, {}).groups == []


def test_union_find():
    uf = UnionFind()
    assert uf.union(1, 2) and uf.union(3, 4) and not uf.union(2, 1)
    uf.union(2, 4)
    assert uf.find(1) == uf.find(3)
    assert sorted(map(sorted, uf.groups().values())) == [[1, 2, 3, 4]]


def _oracle(findings: dict[int, set[int]]) -> list[list[int]]:
    """Every pair compared: the rule written the plain way, components by repeated merging."""
    from monitor.campaigns.artefacts import STRONG_KINDS, WEAK_FAMILY, Family

    ids = sorted(findings)
    adjacent = {f: set() for f in ids}
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            shared = findings[a] & findings[b]
            strong = any(KINDS[x] in STRONG_KINDS for x in shared)
            template = any(WEAK_FAMILY.get(KINDS[x]) == Family.TEMPLATE for x in shared)
            images = sum(1 for x in shared if WEAK_FAMILY.get(KINDS[x]) == Family.IMAGE)
            if strong or (1 if template else 0) + images >= 2:
                adjacent[a].add(b)
                adjacent[b].add(a)
    seen, out = set(), []
    for f in ids:
        if f in seen:
            continue
        stack, part = [f], []
        seen.add(f)
        while stack:
            x = stack.pop()
            part.append(x)
            for y in adjacent[x] - seen:
                seen.add(y)
                stack.append(y)
        if len(part) > 1:
            out.append(sorted(part))
    return sorted(out)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(1, 40), st.sets(st.sampled_from(sorted(KINDS)), max_size=4), min_size=1,
                       max_size=25),
       st.integers(0, 25))
def test_all_at_once_and_incremental_agree_with_every_pair_compared(findings, split):
    expected = _oracle(findings)
    assert groups(link(findings, {}, KINDS, {})) == expected
    # incremental: the first `split` findings linked and given campaigns, then the rest
    order = sorted(findings)
    first = {f: findings[f] for f in order[:split]}
    rest = {f: findings[f] for f in order[split:]}
    campaign_of, next_id = {}, 1
    for group in link(first, {}, KINDS, {}).groups:
        for f in group.findings:
            campaign_of[f] = next_id
        next_id += 1
    holders: dict[int, set[int]] = {}
    for f, artefacts in first.items():
        for a in artefacts:
            holders.setdefault(a, set()).add(f)
    final = {f: c for f, c in campaign_of.items()}
    for group in link(rest, holders, KINDS, campaign_of).groups:
        kept = group.kept if group.kept is not None else (next_id := next_id + 1)
        for f, c in list(final.items()):
            if c in group.absorbed:
                final[f] = kept
        for f in group.findings:
            final[f] = kept
    by_campaign: dict[int, list[int]] = {}
    for f, c in final.items():
        by_campaign.setdefault(c, []).append(f)
    assert sorted(sorted(v) for v in by_campaign.values()) == expected
