"""The brands' own identities as artefacts: a page that shows the real hotline or the brand's
real pixel shows nothing about who made it, so these never link findings. Pure."""

from __future__ import annotations

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.trackers import tracker_id
from monitor.registry import Brand, Registry


def brand_artefacts(brand: Brand) -> set[Artefact]:
    own = brand.official
    found: set[Artefact] = set()
    for number in own.hotlines:  # already E.164 (the registry validated them)
        found |= {Artefact(ArtefactKind.PHONE, number), Artefact(ArtefactKind.WHATSAPP, number)}
    found |= {Artefact(ArtefactKind.BANK_ACCOUNT, digits) for digits in own.bank_accounts}
    found |= {a for ident in own.analytics_ids if (a := tracker_id(ident)) is not None}
    found |= {Artefact(ArtefactKind.FAVICON_SHA256, digest) for digest in own.favicon_sha256}
    for account in own.accounts:
        if account.platform == "telegram" and account.handle:
            found.add(Artefact(ArtefactKind.TELEGRAM, "@" + account.handle.lower()))
        if account.platform == "line" and account.handle:
            found.add(Artefact(ArtefactKind.LINE, account.handle.lower()))
    return found


def registry_artefacts(registry: Registry) -> frozenset[Artefact]:
    return frozenset().union(*(brand_artefacts(b) for b in registry.brands))
