"""What a log signs, checked with the key the log list gives for it. Pure.

RFC 6962 s3.5: a tree head is signed as TreeHeadSignature = version v1(0), signature_type
tree_hash(1), timestamp(8), tree_size(8), sha256_root_hash[32], in a DigitallySigned struct
(hash algorithm 1 byte, sha256 = 4; signature algorithm 1 byte, rsa = 1, ecdsa = 3; the
signature<0..2^16-1>).
static-ct-api: the checkpoint is a signed note (c2sp.org/signed-note, tlog-checkpoint) whose
log signature line is an RFC6962NoteSignature: key name = the origin line; key id = the first
4 bytes of SHA-256(key name || 0x0A || 0x05 || LogID); signature = timestamp(8) ||
TreeHeadSignature's DigitallySigned. Other signature lines (witnesses) are ignored, as the
spec says."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

SHA256 = 4
RSA, ECDSA = 1, 3
RFC6962_NOTE_TYPE = 0x05
MAX_CHECKPOINT_BYTES = 64 * 1024


class BadSignature(ValueError):
    """A tree head the log's key did not sign, or one that cannot be read: never used."""


@dataclass(frozen=True)
class TreeHead:
    """A verified tree head."""

    size: int
    timestamp: int  # ms
    root_hash: bytes


def log_id(key_der: bytes) -> bytes:
    """RFC 6962 s3.2: the LogID is the SHA-256 of the log's public key (SubjectPublicKeyInfo DER)."""
    return hashlib.sha256(key_der).digest()


def tree_head_input(timestamp: int, size: int, root_hash: bytes) -> bytes:
    return struct.pack(">BBQQ", 0, 1, timestamp, size) + root_hash


def verify_digitally_signed(key_der: bytes, blob: bytes, message: bytes) -> None:
    """Raise BadSignature unless blob is a DigitallySigned of message by the key (ECDSA P-256
    or RSA, SHA-256: the algorithms the CT log policies allow)."""
    if len(blob) < 4:
        raise BadSignature("signature too short")
    hash_alg, sig_alg, length = blob[0], blob[1], int.from_bytes(blob[2:4], "big")
    signature = blob[4:]
    if length != len(signature):
        raise BadSignature(f"signature length {length}, {len(signature)} bytes present")
    if hash_alg != SHA256:
        raise BadSignature(f"hash algorithm {hash_alg} (only SHA-256 is allowed)")
    try:
        key = load_der_public_key(key_der)
    except ValueError as exc:
        raise BadSignature(f"the log list's key is not a public key: {exc}") from None
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and sig_alg == ECDSA:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey) and sig_alg == RSA:
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise BadSignature(f"signature algorithm {sig_alg} does not match the log's {type(key).__name__}")
    except InvalidSignature:
        raise BadSignature("the signature does not verify with the log's key") from None


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise BadSignature(f"{what} is not a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature(f"{what} is not base64") from None


def _uint64(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** 63:
        raise BadSignature(f"{what} {value!r} is not a non-negative integer")
    return value


def verify_sth(body: object, key_der: bytes) -> TreeHead:
    """A get-sth answer (decoded JSON) whose signature verifies, as a TreeHead."""
    if not isinstance(body, dict):
        raise BadSignature("get-sth did not answer a JSON object")
    size = _uint64(body.get("tree_size"), "tree_size")
    timestamp = _uint64(body.get("timestamp"), "timestamp")
    root = _b64(body.get("sha256_root_hash"), "sha256_root_hash")
    if len(root) != 32:
        raise BadSignature(f"sha256_root_hash of {len(root)} bytes")
    verify_digitally_signed(key_der, _b64(body.get("tree_head_signature"), "tree_head_signature"),
                            tree_head_input(timestamp, size, root))
    return TreeHead(size, timestamp, root)


def note_key_id(name: str, key_der: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([RFC6962_NOTE_TYPE]) + log_id(key_der)).digest()[:4]


def verify_checkpoint(raw: bytes, origin: str, key_der: bytes) -> TreeHead:
    """A checkpoint (signed note) of the log named origin, signed by its key, as a TreeHead."""
    if len(raw) > MAX_CHECKPOINT_BYTES:
        raise BadSignature(f"checkpoint of {len(raw)} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignature("checkpoint is not UTF-8") from None
    body, sep, signatures = text.partition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise BadSignature("not a signed note (no blank line before the signatures, or no final newline)")
    lines = body.split("\n")
    if len(lines) != 3:  # origin, size, root hash; RFC 6962 note signatures allow no extension lines
        raise BadSignature(f"checkpoint body has {len(lines)} lines, expected 3")
    if lines[0] != origin:
        raise BadSignature(f"checkpoint origin {lines[0][:100]!r}, expected {origin!r}")
    if not lines[1].isdigit() or len(lines[1]) > 19 or (lines[1].startswith("0") and lines[1] != "0"):
        raise BadSignature(f"tree size {lines[1][:30]!r}")
    size = int(lines[1])
    root = _b64(lines[2], "root hash")
    if len(root) != 32:
        raise BadSignature(f"root hash of {len(root)} bytes")
    wanted = note_key_id(origin, key_der)
    for line in signatures[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        name, _, encoded = rest.partition(" ")
        if dash != "\u2014" or name != origin:
            continue  # a witness's or another key's line
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(signature) < 12 or signature[:4] != wanted:
            continue
        timestamp = int.from_bytes(signature[4:12], "big")
        verify_digitally_signed(key_der, signature[12:], tree_head_input(timestamp, size, root))
        return TreeHead(size, timestamp, root)
    raise BadSignature(f"no signature by the log's key (name {origin!r}, key id {wanted.hex()})")
