"""Reading a log's tree head and entries, over the fetcher (I/O). One reader per read API,
one interface: tree_head() -> a verified TreeHead; entries(start, end, head) -> LeafEntry in
index order, from start up to end (exclusive), raising (after the entries it could read)
when the log stops answering or answers what is not the spec's: the caller keeps what came
and never moves past what did not.

Every URL is built from the log list's entry (configuration): trust_configured=True. No URL
from the log's answers is ever fetched."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Protocol

from monitor.collectors.base import LayoutChanged, load_json
from monitor.collectors.ct.leaves import LeafEntry, MalformedLeaf, parse_data_tile, parse_rfc6962_entry
from monitor.collectors.ct.loglist import STATIC, CtLog
from monitor.collectors.ct.signatures import TreeHead, verify_checkpoint, verify_sth
from monitor.collectors.ct.tiles import TILE_WIDTH, data_tile_path, tile_width
from monitor.fetch.http import Fetcher, FetchError

GET_ENTRIES_ASK = 256  # entries asked per get-entries; logs answer up to their own limit (often 256 or 1000)
MAX_ANSWER_BYTES = 64_000_000  # one get-entries answer or one data tile (256 entries of a few kB, or hostile)
MAX_HEAD_BYTES = 64_000


class LogReader(Protocol):
    def tree_head(self) -> TreeHead: ...

    def entries(self, start: int, end: int, head: TreeHead) -> Iterator[LeafEntry]: ...


def _b64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return base64.b64decode(value, validate=True)


class Rfc6962Reader:
    """get-sth and get-entries (RFC 6962 s4.3, s4.6): the server may answer fewer entries than
    asked (its own limit); the next request starts where its answer stopped."""

    def __init__(self, log: CtLog, fetcher: Fetcher, *, ask: int = GET_ENTRIES_ASK):
        self.log, self.fetcher, self.ask = log, fetcher, ask

    def tree_head(self) -> TreeHead:
        answer = self.fetcher.get(self.log.url + "ct/v1/get-sth", max_bytes=MAX_HEAD_BYTES, trust_configured=True)
        return verify_sth(load_json(answer.body, "get-sth"), self.log.key_der)

    def entries(self, start: int, end: int, head: TreeHead) -> Iterator[LeafEntry]:
        position = start
        while position < end:
            last = min(end, position + self.ask) - 1  # get-entries' end is inclusive
            answer = self.fetcher.get(self.log.url + "ct/v1/get-entries",
                                      params={"start": str(position), "end": str(last)},
                                      max_bytes=MAX_ANSWER_BYTES, trust_configured=True)
            body = load_json(answer.body, "get-entries")
            items = body.get("entries") if isinstance(body, dict) else None
            if not isinstance(items, list) or not items:
                raise LayoutChanged(f"get-entries {position}-{last} answered no entries")
            for item in items[:last - position + 1]:  # more than asked: the rest is asked for again
                try:
                    leaf, extra = _b64(item.get("leaf_input")), _b64(item.get("extra_data", ""))
                except (AttributeError, ValueError, binascii.Error):
                    yield LeafEntry(position, 0, "unknown", (), 0, "entry is not base64 leaf_input/extra_data")
                else:
                    yield parse_rfc6962_entry(position, leaf, extra)
                position += 1


class StaticReader:
    """The checkpoint and data tiles (c2sp.org/static-ct-api). The partial tile at the right
    edge is read at the checkpoint's width; if it is gone (the full tile replaced it), the full
    tile is read instead, as the spec advises."""

    def __init__(self, log: CtLog, fetcher: Fetcher):
        self.log, self.fetcher = log, fetcher

    def tree_head(self) -> TreeHead:
        answer = self.fetcher.get(self.log.url + "checkpoint", max_bytes=MAX_HEAD_BYTES, trust_configured=True)
        return verify_checkpoint(answer.body, self.log.origin, self.log.key_der)

    def _tile(self, n: int, width: int) -> tuple[bytes, int]:
        try:
            return self.fetcher.get(self.log.url + data_tile_path(n, width), max_bytes=MAX_ANSWER_BYTES,
                                    trust_configured=True).body, width
        except FetchError as exc:
            if width == TILE_WIDTH or exc.status != 404:
                raise
        return self.fetcher.get(self.log.url + data_tile_path(n), max_bytes=MAX_ANSWER_BYTES,
                                trust_configured=True).body, TILE_WIDTH

    def entries(self, start: int, end: int, head: TreeHead) -> Iterator[LeafEntry]:
        end = min(end, head.size)
        n = start // TILE_WIDTH
        while n * TILE_WIDTH < end:
            data, width = self._tile(n, tile_width(n, head.size))
            try:  # a tile is kept whole or not at all: one of the wrong size is not the log's tile
                parsed = list(parse_data_tile(data, n * TILE_WIDTH, width))
            except MalformedLeaf as exc:
                raise LayoutChanged(f"data tile {n} (width {width}): {exc}") from None
            yield from (entry for entry in parsed if start <= entry.index < end)
            n += 1


def reader_for(log: CtLog, fetcher: Fetcher) -> LogReader:
    return StaticReader(log, fetcher) if log.api == STATIC else Rfc6962Reader(log, fetcher)
