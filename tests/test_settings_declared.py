"""Each setting is declared once (its Settings field): from_env, the dataclass defaults and the
README's settings table all come from that declaration, and agree."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.setting_spec import SETTING, SettingKind
from monitor.settings import Settings, SettingsError, declared, readme_table
from monitor.source_table import SOURCES

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = (SettingKind.WHOLE, SettingKind.MILLISECONDS)


def _readme_settings_table() -> str:
    """The Markdown table of README.md's section 'Settings'."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return "".join(line + "\n" for line in section.splitlines() if line.startswith("|"))


def test_the_readme_table_is_the_one_made_from_the_declarations():
    assert _readme_settings_table() == readme_table(), \
        "README.md's settings table is out of date: paste `python -m monitor.settings --readme-table` in its place"


def test_every_variable_is_in_the_readme_with_its_declared_default():
    rows = {row.split(" | ")[0].strip("| `"): row.split(" | ")[1] for row in _readme_settings_table().splitlines()[2:]}
    for name, spec, default in declared():
        assert spec.env in rows, f"{spec.env} ({name}) is not in README.md's settings table"
        if spec.kind is SettingKind.WHOLE and spec.shown_default is None:
            assert rows[spec.env] == f"`{default}`", spec.env
    assert rows["MONITOR_HTTP_TIMEOUT"] == "`20`" and rows["MONITOR_HOST_MIN_DELAY_MS"] == "`1000`"
    assert rows["MONITOR_SOURCES"] == "all but `ct`, `permutations`"  # from the source table


def test_each_field_is_declared_once_with_a_variable_of_its_own():
    specs = [field.metadata.get(SETTING) for field in dataclasses.fields(Settings)]
    assert all(specs), [f.name for f, s in zip(dataclasses.fields(Settings), specs, strict=True) if not s]
    variables = [spec.env for spec in specs] + [v.env for spec in specs for v in spec.also]
    assert len(variables) == len(set(variables)), "a variable is declared twice"
    assert all(v.startswith("MONITOR_") and "|" not in v for v in variables)


def test_the_dataclass_defaults_are_what_from_env_reads_from_an_empty_environment():
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(("name", "spec", "default"), [d for d in declared() if d[1].kind in NUMBERS],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_numbers_are_refused_outside_their_declared_bounds(name, spec, default):
    assert spec.low is not None and spec.high is not None and spec.low < spec.high
    scale = 1000 if spec.kind is SettingKind.MILLISECONDS else 1
    assert default is None or spec.low <= default * scale <= spec.high, "the default is outside the bounds"
    for inside in (spec.low, spec.high):
        assert getattr(Settings.from_env({spec.env: str(inside)}), name) == (inside / 1000 if scale > 1 else inside)
    for outside in (spec.low - 1, spec.high + 1):
        with pytest.raises(SettingsError) as info:
            Settings.from_env({spec.env: str(outside)})
        assert str(info.value) == f"{spec.env}={str(outside)!r}: expected a number from {spec.low} to {spec.high}"


def test_source_keys_are_the_settings_the_source_table_names():
    by_field = {name: spec for name, spec, _ in declared()}
    for source in SOURCES.values():
        for key in source.keys:
            assert by_field[key.setting].env == key.env
            assert getattr(Settings.from_env({key.env: "k-1"}), key.setting) == "k-1"


def test_the_table_is_printed_by_the_module():
    printed = subprocess.run([sys.executable, "-m", "monitor.settings", "--readme-table"], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
    assert printed == readme_table() and printed.startswith("| variable | default |")
    wrong = subprocess.run([sys.executable, "-m", "monitor.settings"], capture_output=True, text=True, cwd=ROOT)
    assert wrong.returncode != 0 and "--readme-table" in wrong.stderr


def _imported_by(module: str) -> list[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules if m.startswith('monitor'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out)


def test_settings_import_neither_the_collectors_nor_the_fetcher():
    imported = _imported_by("monitor.settings")
    assert "monitor.source_table" in imported  # the check itself sees what settings import
    assert not [m for m in imported if m.startswith(("monitor.collectors", "monitor.fetch"))], imported


def test_the_source_table_imports_nothing_of_monitor():
    assert _imported_by("monitor.source_table") == ["monitor", "monitor.source_table"]


@pytest.mark.parametrize(("kind", "options", "problem"), [
    (SettingKind.WHOLE, {"low": 1}, "needs both bounds"),
    (SettingKind.MILLISECONDS, {}, "needs both bounds"),
    (SettingKind.CUSTOM, {}, "they need one"),
    (SettingKind.TEXT, {"parser": lambda env, spec, default: None}, "a parser is for CUSTOM settings"),
])
def test_a_slip_in_a_declaration_fails_when_it_is_declared(kind, options, problem):
    from monitor.setting_spec import setting

    with pytest.raises(TypeError, match=problem):
        setting("MONITOR_X", kind, "x", default=1, **options)
