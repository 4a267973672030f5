"""The newly-registered list is hostile input too: a small zip that unpacks to hundreds of MB
of newlines fails fast with a clear error, and the cache of downloaded lists is private to the
monitor's user (another local user cannot plant a list there)."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from monitor.collectors import nrd
from monitor.collectors.base import LayoutChanged


def _zip(payload_writer) -> bytes:  # writes into the archive member
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("nrd.txt", "w", force_zip64=True) as member:
        payload_writer(member)
    return buffer.getvalue()


def test_a_zip_of_newlines_fails_fast():
    def newlines(member):
        block = b"\n" * 1_000_000
        for _ in range(300):  # 300 MB unpacked
            member.write(block)

    bomb = _zip(newlines)
    assert len(bomb) < 1_000_000
    started = time.monotonic()
    with pytest.raises(LayoutChanged, match="blank lines in a row"):
        list(nrd.parse_list(bomb, lambda name: True))
    assert time.monotonic() - started < 10  # it was still being read after 600 s


def test_line_count_and_unpacked_size_are_capped(monkeypatch):
    monkeypatch.setattr(nrd, "MAX_LINES", 1000)
    names = b"".join(f"laopost-{n}.com\n".encode() for n in range(1500))
    with pytest.raises(LayoutChanged, match="more than 1000 lines"):
        list(nrd.parse_list(names, lambda name: True))
    monkeypatch.setattr(nrd, "MAX_UNZIPPED_BYTES", 10_000)
    with pytest.raises(LayoutChanged, match="larger than 10000 bytes unpacked"):
        list(nrd.parse_list(_zip(lambda m: m.write(names)), lambda name: True))


def test_the_list_cache_is_private_to_the_monitor(tmp_path):
    cache = tmp_path / "state" / "nrd"
    assert nrd.private_directory(cache) == cache
    assert cache.stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(PermissionError, match="writable by nobody else"):
        nrd.private_directory(shared)
    # the default is the monitor's own state directory, not the machine's shared /tmp
    collector = nrd.NrdCollector("http://x.example/{date}", fetcher=None, resembles=lambda n: True)
    assert not str(collector.cache_dir).startswith(("/tmp", os.environ.get("TMPDIR", "/tmp")))


def test_the_source_table_puts_the_cache_under_the_state_directory(tmp_path):
    from monitor.collectors.sources import build_collector
    from monitor.settings import Settings

    class Scorer:
        def might_resemble(self, name):
            return True

    collector = build_collector("nrd", Settings(state_dir=tmp_path / "state"), fetcher=None, scorer=Scorer())
    assert collector.cache_dir == tmp_path / "state" / "nrd"
