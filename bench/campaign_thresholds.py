"""How the campaign thresholds were chosen: measure them.

1. Perceptual hashes (64-bit pHash): the distance between an image and its copies as a scammer's
   page would carry them (half size, JPEG at quality 60, a 3% crop, a screenshot's rescale), and
   between unrelated images. The threshold (store.PHASH_MAX_DISTANCE) sits between the two.
   Images: every PNG/JPEG over 20 kB under the folders given (default: /usr/share and the
   documentation that toolchains install on this machine).
2. False merges: unrelated benign pages built on one template (a news theme, with its default
   favicon), extracted and linked with the real code: each page must stay alone.

    python bench/campaign_thresholds.py [FOLDER ...]
"""

from __future__ import annotations

import io
import itertools
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from monitor.campaigns.images import ImageRefused, hamming, read_image  # noqa: E402

DEFAULT_FOLDERS = ("/usr/share", str(Path.home() / ".rustup"))


def images(folders: list[str], limit: int = 300) -> list[bytes]:
    found = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix.lower() in (".png", ".jpg", ".jpeg") and path.is_file() and path.stat().st_size > 20_000:
                found.append(path.read_bytes())
                if len(found) >= limit:
                    return found
    return found


CHANGES = ("half", "jpeg", "crop", "rescale")


def copies(data: bytes) -> list[bytes]:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = []
    for change in CHANGES:
        if change == "half":
            changed = image.resize((max(1, image.width // 2), max(1, image.height // 2)))
        elif change == "crop":
            dx, dy = image.width * 3 // 100, image.height * 3 // 100
            changed = image.crop((dx, dy, image.width - dx, image.height - dy))
        elif change == "rescale":
            changed = image.resize((int(image.width * 0.8), int(image.height * 0.8)), Image.Resampling.BILINEAR)
        else:
            changed = image
        buffer = io.BytesIO()
        changed.save(buffer, "JPEG", quality=60 if change == "jpeg" else 90)
        out.append(buffer.getvalue())
    return out


def percentile(values: list[int], p: float) -> int:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def measure_hashes(folders: list[str]) -> None:
    corpus = images(folders)
    hashes, same = [], []
    by_change: dict[str, list[int]] = {change: [] for change in CHANGES}
    for data in corpus:
        try:
            original = read_image(data).phash
        except ImageRefused:
            continue
        hashes.append(original)
        for change, copy in zip(CHANGES, copies(data), strict=True):
            distance = hamming(original, read_image(copy).phash)
            same.append(distance)
            by_change[change].append(distance)
    distinct = sorted({h for h in hashes})
    apart = [hamming(a, b) for a, b in itertools.combinations(distinct, 2)]
    print(f"pHash on {len(hashes)} images ({len(distinct)} distinct hashes):")
    print(f"  same image, changed ({len(same)} copies): median {percentile(same, 50)}, 95th {percentile(same, 95)}, "
          f"99th {percentile(same, 99)}, max {max(same)} bits")
    for change, distances in by_change.items():
        print(f"    {change}: 95th {percentile(distances, 95)}, max {max(distances)}; "
              f"within 6 bits: {sum(1 for d in distances if d <= 6)} of {len(distances)}")
    print(f"  unrelated images ({len(apart)} pairs): 0.1th percentile {percentile(apart, 0.1)}, "
          f"1st {percentile(apart, 1)}, median {percentile(apart, 50)} bits; "
          f"pairs within 6 bits: {sum(1 for d in apart if d <= 6)}, within 10: {sum(1 for d in apart if d <= 10)}")


def measure_templates(pages: int = 60) -> None:
    import base64
    import datetime as dt
    import tempfile

    from sqlalchemy import func, select

    from monitor.campaigns.store import refresh
    from monitor.store.db import make_engine, session_factory, upgrade
    from monitor.store.models import CampaignMember, Takedown
    from monitor.store.repo import FindingInput, upsert_findings

    rng = random.Random(24)
    themes = []
    for n, colour in enumerate(("navy", "darkred", "teal")):
        icon = io.BytesIO()
        Image.new("RGB", (32, 32), colour).save(icon, "PNG")
        themes.append((n, base64.b64encode(icon.getvalue()).decode()))
    words = "rice river temple market football noodle festival school rain bridge monk coffee silk".split()
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/t.db"
        upgrade(url)
        engine = make_engine(url)
        with session_factory(engine)() as session:
            ids = []
            for page in range(pages):
                theme, icon = themes[page % len(themes)]
                articles = "".join(f"<div class='post'><h2><a href='/p{i}'>{rng.choice(words)}</a></h2>"
                                   f"<p class='excerpt'>{' '.join(rng.choices(words, k=12))}</p></div>"
                                   for i in range(rng.randint(3, 12)))
                html = (f"<html><head><title>{rng.choice(words)}</title><link rel='icon' href='data:image/png;base64,"
                        f"{icon}'></head><body class='theme-{theme}'><div class='header'><a class='logo'>Site</a>"
                        f"<ul class='menu'><li><a>Home</a></li></ul></div><div class='main'>{articles}</div>"
                        f"<div class='footer'><p>Theme {theme}</p></div></body></html>")
                key = f"site{page}.example"
                upsert_findings(session, [FindingInput(
                    brand_id="laotian-times", canonical_key=key, kind="page", platform=None, url=f"https://{key}/",
                    label=key, score=60, verdict="suspicious", reasons=[],
                    candidate={"kind": "page", "url": f"https://{key}/", "text": " ".join(rng.choices(words, k=30))},
                    source="bench", query=None)], collection_run_id=None, now=now)
                finding_id = page + 1
                session.add(Takedown(finding_id=finding_id, brand_id="laotian-times", addressing={}, gaps=[],
                                     subject="s", message_id=f"m{page}", message="", html=html.encode(),
                                     captured_at=now, drafted_at=now))
                ids.append(finding_id)
            session.flush()
            refresh(session, ids, exclude=frozenset(), now=now)
            merged = session.execute(select(func.count()).select_from(CampaignMember)).scalar_one()
        engine.dispose()
    print(f"template look-alikes: {pages} unrelated pages on {len(themes)} themes (same structure and favicon per "
          f"theme): {merged} linked into a campaign (false merges)")


def main() -> None:
    folders = sys.argv[1:] or [f for f in DEFAULT_FOLDERS if Path(f).exists()]
    measure_hashes(folders)
    measure_templates()


if __name__ == "__main__":
    main()
