"""Each extractor on real-format samples and on hostile ones: Lao digits, obfuscated spacing,
hidden characters, a page of 100,000 numbers, bad checksums."""

from __future__ import annotations

import time

import pytest

from monitor.campaigns.accounts import bank_accounts, iban_valid, ibans
from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.contacts import emails, messengers
from monitor.campaigns.extract import text_artefacts
from monitor.campaigns.payments import crc16_ccitt, payment_artefacts
from monitor.campaigns.phones import parse_phone, phones
from monitor.campaigns.text import MAX_PER_KIND, prepare
from monitor.campaigns.trackers import trackers
from monitor.campaigns.wallets import wallets
from tests.campaigns.samples import RING_ACCOUNT, payment_code

K = ArtefactKind
RING_PHONE = "+8562055551234"


def values(found, kind):
    return [a.value for a in found if a.kind == kind]


# ---------------------------------------------------------------- text

def test_prepare_reads_lao_and_thai_digits_and_drops_hidden_characters():
    assert prepare("໐໒໐ ໕໕໕໕ ๑๒๓๔") == "020 5555 1234"
    assert prepare("0\u200b2\u202e0\x00 5\u2066555\u00ad1234") == "020 55551234"
    assert prepare("０２０") == "020"  # fullwidth, through NFKC
    assert prepare(None) == ""


# ---------------------------------------------------------------- phones

@pytest.mark.parametrize("text", [
    "ໂທ 020 5555 1234",
    "Call +856 20 5555 1234 now",
    "WhatsApp: +85620-5555-1234",
    "(+856) 20.5555.1234",
    "ໂທຫາ ໐໒໐ ໕໕໕໕ ໑໒໓໔ ດຽວນີ້",  # Lao digits
    "0 2 0 5 5 5 5 1 2 3 4",  # spaced out
    "02055551234",
    "0\u200b20\u200b 5555\u202e 1234",  # zero-width and bidi characters between digits
    "020 5555 1234\x00",
])
def test_phone_forms_are_one_e164_number(text):
    assert values(phones(text), K.PHONE) == [RING_PHONE]


def test_landline_and_foreign_numbers_are_e164_and_nonsense_is_not_a_phone():
    assert values(phones("Office: 021 212 345; Bangkok +66 2 123 4567"), K.PHONE) == ["+85621212345", "+6621234567"]
    assert phones("order 12345678901234, 2026-12-07, 3.14159") == []
    assert parse_phone("1555") is None and parse_phone("+856 21 212 345") == "+85621212345"


def test_a_page_of_100000_numbers_costs_little_and_yields_few():
    page = " ".join(f"020 {5000 + i % 4000} {i % 10000:04d}" for i in range(100_000))
    started = time.process_time()
    found = phones(page) + bank_accounts("BCEL " + page)
    # bounded: at most MAX_PER_KIND of a kind, and the work stops early (no timed assertion:
    # the figure is printed for whoever runs with -s)
    print(f"100,000 numbers: {time.process_time() - started:.2f} s CPU")
    assert len(values(found, K.PHONE)) <= MAX_PER_KIND and len(values(found, K.BANK_ACCOUNT)) <= MAX_PER_KIND


# ---------------------------------------------------------------- bank accounts

@pytest.mark.parametrize("text", [
    "Transfer the fee to BCEL 010-12-00-01234567-001 (Lao Promo)",
    "ໂອນເງິນເຂົ້າ ທະນາຄານການຄ້າ ເລກບັນຊີ ໐໑໐ ໑໒໐ ໐໐໑ ໒໓໔ ໕໖໗ ໐໐໑",  # Lao words and digits
    "BCEL One: 0101 2000 1234 5670 01",
    "account no. 010120001234567001 at BCEL",
])
def test_account_numbers_near_bank_words(text):
    assert values(bank_accounts(text), K.BANK_ACCOUNT) == [RING_ACCOUNT]


def test_numbers_far_from_bank_words_or_phones_or_dates_are_not_accounts():
    assert bank_accounts("Order 010120001234567001 shipped.") == []
    far = "BCEL " + "word " * 40 + "010120001234567001"
    assert bank_accounts(far) == []
    assert values(text_artefacts("BCEL hotline 020 5555 1234, account 0101200012345670"), K.BANK_ACCOUNT) == \
        ["0101200012345670"]
    assert bank_accounts("bank transfer by 20261207") == []


def test_iban_needs_its_mod_97_check():
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert values(ibans("pay to GB82 WEST 1234 5698 7654 32 today"), K.IBAN) == ["GB82WEST12345698765432"]
    assert ibans("pay to GB83 WEST 1234 5698 7654 32 today") == []


# ---------------------------------------------------------------- wallets

def test_wallets_with_checksums():
    text = ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy, "
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq, "
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297; "
            "ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed; USDT (TRC20) TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    found = wallets(text)
    assert values(found, K.BTC_WALLET) == ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                                           "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                                           "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"]
    assert values(found, K.ETH_WALLET) == ["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"]
    assert values(found, K.TRX_WALLET) == ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"]


@pytest.mark.parametrize("bad", [
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # one character off: Base58Check fails
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # EIP-55 case wrong in the last letter
    "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3298",  # bech32m checksum
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdQ",  # mixed case is never valid bech32
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
    "1" + "1" * 33,
])
def test_a_wallet_with_a_broken_checksum_is_no_wallet(bad):
    assert wallets(f"send to {bad} now") == []


def test_an_all_lowercase_eth_address_has_no_checksum_to_check():
    assert values(wallets("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), K.ETH_WALLET) == \
        ["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"]


# ---------------------------------------------------------------- messengers and e-mail

def test_messenger_links_and_ids():
    found = messengers("Join https://t.me/LaoPromoAdmin or t.me/+AbCdEfGhIjKl12, Telegram: @Lao_Gift_Desk; "
                       "chat wa.me/8562055551234 or https://api.whatsapp.com/send?phone=85620 5555 1234; "
                       "LINE ID: laopromo88, https://line.me/ti/p/~LaoPromo88 ; t.me/share/url?x")
    assert values(found, K.TELEGRAM) == ["@laopromoadmin", "+AbCdEfGhIjKl12", "@lao_gift_desk"]
    assert values(found, K.WHATSAPP) == [RING_PHONE]
    assert values(found, K.PHONE) == [RING_PHONE]  # a WhatsApp number is the ring's phone too
    assert values(found, K.LINE) == ["laopromo88"]


def test_emails_lower_cased_and_image_names_are_not_emails():
    assert values(emails("Write to Promo.Desk@Gmail.com or logo@2x.png"), K.EMAIL) == ["promo.desk@gmail.com"]


# ---------------------------------------------------------------- trackers

def test_analytics_and_pixel_ids_in_markup():
    html = """<script async src="https://www.googletagmanager.com/gtag/js?id=G-AB12CD34EF"></script>
    <script>ga('create', 'UA-12345678-3', 'auto'); (function(w,d,s,l,i){})(window,document,'script','dataLayer','GTM-KX9P2Q');
    fbq('init', '123456789012345');</script>
    <noscript><img src="https://www.facebook.com/tr?ev=PageView&amp;id=123456789012345"></noscript>
    <ins class="adsbygoogle" data-ad-client="ca-pub-1234567890123456"></ins>"""
    found = trackers(html)
    assert values(found, K.GOOGLE_ANALYTICS) == ["UA-12345678", "G-AB12CD34EF"]
    assert values(found, K.GOOGLE_TAG_MANAGER) == ["GTM-KX9P2Q"]
    assert values(found, K.META_PIXEL) == ["123456789012345"]
    assert values(found, K.ADSENSE) == ["ca-pub-1234567890123456"]


# ---------------------------------------------------------------- payment QR payloads

def test_payment_codes_for_one_account_are_one_artefact_whatever_the_amount():
    one, other = payment_artefacts(payment_code("50000")), payment_artefacts(payment_code("120000"))
    assert one == other
    assert Artefact(K.BANK_ACCOUNT, RING_ACCOUNT) in one
    assert payment_artefacts(payment_code(account="020120009999999001")) != one


def test_a_payment_code_with_a_wrong_crc_or_broken_tlv_is_not_read():
    code = payment_code()
    assert payment_artefacts(code[:-1] + ("0" if code[-1] != "0" else "1")) == []
    assert payment_artefacts("000201" + "99" * 3000) == []
    assert crc16_ccitt(b"123456789") == 0x29B1  # the CRC-16/CCITT-FALSE check value


def test_a_page_repeating_bank_words_and_numbers_is_bounded_too():
    page = "BCEL account 0101200012345670 " * 100_000
    found = bank_accounts(page)
    assert values(found, K.BANK_ACCOUNT) == ["0101200012345670"]
