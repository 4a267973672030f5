"""A local Certificate Transparency log for the tests, the bench and the demo: real
certificates made with `cryptography` (x509 and precertificates with the CT poison
extension), Merkle tree leaves and tree heads as RFC 6962 defines them, served over HTTP on
127.0.0.1 through both read APIs: RFC 6962 (`ct/v1/get-sth`, `ct/v1/get-entries` with its
own batch limit) and static-ct-api (a signed-note checkpoint, gzip data tiles at
`tile/data/<N>[.p/<W>]`). A v3 log list names the logs with their keys.

Faults a real log can show, switched on per log (LogFaults): fewer entries than asked, a
tree that shrinks, a tile of the wrong size, 429 and 500 answers, a bad signature, answers
held until the test releases them (slow answers without sleeping). It is input, not logic
under test."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from monitor.collectors.ct.signatures import log_id, note_key_id, tree_head_input
from monitor.collectors.ct.tiles import TILE_WIDTH, tile_width

_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")  # embedded SCTs


def idna_name(name: str) -> str:
    """A Unicode host name as a certificate spells it (each non-ASCII label as punycode)."""
    return ".".join(label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                    for label in name.split("."))


class CertificateFactory:
    """Makes certificates fast enough for hundreds of thousands: one CA key and one subject key
    (a log does not care whose key a certificate holds)."""

    def __init__(self, *, rsa_ca: bool = False) -> None:
        """rsa_ca: an RSA-2048 issuer, as most public CAs' intermediates (256-byte signatures:
        the sizes the bench measures bandwidth from); slower to sign, so tests use ECDSA."""
        self.ca_key = rsa.generate_private_key(65537, 2048) if rsa_ca else ec.generate_private_key(ec.SECP256R1())
        self.leaf_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo CT Issuing CA")])
        self.issuer_key_hash = hashlib.sha256(self.ca_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
        self.serial = 1000
        self._subject_key_id = x509.SubjectKeyIdentifier.from_public_key(self.leaf_key.public_key())
        self._authority_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key())

    @functools.cached_property
    def issuer_der(self) -> bytes:
        """The issuer's certificate (what a chain's fingerprint is taken of)."""
        return (x509.CertificateBuilder().subject_name(self.ca_name).issuer_name(self.ca_name)
                .public_key(self.ca_key.public_key()).serial_number(1).not_valid_before(_EPOCH)
                .not_valid_after(_EPOCH + dt.timedelta(days=3650)).sign(self.ca_key, hashes.SHA256())
                .public_bytes(serialization.Encoding.DER))

    def _builder(self, names: list[str], cn: str | None) -> x509.CertificateBuilder:
        self.serial += 1
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(self.ca_name)
                   .public_key(self.leaf_key.public_key()).serial_number(self.serial)
                   .not_valid_before(_EPOCH).not_valid_after(_EPOCH + dt.timedelta(days=90)))
        # The extensions a public CA's leaf carries, so that sizes and parsing cost are real ones.
        builder = (builder
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                                  critical=True)
                   .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH,
                                                         x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                   .add_extension(self._subject_key_id, critical=False)
                   .add_extension(self._authority_key_id, critical=False)
                   .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                       x509.AuthorityInformationAccessOID.CA_ISSUERS,
                       x509.UniformResourceIdentifier("http://ca.demo.example/issuer.der"))]), critical=False)
                   .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                       [x509.UniformResourceIdentifier("http://ca.demo.example/crl/17.crl")], None, None, None)]),
                       critical=False)
                   .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                       x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), critical=False))
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(idna_name(n)) for n in names]), critical=False)
        return builder

    def certificate(self, names: list[str], cn: str | None = None) -> bytes:
        """An x509 certificate (DER) for names (Unicode names are written as punycode), with the
        two SCTs a final certificate carries."""
        builder = self._builder(names, idna_name(cn) if cn else None)
        builder = builder.add_extension(x509.UnrecognizedExtension(SCT_LIST_OID, self._sct_list), critical=False)
        return builder.sign(self.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    @functools.cached_property
    def _sct_list(self) -> bytes:
        """The extension's value: an OCTET STRING holding a TLS SignedCertificateTimestampList
        (RFC 6962 s3.3) of two well-formed SCTs (their signatures are not checked by anyone)."""
        scts = b""
        for n in range(2):
            signature = self.leaf_key.sign(bytes([n]), ec.ECDSA(hashes.SHA256()))
            sct = (b"\x00" + hashlib.sha256(bytes([n])).digest() + _u(1767225600000 + n, 8) + _u(0, 2)
                   + bytes([4, 3]) + _u(len(signature), 2) + signature)
            scts += _u(len(sct), 2) + sct
        tls = _u(len(scts), 2) + scts
        return b"\x04" + (bytes([len(tls)]) if len(tls) < 128 else b"\x81" + bytes([len(tls)])) + tls

    def precertificate(self, names: list[str], cn: str | None = None) -> tuple[bytes, bytes]:
        """(the precertificate with the critical poison extension, its TBSCertificate without it)."""
        builder = self._builder(names, idna_name(cn) if cn else None)
        plain = builder.sign(self.ca_key, hashes.SHA256())
        poisoned = builder.add_extension(x509.PrecertPoison(), critical=True).sign(self.ca_key, hashes.SHA256())
        return poisoned.public_bytes(serialization.Encoding.DER), plain.tbs_certificate_bytes


def _u(n: int, size: int) -> bytes:
    return n.to_bytes(size, "big")


@dataclass
class Entry:
    timestamp: int
    precert: bool
    cert: bytes  # x509: the certificate; precert: the precertificate
    tbs: bytes = b""  # precert only
    issuer_key_hash: bytes = b"\x00" * 32
    chain: tuple[bytes, ...] = ()  # issuer certificates (only their fingerprints go in tiles)
    raw_leaf: bytes | None = None  # a hostile entry: served as is, in both APIs

    def timestamped_entry(self, index: int, static: bool) -> bytes:
        if self.precert:
            signed = _u(1, 2) + self.issuer_key_hash + _u(len(self.tbs), 3) + self.tbs
        else:
            signed = _u(0, 2) + _u(len(self.cert), 3) + self.cert
        # static-ct-api logs put the leaf_index extension in every entry (type 0, 5 bytes)
        extensions = (b"\x00" + _u(5, 2) + _u(index, 5)) if static else b""
        return _u(self.timestamp, 8) + signed + _u(len(extensions), 2) + extensions

    def merkle_leaf(self, index: int, static: bool) -> bytes:
        return b"\x00\x00" + self.timestamped_entry(index, static)

    def extra_data(self) -> bytes:
        chain = b"".join(_u(len(c), 3) + c for c in self.chain)
        if self.precert:
            return _u(len(self.cert), 3) + self.cert + _u(len(chain), 3) + chain
        return _u(len(chain), 3) + chain

    def tile_leaf(self, index: int) -> bytes:
        if self.raw_leaf is not None:
            return self.raw_leaf
        body = self.timestamped_entry(index, True)
        if self.precert:
            body += _u(len(self.cert), 3) + self.cert
        prints = b"".join(hashlib.sha256(c).digest() for c in self.chain)
        return body + _u(len(prints), 2) + prints


def merkle_root(leaf_hashes: list[bytes]) -> bytes:
    """RFC 6962 s2.1 Merkle Tree Hash over leaf hashes (SHA-256(0x00 || leaf))."""
    if not leaf_hashes:
        return hashlib.sha256(b"").digest()
    level = leaf_hashes
    # Pair from the left; an odd last node moves up as it is: the same tree as the recursive
    # split at the largest power of two below n.
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


@dataclass
class LogFaults:
    max_batch: int = 1000  # get-entries answers at most this many (the server's own limit)
    short_answers: int = 0  # answer this many fewer than it could (at least one)
    reported_size: int | None = None  # the size its tree heads claim (a tree that shrinks)
    wrong_tile: int | None = None  # this data tile is served with its last leaf missing
    rate_limit: int = 0  # answer 429 (Retry-After: 120) this many times
    server_errors: int = 0  # answer 500 this many times
    bad_signature: bool = False
    hold: threading.Event | None = None  # entry/tile answers wait until this is set
    held: threading.Event = field(default_factory=threading.Event)  # set when an answer is being held
    hold_after: int = 0  # let this many entry/tile answers through before holding
    answered: int = 0


class LocalLog:
    def __init__(self, name: str, factory: CertificateFactory | None = None, *, static: bool = False,
                 state: str = "usable"):
        self.name, self.static, self.state = name, static, state
        self.factory = factory or CertificateFactory()
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.key_der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
        self.entries: list[Entry] = []
        self._hashes: list[bytes] = []
        self.faults = LogFaults()
        self.base_url = ""  # set by the server
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        """static-ct-api: the submission prefix without scheme or trailing slash."""
        return self.base_url.split("://", 1)[-1].rstrip("/")

    # ------------------------------------------------------------ filling

    def add(self, names: list[str], *, precert: bool = False, cn: str | None = None) -> int:
        issuer = self.factory.issuer_der
        if precert:
            pre, tbs = self.factory.precertificate(names, cn)
            entry = Entry(self._timestamp(), True, pre, tbs, self.factory.issuer_key_hash, (issuer,))
        else:
            entry = Entry(self._timestamp(), False, self.factory.certificate(names, cn), chain=(issuer,))
        return self.add_entry(entry)

    def add_der(self, der: bytes, *, precert: bool = False) -> int:
        """An entry with these certificate bytes as they are (hostile DER included)."""
        if precert:
            return self.add_entry(Entry(self._timestamp(), True, der, b"\x30\x00", self.factory.issuer_key_hash))
        return self.add_entry(Entry(self._timestamp(), False, der))

    def add_entry(self, entry: Entry) -> int:
        with self.lock:
            index = len(self.entries)
            self.entries.append(entry)
            leaf = entry.raw_leaf if entry.raw_leaf is not None else entry.merkle_leaf(index, self.static)
            self._hashes.append(hashlib.sha256(b"\x00" + leaf).digest())
            return index

    def _timestamp(self) -> int:
        return int((_EPOCH + dt.timedelta(seconds=len(self.entries))).timestamp() * 1000)

    # ------------------------------------------------------------ tree heads

    def tree_head(self) -> tuple[int, int, bytes, bytes]:
        """(size, timestamp, root hash, DigitallySigned) of the current tree (as its faults say)."""
        with self.lock:
            size = len(self.entries) if self.faults.reported_size is None else self.faults.reported_size
            root = merkle_root(self._hashes[:size])
        timestamp = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        signature = self.key.sign(tree_head_input(timestamp, size, root), ec.ECDSA(hashes.SHA256()))
        if self.faults.bad_signature:
            signature = self.key.sign(b"something else", ec.ECDSA(hashes.SHA256()))
        return size, timestamp, root, bytes([4, 3]) + _u(len(signature), 2) + signature

    def sth(self) -> dict[str, Any]:
        size, timestamp, root, signed = self.tree_head()
        return {"tree_size": size, "timestamp": timestamp, "sha256_root_hash": base64.b64encode(root).decode(),
                "tree_head_signature": base64.b64encode(signed).decode()}

    def checkpoint(self) -> bytes:
        size, timestamp, root, signed = self.tree_head()
        body = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        sig = note_key_id(self.origin, self.key_der) + _u(timestamp, 8) + signed
        witness = base64.b64encode(b"\x01\x02\x03\x04" + b"\x00" * 64).decode()
        return (f"{body}\n\u2014 witness.example {witness}\n"
                f"\u2014 {self.origin} {base64.b64encode(sig).decode()}\n").encode()

    # ------------------------------------------------------------ entries

    def get_entries(self, start: int, end: int) -> dict[str, Any]:
        with self.lock:
            size = len(self.entries)
            stop = min(end + 1, size, start + self.faults.max_batch)
            if self.faults.short_answers:
                stop = max(start + 1, stop - self.faults.short_answers)
            chosen = list(enumerate(self.entries[start:stop], start))
        return {"entries": [{"leaf_input": base64.b64encode(e.raw_leaf if e.raw_leaf is not None
                                                            else e.merkle_leaf(i, self.static)).decode(),
                             "extra_data": base64.b64encode(e.extra_data()).decode()} for i, e in chosen]}

    def data_tile(self, n: int, width: int) -> bytes | None:
        with self.lock:
            size = len(self.entries)
            if width != tile_width(n, size) and not (width == TILE_WIDTH and tile_width(n, size) == TILE_WIDTH):
                return None  # only tiles that exist (a partial tile of the current width)
            leaves = [e.tile_leaf(n * TILE_WIDTH + i) for i, e in
                      enumerate(self.entries[n * TILE_WIDTH:n * TILE_WIDTH + width])]
        if self.faults.wrong_tile == n:
            leaves = leaves[:-1]
        return b"".join(leaves)

    # ------------------------------------------------------------ log list

    def list_entry(self) -> dict[str, Any]:
        entry = {"description": f"Local {self.name} log", "log_id": base64.b64encode(log_id(self.key_der)).decode(),
                 "key": base64.b64encode(self.key_der).decode(), "mmd": 86400,
                 "state": {self.state: {"timestamp": "2026-01-01T00:00:00Z"}},
                 "temporal_interval": {"start_inclusive": "2026-01-01T00:00:00Z",
                                       "end_exclusive": "2099-01-01T00:00:00Z"}}
        if self.static:
            return {**entry, "submission_url": self.base_url, "monitoring_url": self.base_url}
        return {**entry, "url": self.base_url}


def log_list(logs: list[LocalLog]) -> dict[str, Any]:
    """A v3 log list naming these logs (RFC 6962 ones under logs[], static ones under tiled_logs[])."""
    return {"version": "local", "log_list_timestamp": "2026-01-01T00:00:00Z",
            "operators": [{"name": "Local operator", "email": ["ct@localhost"],
                           "logs": [log.list_entry() for log in logs if not log.static],
                           "tiled_logs": [log.list_entry() for log in logs if log.static]}]}


class LocalCtServer:
    """Serves the logs at http://127.0.0.1:<port>/<name>/ and their list at /log_list.json."""

    def __init__(self, logs: list[LocalLog], port: int = 0):
        self.logs = {log.name: log for log in logs}
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # http.server naming
                outer.requests.append(self.path)
                status, ctype, body, headers = outer.respond(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        for log in logs:
            log.base_url = f"{self.url}/{log.name}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def list_url(self) -> str:
        return f"{self.url}/log_list.json"

    def respond(self, raw_path: str) -> tuple[int, str, bytes, dict[str, str]]:
        parts = urlsplit(raw_path)
        if parts.path == "/log_list.json":
            return 200, "application/json", json.dumps(log_list(list(self.logs.values()))).encode(), {}
        name, _, rest = parts.path.lstrip("/").partition("/")
        log = self.logs.get(name)
        if log is None:
            return 404, "text/plain", b"no such log", {}
        faults = log.faults
        if faults.rate_limit > 0:
            faults.rate_limit -= 1
            return 429, "text/plain", b"slow down", {"Retry-After": "120"}
        if faults.server_errors > 0:
            faults.server_errors -= 1
            return 500, "text/plain", b"oops", {}
        if not log.static and rest == "ct/v1/get-sth":
            return 200, "application/json", json.dumps(log.sth()).encode(), {}
        if log.static and rest == "checkpoint":
            return 200, "text/plain; charset=utf-8", log.checkpoint(), {}
        if not log.static and rest == "ct/v1/get-entries":
            query = parse_qs(parts.query)
            try:
                start, end = int(query["start"][0]), int(query["end"][0])
            except (KeyError, ValueError):
                return 400, "text/plain", b"start and end", {}
            self._maybe_hold(faults)
            return 200, "application/json", json.dumps(log.get_entries(start, end)).encode(), {}
        if log.static and rest.startswith("tile/data/"):
            found = _parse_tile_path(rest[len("tile/data/"):])
            body = log.data_tile(*found) if found else None
            if body is None:
                return 404, "text/plain", b"no such tile", {}
            self._maybe_hold(faults)
            return 200, "application/octet-stream", gzip.compress(body, 1), {"Content-Encoding": "gzip"}
        return 404, "text/plain", b"not found", {}

    @staticmethod
    def _maybe_hold(faults: LogFaults) -> None:
        faults.answered += 1
        if faults.hold is not None and faults.answered > faults.hold_after:
            faults.held.set()
            faults.hold.wait(30)

    def close(self) -> None:
        for log in self.logs.values():
            if log.faults.hold is not None:
                log.faults.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LocalCtServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _parse_tile_path(path: str) -> tuple[int, int] | None:
    """(N, W) from x001/x234/067[.p/W], strictly as the spec writes it."""
    path, _, width = path.partition(".p/")
    groups = path.split("/")
    if not groups or any(len(g) != (4 if i < len(groups) - 1 else 3) for i, g in enumerate(groups)):
        return None
    if any(not g.startswith("x") for g in groups[:-1]):
        return None
    digits = "".join(g.lstrip("x") for g in groups)
    if not digits.isdigit():
        return None
    if width and (not width.isdigit() or not 1 <= int(width) < TILE_WIDTH or width.startswith("0")):
        return None
    return int(digits), int(width) if width else TILE_WIDTH


# ---------------------------------------------------------------- the demo's logs

# Lookalikes of the six brands under .la, .com and the Lao IDN TLD .ລາວ (one in Lao script):
# most of them no crt.sh term query finds (a typo, a missing letter, a Lao-script name).
DEMO_LOOKALIKES = (
    "laoairlnes.la", "laoairlines-checkin.com", "laoairlines.ລາວ",
    "laotel-topup.la", "laotel-bill.com", "laotel.ລາວ",
    "laotiantimes-news.la", "laotiantimes.ລາວ",
    "laopost-tracking.la", "la0post.com", "ໄປສະນີລາວ.ລາວ",
    "tholakhong-shop.la", "tholakong.com", "tholakhong.ລາວ",
    "laopathana.la", "laopatthana-login.com", "laopatthana.ລາວ",
)
_WORDS = ("blue green river house market coffee travel garden happy sun moon star cloud city north south best smart "
          "fast tech shop food home rice lake hill stone paper light bright golden silver quick fresh ocean").split()
_SUFFIXES = ("com", "net", "org", "io", "de", "co.uk", "fr", "shop", "xyz", "app", "la", "com.la")


def demo_logs(unrelated: int = 4000, seed: int = 23) -> list[LocalLog]:
    """Two logs (one RFC 6962, one static-CT) holding the lookalikes among unrelated names."""
    import random

    rng = random.Random(seed)
    factory = CertificateFactory()
    logs = [LocalLog("demo2026h2", factory), LocalLog("demotiles2026h2", factory, static=True)]
    planted = dict(zip(rng.sample(range(unrelated), len(DEMO_LOOKALIKES)), DEMO_LOOKALIKES, strict=True))
    for number in range(unrelated):
        log = logs[number % 2]
        if number in planted:
            log.add([planted[number], "www." + planted[number]], precert=rng.random() < 0.5)
        base = f"{rng.choice(_WORDS)}{rng.choice(_WORDS)}{rng.randrange(1000)}.{rng.choice(_SUFFIXES)}"
        log.add([base, "www." + base], precert=rng.random() < 0.5)
    return logs


def demo_environment(server: LocalCtServer) -> dict[str, str]:
    """The settings that point the monitor at the demo's logs. The demo reads them whole: a new
    log otherwise starts at its current size (MONITOR_CT_BACKLOG=0)."""
    return {"MONITOR_CT_LOG_LIST_URL": server.list_url,
            "MONITOR_CT_BACKLOG": str(sum(len(log.entries) for log in server.logs.values()))}
