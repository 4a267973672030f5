"""The brand registry as the pages read it: names (English and Lao) instead of slugs, the
brands a filter may name, and the owners a signed link may still act for.

The registry is read from MONITOR_BRANDS_FILE at use time and read again whenever the file
changes (its size or modification time), so an owner removed from brands.yaml loses their
links at once, without restarting the api-server."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.registry import Brand, Registry, load_registry

_LAO_BLOCK = (0x0E80, 0x0EFF)


def is_lao(text: str) -> bool:
    """Whether every letter of text is in the Lao block (spaces and marks aside)."""
    letters = [c for c in text if unicodedata.category(c)[0] in "LM"]
    return bool(letters) and all(_LAO_BLOCK[0] <= ord(c) <= _LAO_BLOCK[1] for c in letters)


@dataclass(frozen=True)
class BrandName:
    id: str
    name: str
    name_lo: str | None  # the first alias written in Lao, where the registry has one

    @property
    def both(self) -> str:
        return f"{self.name} · {self.name_lo}" if self.name_lo else self.name


def name_of(brand: Brand) -> BrandName:
    return BrandName(brand.id, brand.name, next((a for a in brand.aliases if is_lao(a)), None))


class RegistryReader:
    """The registry of one file, read again when the file changes; thread-safe."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._registry: Registry | None = None

    def registry(self) -> Registry:
        """The registry as the file holds it now (RegistryError or OSError if it cannot be read)."""
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._registry is None or stamp != self._stamp:
                self._registry, self._stamp = load_registry(self.path), stamp
            return self._registry

    def names(self, extra_ids: Iterable[str] = ()) -> dict[str, BrandName]:
        """Every brand of the registry by id, in its order, and ids found only in the
        database (a brand removed from the registry) under their slug."""
        out = {b.id: name_of(b) for b in self.registry().brands}
        for brand_id in extra_ids:
            out.setdefault(brand_id, BrandName(brand_id, brand_id, None))
        return out

    def owners_of(self, brand_id: str) -> frozenset[str] | None:
        """The owners' addresses of a brand now (lower case), None for a brand not in the registry."""
        brand = next((b for b in self.registry().brands if b.id == brand_id), None)
        return None if brand is None else frozenset(e.lower() for e in brand.recipients)
