"""Scoring rules (weights, thresholds, word lists) as validated data."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Thresholds(_Frozen):
    impersonation: int = Field(ge=1, le=100)
    suspicious: int = Field(ge=1, le=100)


class DistanceStep(_Frozen):
    min_length: int = Field(ge=1)
    distance: int = Field(ge=0, le=3)


class Weights(_Frozen):
    domain_homoglyph: int
    domain_other_tld: int
    domain_other_new_tld: int
    domain_official_in_subdomain: int
    domain_typo: int
    domain_typo_far: int
    domain_split: int
    domain_brand_plus_words: int
    domain_brand_in_subdomain: int
    domain_typo_plus_words: int
    domain_brand_on_shared_host: int
    domain_official_host_in_subdomain: int
    domain_brand_plus_number: int
    domain_typo_on_shared_host: int
    domain_typo_in_subdomain: int
    domain_key_in_unknown_word: int
    domain_key_inside_word: int
    domain_other_word: int
    domain_other_name: int
    domain_glued_lookalike: int
    domain_official_typo_other_reading: int
    domain_name_match: int
    lure_in_domain: int
    brand_in_path: int
    handle_copies_official: int
    handle_homoglyph: int
    handle_typo: int
    handle_brand_plus_words: int
    handle_typo_plus_words: int
    handle_weak_key_plus_words: int
    handle_is_brand_name: int
    name_exact: int
    name_lookalike: int
    name_typo: int
    name_contains: int
    corroboration: int
    claims_official: int
    lure: int
    max_lures: int
    commentary: int
    warning_context: int
    title_mentions_brand: int
    text_mentions_brand: int
    password_form: int
    card_form: int
    links_to_official: int


class Rules(_Frozen):
    thresholds: Thresholds
    min_key_length: int = Field(ge=3)
    max_distance: tuple[DistanceStep, ...]
    corroboration_min_weight: int = Field(ge=0, le=100)
    phrase_min_count: int = Field(ge=0)
    typo_inside_min_length: int = Field(ge=3)
    weights: Weights
    lures: tuple[str, ...]
    official_claims: tuple[str, ...]
    commentary: tuple[str, ...]
    warning_context: tuple[str, ...]
    # lure words of host names and handles by kind (credential, payment, prize, urgency,
    # commerce): the verdict weighs each kind on its own
    domain_lure_words: dict[str, tuple[str, ...]]
    shared_hosting: tuple[str, ...]
    # words of an operator's own host naming (environments, integrations): 'officeci-api',
    # 'outlook-addin' name another company's service built on the brand, not a lure
    technical_words: tuple[str, ...]

    @functools.cached_property
    def lure_words(self) -> frozenset[str]:
        return frozenset(self._lure_kinds)

    @functools.cached_property
    def _lure_kinds(self) -> dict[str, str]:
        return {w: kind for kind, words in sorted(self.domain_lure_words.items()) for w in words}

    def lure_kind(self, word: str) -> str:
        return self._lure_kinds[word]

    def allowed_distance(self, key_length: int) -> int:
        allowed = 0
        for step in self.max_distance:
            if key_length >= step.min_length:
                allowed = max(allowed, step.distance)
        return allowed


def load_rules(path: str | Path | None = None) -> Rules:
    """The packaged default rules, or a rules file given by path."""
    if path is None:
        text = resources.files("monitor.detection").joinpath("data", "scoring_rules.yaml").read_text("utf-8")
        source = "monitor/detection/data/scoring_rules.yaml"
    else:
        text = Path(path).read_text("utf-8")
        source = str(path)
    try:
        return Rules.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{source}: field {field!r}: {first['msg']}") from None
