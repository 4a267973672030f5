"""Properties of normalisation and scoring (hypothesis)."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.detection.models import VERDICTS, Candidate
from monitor.detection.normalize import clean_text, condense, fold, skeleton

LAO = st.characters(min_codepoint=0x0E80, max_codepoint=0x0EFF)
texts = st.text(alphabet=st.one_of(st.characters(), LAO), max_size=40)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(texts)
@example("R:N")  # separators removed by condense leave 'rn', which reads 'm'
def test_normalisation_is_idempotent(text):
    assert clean_text(clean_text(text)) == clean_text(text)
    assert fold(fold(text)) == fold(text)
    assert skeleton(skeleton(text)) == skeleton(text)
    assert condense(condense(text)) == condense(text)


host_labels = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=20).filter(
    lambda s: not s.startswith("-") and not s.endswith("-"))


@SETTINGS
@given(st.one_of(
    st.builds(lambda a, b: Candidate(kind="domain", domain=f"{a}.{b}"), host_labels, st.sampled_from(["com", "la", "net", "top"])),
    st.builds(lambda h, n, b: Candidate(kind="account", platform="facebook", handle=h, name=n, bio=b), texts, texts, texts),
    st.builds(lambda t, x, u: Candidate(kind="page", url=f"https://{u}.com/", title=t, text=x), texts, texts, host_labels),
))
def test_scores_stay_in_range(scorer, candidate):
    result = scorer.score(candidate)
    assert 0 <= result.score <= 100
    assert result.verdict in VERDICTS
    assert result.reasons


def _case_variants(draw_bits: list[bool], text: str) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(text, draw_bits + [False] * len(text), strict=False))


@SETTINGS
@given(st.data())
def test_official_identities_in_any_case_or_with_trailing_dot_are_official(scorer, registry, data):
    brand = data.draw(st.sampled_from(registry.brands))
    identities = [("domain", d) for d in brand.official.domains] + [
        ("account", (a.platform, a.handle)) for a in brand.official.accounts if a.handle]
    kind, value = data.draw(st.sampled_from(identities))
    flips = data.draw(st.lists(st.booleans(), max_size=40))
    if kind == "domain":
        sub = data.draw(st.sampled_from(["", "www.", "booking.", "m."]))
        host = _case_variants(flips, sub + value) + data.draw(st.sampled_from(["", "."]))
        candidate = Candidate(kind="domain", domain=host)
    else:
        platform, handle = value
        candidate = Candidate(kind="account", platform=platform.upper() if flips[:1] == [True] else platform,
                              handle=_case_variants(flips, handle), name=brand.name)
    result = scorer.score(candidate)
    assert result.verdict == "official", (candidate, result)
    assert result.brand == brand.id
