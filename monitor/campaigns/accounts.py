"""Bank account numbers, read only near a bank's name or the word for account (Latin and Lao),
and IBAN-like forms with their mod-97 check. Pure.

A run of digits alone is anything (an order number, a date, a phone): next to 'BCEL' or
'ເລກບັນຊີ' it is where the victim is told to pay."""

from __future__ import annotations

import re

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.text import MAX_PER_KIND, prepare

# Lao banks by their short names and full names, and the words for bank and account.
# BCEL = ທະນາຄານການຄ້າຕ່າງປະເທດລາວ (Banque pour le Commerce Extérieur Lao).
BANK_WORDS = (
    "bcel", "bcel one", "ldb", "jdb", "apb", "lvb", "bfl", "stb", "acleda", "maruhan", "indochina bank",
    "phongsavanh", "lao development bank", "joint development bank", "agricultural promotion bank",
    "lao-viet bank", "banque pour le commerce", "bank", "account", "acct", "a/c", "acc no",
    "ທະນາຄານ", "ທະນາຄານການຄ້າ", "ການຄ້າຕ່າງປະເທດ", "ບັນຊີ", "ເລກບັນຊີ", "ໂອນເງິນ", "ໂອນ",
)
_BANK_RE = re.compile("|".join(re.escape(w) for w in sorted(BANK_WORDS, key=len, reverse=True)), re.IGNORECASE)
# How far (characters) from a bank word a number may start or end and still be its account.
NEAR = 60
# Digits with the separators people type between groups ('010-12-00-01234567-001', '0101 2000 1234').
_NUMBER_RE = re.compile(r"(?<![\d])\d(?:[ \-.]?\d){7,23}(?![\d])")
MIN_DIGITS, MAX_DIGITS = 8, 20
# An IBAN: country, check digits, 11-30 letters or digits, optionally in groups of four.
_IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")
# Most bank words in one text looked at: a page that repeats 'bank' 100,000 times costs no more.
MAX_BANK_WORDS = 200


def bank_accounts(text: str | None, *, exclude: frozenset[str] = frozenset()) -> list[Artefact]:
    """Account numbers near a bank word; `exclude` holds digit strings known to be something
    else (the phone numbers found in the same text, national and international forms)."""
    prepared = prepare(text)
    found: dict[str, None] = {}
    spans = []
    for count, word in enumerate(_BANK_RE.finditer(prepared)):
        if count >= MAX_BANK_WORDS:
            break
        spans.append((max(0, word.start() - NEAR), word.end() + NEAR))
    for start, end in _merge(spans):
        for number in _NUMBER_RE.finditer(prepared, max(0, start - 24), end + 24):
            if number.end() < start or number.start() > end:
                continue
            digits = re.sub(r"\D", "", number.group())
            if MIN_DIGITS <= len(digits) <= MAX_DIGITS and digits not in exclude and not _is_date_like(digits):
                found[digits] = None
                if len(found) >= MAX_PER_KIND:
                    return [Artefact(ArtefactKind.BANK_ACCOUNT, v) for v in found]
    return [Artefact(ArtefactKind.BANK_ACCOUNT, v) for v in found]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _is_date_like(digits: str) -> bool:
    """'20261207' (a date next to 'transfer by'): eight digits that read as a year and a day."""
    return len(digits) == 8 and digits[:2] in ("19", "20") and digits[4:6] <= "12" and digits[6:] <= "31"


def iban_valid(candidate: str) -> bool:
    """ISO 13616's mod-97 check."""
    iban = candidate.replace(" ", "").upper()
    if not (15 <= len(iban) <= 34) or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def ibans(text: str | None) -> list[Artefact]:
    prepared = prepare(text).upper()
    found: dict[str, None] = {}
    for match in _IBAN_RE.finditer(prepared):
        value = match.group(1).replace(" ", "")
        if iban_valid(value):
            found[value] = None
            if len(found) >= MAX_PER_KIND:
                break
    return [Artefact(ArtefactKind.IBAN, v) for v in found]
