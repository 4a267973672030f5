"""Leaves, names, signatures and tile paths: pure parsing on real formats (certificates made
with cryptography, leaves as the local log serves them)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from monitor.collectors.ct.leaves import MalformedLeaf, parse_data_tile, parse_rfc6962_entry
from monitor.collectors.ct.loglist import parse_log_list
from monitor.collectors.ct.names import MAX_CERT_BYTES, certificate_names, clean_name
from monitor.collectors.ct.signatures import BadSignature, verify_checkpoint, verify_sth
from monitor.collectors.ct.tiles import data_tile_path, tile_index_path, tile_width
from monitor.demo.ctlog import Entry, LocalLog, log_list
from monitor.detection.domains import normalize_host


def test_tile_paths_as_the_spec_writes_them():
    assert tile_index_path(1234067) == "x001/x234/067"
    assert tile_index_path(0) == "000"
    assert tile_index_path(1000) == "x001/000"
    assert data_tile_path(5) == "tile/data/005"
    assert data_tile_path(1234067, 112) == "tile/data/x001/x234/067.p/112"
    assert [tile_width(n, 70_000) for n in (0, 272, 273, 274)] == [256, 256, 112, 0]


@pytest.mark.parametrize(("raw", "clean"), [
    ("*.LaoAirlnes.LA.", "laoairlnes.la"), ("*.*.bcel.la", "bcel.la"), ("Lao Airlines", None), ("*", None),
    ("localhost", None), ("a/b.com", None), ("x" * 250 + ".com", None), ("xn--q7ce6a.xn--q7ce6a", "xn--q7ce6a.xn--q7ce6a"),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


def test_names_of_certificates_and_precertificates(certs):
    der = certs.certificate(["laoairlnes.la", "*.laoairlnes.la", "ລາວແອລາຍ.ລາວ", "WWW.Example.COM"], cn="laoairlnes.la")
    assert certificate_names(der) == ("laoairlnes.la", "xn--16c1cah4a2ad1j.xn--q7ce6a", "www.example.com")
    assert normalize_host("xn--16c1cah4a2ad1j.xn--q7ce6a") == "ລາວແອລາຍ.ລາວ"  # the scorer reads it in Lao
    pre, tbs = certs.precertificate(["laotel-login.com"])
    assert certificate_names(pre) == ("laotel-login.com",)
    assert tbs and tbs != pre


def test_ten_thousand_sans_are_all_read(certs):
    names = [f"host{i}.example.net" for i in range(9_999)] + ["laoairlnes.la"]
    der = certs.certificate(names)
    assert len(der) < MAX_CERT_BYTES
    found = certificate_names(der)
    assert len(found) == 10_000 and found[-1] == "laoairlnes.la"


@pytest.mark.parametrize("der", [b"", b"\x30\x03\x02\x01", b"\x30" + b"\xff" * 20, b"\x30\x82\xff\xff" + b"\x00" * 100,
                                 b"\x30\x82" + b"\x01" * (MAX_CERT_BYTES + 10)])
def test_malformed_or_huge_der_is_one_bad_entry(der):
    entry = Entry(1, False, der)
    parsed = parse_rfc6962_entry(7, entry.merkle_leaf(7, False), entry.extra_data())
    assert parsed.index == 7 and parsed.names == () and parsed.error


def test_rfc6962_leaves_x509_and_precert(certs):
    log = LocalLog("t", certs)
    log.add(["laoairlnes.la"])
    log.add(["bcel-one.la"], precert=True)
    entries = log.get_entries(0, 1)["entries"]
    parsed = [parse_rfc6962_entry(i, base64.b64decode(e["leaf_input"]), base64.b64decode(e["extra_data"]))
              for i, e in enumerate(entries)]
    assert [(p.entry_type, p.names, p.error) for p in parsed] == [("x509", ("laoairlnes.la",), None),
                                                                  ("precert", ("bcel-one.la",), None)]
    assert parsed[0].timestamp == log.entries[0].timestamp


@pytest.mark.parametrize("leaf", [b"", b"\x01\x00" + b"\x00" * 20, b"\x00\x00" + b"\x00" * 8 + b"\x00\x07",
                                  b"\x00\x00" + b"\x00" * 8 + b"\x00\x00\xff\xff\xff"])
def test_malformed_leaves_carry_their_error(leaf):
    parsed = parse_rfc6962_entry(3, leaf, b"")
    assert parsed.error and parsed.index == 3


def test_data_tile_with_a_bad_certificate_keeps_the_others(certs):
    log = LocalLog("t", certs, static=True)
    log.add(["one.example.org"])
    log.add_der(b"\x30\x00not a certificate")
    log.add(["laoairlnes.la"], precert=True)
    tile = log.data_tile(0, 3)
    parsed = list(parse_data_tile(tile, 0, 3))
    assert [p.names for p in parsed] == [("one.example.org",), (), ("laoairlnes.la",)]
    assert parsed[1].error and parsed[2].entry_type == "precert"


def test_data_tile_of_the_wrong_size_raises_after_the_good_leaves(certs):
    log = LocalLog("t", certs, static=True)
    for i in range(3):
        log.add([f"n{i}.example.org"])
    tile = log.data_tile(0, 3)
    got = []
    with pytest.raises(MalformedLeaf, match="2 leaves, expected 3"):
        got.extend(parse_data_tile(tile[:-len(log.entries[2].tile_leaf(2))], 0, 3))
    assert len(got) == 2
    with pytest.raises(MalformedLeaf, match="after the tile"):
        list(parse_data_tile(tile + b"\x00", 0, 3))
    with pytest.raises(MalformedLeaf):
        list(parse_data_tile(tile[:-5], 0, 3))


def test_sth_and_checkpoint_signatures(certs):
    rfc, static = LocalLog("a", certs), LocalLog("b", certs, static=True)
    static.base_url = "https://ct.example/2026h1/"
    for log in (rfc, static):
        log.add(["x.example.org"])
    head = verify_sth(rfc.sth(), rfc.key_der)
    assert head.size == 1 and len(head.root_hash) == 32
    assert verify_checkpoint(static.checkpoint(), "ct.example/2026h1", static.key_der).size == 1
    with pytest.raises(BadSignature):
        verify_sth(rfc.sth(), static.key_der)  # another log's key
    with pytest.raises(BadSignature, match="origin"):
        verify_checkpoint(static.checkpoint(), "ct.example/other", static.key_der)
    forged = static.checkpoint().replace(b"\n1\n", b"\n2\n", 1)
    with pytest.raises(BadSignature):
        verify_checkpoint(forged, "ct.example/2026h1", static.key_der)
    rfc.faults.bad_signature = True
    with pytest.raises(BadSignature):
        verify_sth(rfc.sth(), rfc.key_der)
    for junk in (b"", b"\xff\xfe", b"a\nb\n", b"x" * 100_000):
        with pytest.raises(BadSignature):
            verify_checkpoint(junk, "ct.example/2026h1", static.key_der)
    with pytest.raises(BadSignature):
        verify_sth({"tree_size": -1}, rfc.key_der)


def test_log_list_keeps_usable_and_qualified_logs_of_now(certs):
    logs = [LocalLog("a", certs), LocalLog("b", certs, static=True), LocalLog("c", certs, state="retired"),
            LocalLog("d", certs, state="qualified")]
    for log in logs:
        log.base_url = f"https://{log.name}.ct.example/"
    data = log_list(logs)
    data["operators"][0]["logs"].append({"url": "https://broken.example/", "key": "not base64!"})
    data["operators"][0]["logs"].append({**logs[0].list_entry(), "url": "https://old.example/",
                                         "temporal_interval": {"start_inclusive": "2020-01-01T00:00:00Z",
                                                               "end_exclusive": "2021-01-01T00:00:00Z"}})
    found = parse_log_list(json.dumps(data).encode(), dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert sorted((log.description, log.api) for log in found) == [
        ("Local a log", "rfc6962"), ("Local b log", "static"), ("Local d log", "rfc6962")]
    assert next(log for log in found if log.api == "static").origin == "b.ct.example"


def test_duplicate_extensions_keep_the_cn_or_make_one_bad_entry(certs):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    from monitor.collectors.ct.names import BadCertificate

    san = x509.SubjectAlternativeName([x509.DNSName("laoairlnes.la")]).public_bytes()
    for cn in ("laoairlnes.la", None):
        builder = certs._builder(["www.example.com"], cn).add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.99"), san), critical=False)
        der = builder.sign(certs.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        twice = der.replace(b"\x06\x03\x55\x1d\x63", b"\x06\x03\x55\x1d\x11")  # a second subjectAltName
        assert twice != der
        if cn:
            assert certificate_names(twice) == ("laoairlnes.la",)
        else:
            with pytest.raises(BadCertificate):
                certificate_names(twice)
