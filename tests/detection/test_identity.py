"""The finding-key contract (monitor.detection.identity): one finding per impersonating
identity, however it was seen. Stored keys depend on it, so each rule is pinned here."""

from __future__ import annotations

import pytest

from monitor.detection.identity import MAX_KEY_LENGTH, identity_of
from monitor.detection.models import Candidate

SHARED = frozenset({"blogspot.com", "pages.dev"})


@pytest.mark.parametrize(("candidate", "key"), [
    # accounts: platform and handle, however written; a numeric page id wins over a handle
    (Candidate(kind="account", platform="Facebook", handle="@LaoAirlines.Promo"), "facebook:laoairlines.promo"),
    (Candidate(kind="account", url="https://m.facebook.com/laoairlines.promo/"), "facebook:laoairlines.promo"),
    (Candidate(kind="page", url="https://www.facebook.com/profile.php?id=100066777"), "facebook:id:100066777"),
    (Candidate(kind="account", platform="twitter", handle="laotel_gift"), "x:laotel_gift"),
    (Candidate(kind="account", platform="telegram", name="Laopost Parcel"), "telegram:name:laopost parcel"),
    # domains: the registrable domain, or the whole host on shared hosting
    (Candidate(kind="domain", domain="WWW.LaoAirlines-Deal.com."), "domain:laoairlines-deal.com"),
    (Candidate(kind="domain", domain="pay.laopost.com.la"), "domain:laopost.com.la"),
    (Candidate(kind="domain", domain="laoairlines.blogspot.com"), "domain:laoairlines.blogspot.com"),
    (Candidate(kind="domain", domain="xn--lotel-9qa.com"), "domain:lãotel.com"),
    # pages: host and path; a home page is its domain's finding
    (Candidate(kind="page", url="https://laopost-fee.top/pay/?ref=1#x"), "url:laopost-fee.top/pay"),
    (Candidate(kind="page", url="https://laopost-fee.top/"), "domain:laopost-fee.top"),
    (Candidate(kind="page", url="https://laopost.pages.dev/track"), "url:laopost.pages.dev/track"),
    (Candidate(kind="page", url="https://x.com]/login", id="odd"), "url:https://x.com]/login"),
    (Candidate(kind="domain", domain="not a host", id=7), "unknown:7"),
])
def test_canonical_keys(candidate, key):
    assert identity_of(candidate, SHARED).key == key


def test_a_domain_and_its_home_page_are_one_finding_but_shared_hosts_are_not():
    assert identity_of(Candidate(kind="domain", domain="laotel-gift.top")).key == \
        identity_of(Candidate(kind="page", url="https://www.laotel-gift.top/")).key
    assert identity_of(Candidate(kind="domain", domain="a.pages.dev"), SHARED).key != \
        identity_of(Candidate(kind="domain", domain="b.pages.dev"), SHARED).key


def test_keys_are_bounded_and_stable():
    long = Candidate(kind="page", url="https://laopost-fee.top/" + "p" * 5000)
    other = Candidate(kind="page", url="https://laopost-fee.top/" + "p" * 4999 + "q")
    key = identity_of(long).key
    assert len(key) <= MAX_KEY_LENGTH and key == identity_of(long).key
    assert key != identity_of(other).key  # the hash covers the whole URL


def test_labels_are_what_a_person_reads():
    assert identity_of(Candidate(kind="account", platform="facebook", handle="laotel.gift",
                                 name="Lao Telecom Gift")).label == "facebook: laotel.gift (Lao Telecom Gift)"
    assert identity_of(Candidate(kind="page", url="https://laopost-fee.top/pay", title="Pay the fee")).label == \
        "Pay the fee"
