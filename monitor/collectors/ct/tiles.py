"""static-ct-api tile paths. Pure.

Data tiles are at tile/data/<N>[.p/<W>]: N in 3-digit path elements, all but the last
prefixed with 'x' (1234067 -> x001/x234/067); a full tile holds 256 entries, the partial tile
at the right edge of a tree of size s holds s mod 256 (.p/<W>, 1-255)."""

from __future__ import annotations

TILE_WIDTH = 256


def tile_index_path(n: int) -> str:
    if n < 0:
        raise ValueError(f"tile index {n}")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def data_tile_path(n: int, width: int = TILE_WIDTH) -> str:
    """The path of data tile n under the monitoring prefix; width < 256: the partial tile."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width}")
    path = f"tile/data/{tile_index_path(n)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def tile_width(n: int, tree_size: int) -> int:
    """How many entries tile n holds in a tree of tree_size (0: none yet)."""
    return max(0, min(TILE_WIDTH, tree_size - n * TILE_WIDTH))
