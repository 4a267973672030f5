"""Reasons a brand owner can read, and the hard cases the issue lists."""

from __future__ import annotations

from monitor.detection.models import Candidate


def _score(scorer, **fields):
    return scorer.score(Candidate(**fields))


def test_handle_that_adds_words_to_the_official_handle(scorer):
    result = _score(scorer, kind="account", platform="facebook", handle="laoairlines.official1", name="Lao Airlines")
    assert result.verdict == "impersonation" and result.brand == "lao-airlines"
    assert "facebook handle 'laoairlines.official1' adds 'official1' to the official handle 'laoairlines' of Lao Airlines" in result.reasons


def test_domain_with_an_accented_letter(scorer):
    result = _score(scorer, kind="domain", domain="xn--laoarlines-n8a.com")  # laoaírlines.com
    assert result.verdict == "impersonation" and result.brand == "lao-airlines"
    assert result.reasons[0] == ("domain 'laoaírlines.com' is the official name 'laoairlines' of Lao Airlines "
                                 "with 'í' for 'i'")


def test_subdomains_of_official_domains_are_official(scorer):
    for host in ("booking.laoairlines.com", "WWW.LAOTEL.COM.", "news.laotiantimes.com"):
        assert _score(scorer, kind="domain", domain=host).verdict == "official", host


def test_brand_in_subdomain_of_unrelated_domain_and_shared_hosting(scorer):
    result = _score(scorer, kind="domain", domain="laopost.delivery-fee.top")
    assert result.verdict == "impersonation" and result.brand == "laopost"
    hosted = _score(scorer, kind="domain", domain="laoairlines-promo.blogspot.com")
    assert hosted.verdict == "impersonation" and "blogspot.com" in hosted.reasons[0]


def test_fan_page_or_other_organisation_sharing_a_word_is_not_flagged(scorer):
    cases = [
        dict(kind="account", platform="facebook", handle="laostarairlinesfans", name="Lao Star Airlines Fans"),
        dict(kind="account", platform="facebook", handle="times.of.laos", name="Times of Laos"),
        dict(kind="account", platform="facebook", handle="postcardsfromlaos", name="Postcards from Lao"),
        dict(kind="account", platform="facebook", handle="laoairlinesspotters", name="Lao Airlines Spotters",
             bio="Photos of aircraft at Wattay airport"),
    ]
    for fields in cases:
        assert _score(scorer, **fields).verdict == "unrelated", fields


def test_lao_display_name_with_lure(scorer):
    result = _score(scorer, kind="account", platform="facebook", handle="100099", name="ລາວໂທລະຄົມ ແຈກອິນເຕີເນັດຟຣີ")
    assert result.verdict == "impersonation" and result.brand == "lao-telecom"


def test_scam_page_versus_news_and_warnings(scorer):
    scam = _score(scorer, kind="page", url="https://parcel-status.top/track", title="Laopost - parcel held",
                  text="Your parcel is held at customs. Pay the customs fee with your card number to release it.")
    assert scam.verdict == "impersonation" and scam.brand == "laopost"
    news = _score(scorer, kind="page", url="https://news.example.net/2026/laopost-new-branch",
                  title="Laopost opens a new branch in Pakse", text="Laopost said the branch opens on Monday.")
    assert news.verdict == "unrelated"
    warning = _score(scorer, kind="page", url="https://news.example.net/scam-warning",
                     title="Lao Airlines warns of fake ticket giveaway pages",
                     text="Lao Airlines said a fake page offering free tickets is a scam.")
    assert warning.verdict == "unrelated", warning


def test_account_url_only(scorer):
    result = _score(scorer, kind="account", url="https://www.instagram.com/laotiantimes")
    assert result.verdict == "impersonation" and result.brand == "laotian-times"
    assert "instagram" in result.reasons[0]
    official = _score(scorer, kind="page", url="https://www.facebook.com/LaoTelecom/", title="Lao Telecom")
    assert official.verdict == "official" and official.brand == "lao-telecom"
