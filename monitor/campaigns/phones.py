"""Phone numbers in text, read by Google's libphonenumber (`phonenumbers`): national numbers are
read as Lao (region LA), every number is checked against its country's plan and written E.164.
Pure."""

from __future__ import annotations

import phonenumbers

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.text import MAX_PER_KIND, prepare

REGION = "LA"
# The matcher gives up after this many candidate runs that are no valid number: bounded work on a
# page of 100,000 numbers (its default, 65,535, costs seconds there).
MAX_TRIES = 500


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(value: str) -> str | None:
    """One number as a person typed it (a registry's hotline), E.164, or None if not a valid one."""
    try:
        number = phonenumbers.parse(prepare(value), REGION)
    except phonenumbers.NumberParseException:
        return None
    return e164(number) if phonenumbers.is_valid_number(number) else None


def phones(text: str | None) -> list[Artefact]:
    prepared = prepare(text)
    found: dict[str, None] = {}
    if not any(c.isdigit() for c in prepared):
        return []
    for match in phonenumbers.PhoneNumberMatcher(prepared, REGION, leniency=phonenumbers.Leniency.VALID,
                                                 max_tries=MAX_TRIES):
        found[e164(match.number)] = None
        if len(found) >= MAX_PER_KIND:
            break
    return [Artefact(ArtefactKind.PHONE, value) for value in found]


def display_phone(value: str) -> str:
    """An E.164 number the way people of its country write it: '+856 20 5555 1234'."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value
