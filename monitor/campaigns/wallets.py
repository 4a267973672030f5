"""Crypto wallet addresses, each kept only when its checksum holds: a random 34-character string
is no wallet, and a typo'd address would link nothing real. Pure.

- BTC: legacy P2PKH/P2SH in Base58Check (`base58`), SegWit/Taproot in bech32/bech32m
  (`segwit`, the BIPs' reference decoder);
- ETH: 0x + 40 hex; a mixed-case address carries its EIP-55 checksum, verified with Keccak-256
  (`pycryptodome`; hashlib's sha3_256 pads differently and gives other hashes); all-lower or
  all-upper carries none and is kept as written;
- TRX (USDT on TRON): Base58Check, version byte 0x41."""

from __future__ import annotations

import re

import base58
from Crypto.Hash import keccak

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.segwit import segwit_valid
from monitor.campaigns.text import MAX_PER_KIND, prepare

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BTC_LEGACY_RE = re.compile(rf"(?<![{_B58}])[13][{_B58}]{{25,34}}(?![{_B58}])")
_BTC_BECH32_RE = re.compile(r"(?<![a-z0-9])bc1[ac-hj-np-z02-9]{8,87}(?![a-z0-9])", re.IGNORECASE)
_ETH_RE = re.compile(r"(?<![0-9a-zA-Z])0x[0-9a-fA-F]{40}(?![0-9a-zA-Z])")
_TRX_RE = re.compile(rf"(?<![{_B58}])T[{_B58}]{{33}}(?![{_B58}])")
# Most candidate strings checked per kind: hashing is the cost; a page of random base58 stays cheap.
MAX_CHECKS = 200


def _base58check_version(address: str) -> int | None:
    try:
        payload = base58.b58decode_check(address)
    except ValueError:
        return None
    return payload[0] if len(payload) == 21 else None


def btc_valid(address: str) -> bool:
    if address[:3].lower() == "bc1":
        return segwit_valid("bc", address)
    return _base58check_version(address) in (0x00, 0x05)


def eth_checksum_ok(address: str) -> bool:
    """EIP-55: the case of each hex letter is the matching nibble of keccak256(lower hex) >= 8."""
    body = address[2:]
    if body.islower() or body.isupper() or body.isdigit():
        return True  # no checksum written: nothing to verify
    digest = keccak.new(digest_bits=256, data=body.lower().encode("ascii")).hexdigest()
    return all(c.isdigit() or (c.isupper() == (int(h, 16) >= 8)) for c, h in zip(body, digest[:40], strict=True))


def trx_valid(address: str) -> bool:
    return _base58check_version(address) == 0x41


def wallets(text: str | None) -> list[Artefact]:
    prepared = prepare(text)
    out: list[Artefact] = []
    for kind, pattern, valid, normal in (
        (ArtefactKind.BTC_WALLET, _BTC_LEGACY_RE, btc_valid, str),
        (ArtefactKind.BTC_WALLET, _BTC_BECH32_RE, btc_valid, str.lower),
        (ArtefactKind.ETH_WALLET, _ETH_RE, eth_checksum_ok, str.lower),
        (ArtefactKind.TRX_WALLET, _TRX_RE, trx_valid, str),
    ):
        found: dict[str, None] = {}
        for checks, match in enumerate(pattern.finditer(prepared)):
            if checks >= MAX_CHECKS or len(found) >= MAX_PER_KIND:
                break
            if valid(match.group()):
                found[normal(match.group())] = None
        out.extend(Artefact(kind, v) for v in found)
    return out
