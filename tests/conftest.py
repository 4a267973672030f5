from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BRANDS_FILE = ROOT / "config" / "brands.yaml"


@pytest.fixture(scope="session")
def registry():
    from monitor.registry import load_registry

    return load_registry(BRANDS_FILE)


@pytest.fixture(scope="session")
def rules():
    from monitor.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def scorer(registry, rules):
    from monitor.scoring import Scorer

    return Scorer(registry, rules)


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
