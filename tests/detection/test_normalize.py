"""Unicode, Lao script, host names and platform URLs on plain data."""

from __future__ import annotations

import re
import unicodedata

import idna
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.detection.domains import defang, is_valid_hostname, normalize_host, split_host
from monitor.detection.normalize import clean_text, find_on_boundary, fold, skeleton, words
from monitor.detection.platforms import parse_account_url


def test_lao_survives_and_is_not_decomposed():
    name = "ການບິນລາວ"
    assert fold(name) == name
    assert unicodedata.is_normalized("NFC", fold(name))
    assert skeleton(name) == name
    # decomposed input comes back composed; zero-width characters vanish
    assert fold("ກາ\u200bນບິນ\u200dລາວ") == name
    # the two spellings of ໜ and ຳ meet
    assert clean_text("ໜ້າ") == clean_text("ຫນ້າ")
    assert clean_text("ຄຳ") == clean_text("ຄໍາ")
    # Lao digits are digits
    assert clean_text("໒໐໒໖") == "2026"


def test_confusables_and_compatibility_forms():
    assert skeleton("Ｌａｏ Ａｉｒｌｉｎｅｓ") == skeleton("Lao Airlines")
    assert skeleton("lаoаirlines") == skeleton("laoairlines")  # Cyrillic а
    assert skeleton("laoaırlines") == skeleton("laoairlines")  # dotless i
    assert skeleton("la0air1ines") == skeleton("laoairlines")  # digits for letters
    assert skeleton("laotiantirnes") == skeleton("laotiantimes")  # rn for m
    assert skeleton("łaoairlinés") == skeleton("laoairlines")  # stroke and accent
    assert skeleton("\u202elaotel\u202c") == "laotel"  # bidi override


def test_words_keep_lao_runs_whole():
    assert words("Lao Airlines | ການບິນລາວ ໂປຣໂມຊັ່ນ!") == ["lao", "airlines", "ການບິນລາວ", "ໂປຣໂມຊັ່ນ"]


def test_lao_substring_respects_syllables():
    assert find_on_boundary("ການບິນລາວໂປຣ", "ການບິນລາວ") == 0
    # a match that would cut off a combining vowel sign is not a match
    assert find_on_boundary("ລາວິ", "ລາວ") == -1
    # nor one followed by a spacing vowel of the same syllable (ະ, າ, ຳ, ຽ)
    assert find_on_boundary("ລາວະ", "ລາວ") == -1 and find_on_boundary("ລາວາ", "ລາວ") == -1
    # nor one that starts after a leading vowel of the same syllable
    assert find_on_boundary("ເລາວ", "ລາວ") == -1


def test_hosts():
    assert normalize_host("LaoAirlines.COM.") == "laoairlines.com"
    assert normalize_host("xn--laoarlines-n8a.com") == "laoaírlines.com"
    parts = split_host("laoairlines.com.verify-account.click")
    assert (parts.subdomain, parts.label, parts.suffix) == ("laoairlines.com", "verify-account", "click")
    assert split_host("shop.laopost.com.la").registrable == "laopost.com.la"
    assert defang("https://laoairlines-deal.com/a.html") == "hxxps://laoairlines-deal[.]com/a.html"


def test_platform_urls():
    cases = {
        "https://www.facebook.com/laoairlines/": ("facebook", "laoairlines", None),
        "https://m.facebook.com/profile.php?id=100066777": ("facebook", None, "100066777"),
        "https://www.instagram.com/laotiantimes/?hl=en": ("instagram", "laotiantimes", None),
        "https://www.tiktok.com/@laotel_official": ("tiktok", "laotel_official", None),
        "https://twitter.com/laotiantimes_": ("x", "laotiantimes_", None),
        "https://x.com/laopost": ("x", "laopost", None),
        "https://t.me/laopost_parcel": ("telegram", "laopost_parcel", None),
        "https://www.youtube.com/@tholakhong": ("youtube", "tholakhong", None),
        "https://www.youtube.com/channel/UC123": ("youtube", None, "UC123"),
    }
    for url, expected in cases.items():
        ref = parse_account_url(url)
        assert (ref.platform, ref.handle, ref.page_id) == expected, url
    for not_profile in ("https://www.facebook.com/watch?v=1", "https://x.com/search?q=lao", "https://example.com/laoairlines",
                        "https://www.youtube.com/watch?v=abc"):
        assert parse_account_url(not_profile) is None, not_profile


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="ab1-.xnZ_é\n", max_size=20))
@example("ab--c.com")
@example("xn--abc.com")
@example("a-.com")
@example("1.com.")
@example("a.b\n")  # '$' would match before a final newline
def test_plain_host_fast_path_agrees_with_idna(host):
    """is_valid_hostname skips IDNA for plain ASCII hosts; it must answer as IDNA does."""
    try:
        encoded = idna.encode(host.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        expected = False
    else:
        labels = encoded.split(".")
        expected = len(encoded) <= 253 and len(labels) >= 2 and all(
            re.fullmatch(r"(?!-)[a-z0-9-]{1,63}(?<!-)", label) for label in labels)
    assert is_valid_hostname(host) == expected
