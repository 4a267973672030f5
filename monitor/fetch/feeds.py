"""Shared feeds (OpenPhish, URLhaus): downloaded once per run into the monitor's state
directory, and again only when the server says they changed (ETag / Last-Modified, kept in
`feed_states`, so every worker shares them). I/O."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from monitor.clock import utcnow
from monitor.fetch.http import Fetcher
from monitor.store.models import FeedState
from monitor.store.repo import insert_for

MAX_VALIDATOR = 200  # an ETag or a date; anything longer is not one


def _validator(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value and len(value) <= MAX_VALIDATOR and value.isprintable() else None


def private_directory(path: Path) -> Path:
    """A directory only this user can read and write (created 0700): the cache of downloaded
    lists is trusted, so nobody else may put a file there. Refuses one that others can write."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise PermissionError(f"{path}: the cache of downloaded lists must belong to this user and be writable "
                              f"by nobody else (mode {stat.filemode(info.st_mode)}); fix it with chmod 700, or set "
                              f"MONITOR_STATE_DIR")
    return path


def fetch_feed(fetcher: Fetcher, url: str, directory: Path, *, accept: tuple[str, ...], max_bytes: int,
               trust_configured: bool = False) -> Path:
    """The feed's body as a file; a conditional GET when a copy and its validators are kept.
    trust_configured=True only for a feed URL the operator configured (see Fetcher.get)."""
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()
    path = private_directory(directory) / f"{key[:24]}.feed"
    factory = fetcher.session_factory
    state = None
    if factory is not None:
        with factory() as session:
            state = session.get(FeedState, key)
    headers = {}
    if state is not None and path.exists() and state.body_sha256 == _sha256(path):
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
    partial = path.with_suffix(f".{os.getpid()}.part")
    result = fetcher.download(url, partial, accept=accept, max_bytes=max_bytes, headers=headers or None,
                              trust_configured=trust_configured)
    if result.status == 304:
        partial.unlink(missing_ok=True)
        return path
    partial.replace(path)
    if factory is not None:
        values = {"url_sha256": key, "url": url, "etag": _validator(result.headers.get("ETag")),
                  "last_modified": _validator(result.headers.get("Last-Modified")), "body_path": str(path),
                  "body_sha256": _sha256(path), "fetched_at": utcnow()}
        with factory() as session:
            statement = insert_for(session)(FeedState).values(**values)
            session.execute(statement.on_conflict_do_update(
                index_elements=[FeedState.url_sha256], set_={k: v for k, v in values.items() if k != "url_sha256"}))
            session.commit()
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
