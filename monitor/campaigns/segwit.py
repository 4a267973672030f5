"""SegWit addresses (bc1...): BIP-173 bech32 and BIP-350 bech32m, after the BIPs' reference code.

Written here because the PyPI `bech32` package (1.2.0, 2020) predates BIP-350 and refuses every
Taproot (bc1p) address, which is what new wallets hand out. Pure, about forty lines."""

from __future__ import annotations

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32, _BECH32M = 1, 0x2BC830A3


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def _convertbits(data: list[int], frombits: int, tobits: int) -> list[int] | None:
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return out


def segwit_valid(hrp: str, address: str) -> bool:
    """BIP-350's decode(): the right checksum constant for the witness version, sane lengths."""
    if address.lower() != address and address.upper() != address:
        return False
    address = address.lower()
    pos = address.rfind("1")
    if address[:pos] != hrp or pos + 7 > len(address) or len(address) > 90:
        return False
    if any(c not in CHARSET for c in address[pos + 1:]):
        return False
    data = [CHARSET.find(c) for c in address[pos + 1:]]
    const = _polymod(_hrp_expand(hrp) + data)
    if const not in (_BECH32, _BECH32M):
        return False
    version, program = data[0], _convertbits(data[1:-6], 5, 8)
    if program is None or not 2 <= len(program) <= 40 or version > 16:
        return False
    if version == 0 and (len(program) not in (20, 32) or const != _BECH32):
        return False
    return version == 0 or const == _BECH32M
