"""RFC 6962 log entries and static-CT tile leaves -> LeafEntry. Pure.

RFC 6962 s3.4: MerkleTreeLeaf = version(1) leaf_type(1) TimestampedEntry;
TimestampedEntry = timestamp(8) entry_type(2) signed_entry extensions<0..2^16-1>, where
signed_entry is an ASN.1Cert<1..2^24-1> (x509_entry) or a PreCert (issuer_key_hash[32] and
the TBSCertificate<1..2^24-1>, precert_entry). get-entries' extra_data holds, for a precert,
PrecertChainEntry = pre_certificate<1..2^24-1> chain<0..2^24-1>.
static-ct-api: a data tile is a run of TileLeaf = TimestampedEntry, for a precert the
pre_certificate<1..2^24-1>, then certificate_chain (32-byte fingerprints)<0..2^16-1>.

Names of a precert come from its pre_certificate (a whole certificate with the poison
extension), which cryptography reads; the TBSCertificate in the leaf is not a certificate.
One entry that does not parse becomes a LeafEntry with an error; in a tile, a leaf whose
framing is broken loses the rest of that tile (their boundaries are unknown), which the
caller reports as a bad tile."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from monitor.collectors.ct.names import BadCertificate, certificate_names

X509_ENTRY = 0
PRECERT_ENTRY = 1
ENTRY_TYPES = {X509_ENTRY: "x509", PRECERT_ENTRY: "precert"}


class MalformedLeaf(ValueError):
    """Bytes that are not the structure the spec defines."""


@dataclass(frozen=True, slots=True)
class LeafEntry:
    """One log entry: its index, the log's timestamp (ms), its type and its certificate's names
    (as cleaned by names.clean_name). error: why no names could be read (the entry is counted,
    not lost silently)."""

    index: int
    timestamp: int
    entry_type: str
    names: tuple[str, ...]
    size: int = 0  # bytes of the entry as served (leaf and extra data): the bandwidth figures
    error: str | None = None


class _Bytes:
    """A bounds-checked reader of TLS presentation-language fields."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise MalformedLeaf(f"truncated: {n} bytes wanted at {self.pos}, {len(self.data) - self.pos} left")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def vector(self, length_bytes: int) -> bytes:
        return self.take(self.uint(length_bytes))

    @property
    def left(self) -> int:
        return len(self.data) - self.pos


@dataclass(frozen=True, slots=True)
class _Timestamped:
    timestamp: int
    entry_type: int
    cert: bytes | None  # the x509 certificate; None for a precert (its TBS is not read)


def _timestamped_entry(buf: _Bytes) -> _Timestamped:
    timestamp = buf.uint(8)
    entry_type = buf.uint(2)
    if entry_type == X509_ENTRY:
        cert = buf.vector(3)
    elif entry_type == PRECERT_ENTRY:
        buf.take(32)  # issuer_key_hash
        buf.vector(3)  # tbs_certificate
        cert = None
    else:
        raise MalformedLeaf(f"unknown entry type {entry_type}")
    buf.vector(2)  # extensions (static-CT: leaf_index; not needed, the position says it)
    return _Timestamped(timestamp, entry_type, cert)


def _entry(index: int, stamped: _Timestamped, der: bytes, size: int) -> LeafEntry:
    kind = ENTRY_TYPES[stamped.entry_type]
    try:
        return LeafEntry(index, stamped.timestamp, kind, certificate_names(der), size)
    except BadCertificate as exc:
        return LeafEntry(index, stamped.timestamp, kind, (), size, str(exc))


def parse_rfc6962_entry(index: int, leaf_input: bytes, extra_data: bytes) -> LeafEntry:
    """One get-entries item (base64 already decoded). Never raises: a bad entry carries its error."""
    size = len(leaf_input) + len(extra_data)
    try:
        buf = _Bytes(leaf_input)
        version, leaf_type = buf.uint(1), buf.uint(1)
        if version != 0 or leaf_type != 0:
            raise MalformedLeaf(f"MerkleTreeLeaf version {version}, leaf type {leaf_type}")
        stamped = _timestamped_entry(buf)
        if buf.left:
            raise MalformedLeaf(f"{buf.left} bytes after the MerkleTreeLeaf")
        if stamped.cert is not None:
            der = stamped.cert
        else:
            der = _Bytes(extra_data).vector(3)  # PrecertChainEntry.pre_certificate
    except MalformedLeaf as exc:
        return LeafEntry(index, 0, "unknown", (), size, f"malformed entry: {exc}")
    return _entry(index, stamped, der, size)


def parse_data_tile(data: bytes, first_index: int, width: int) -> Iterator[LeafEntry]:
    """The entries of a data tile whose first entry is first_index and which must hold exactly
    width leaves. Raises MalformedLeaf (after yielding the good leaves before it) when the
    tile's framing is broken or its leaf count is not width: the entries after that point are
    unknown, and the caller must not move past them."""
    buf = _Bytes(data)
    for offset in range(width):
        if not buf.left:
            raise MalformedLeaf(f"tile holds {offset} leaves, expected {width}")
        start = buf.pos
        stamped = _timestamped_entry(buf)
        der = stamped.cert if stamped.cert is not None else buf.vector(3)
        chain = buf.vector(2)
        if len(chain) % 32:
            raise MalformedLeaf(f"certificate_chain of {len(chain)} bytes is not a list of fingerprints")
        yield _entry(first_index + offset, stamped, der, buf.pos - start)
    if buf.left:
        raise MalformedLeaf(f"{buf.left} bytes after the tile's {width} leaves")
