"""`monitor score`: JSON Lines in and out, errors in place, exit status."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from monitor.cli import main
from tests.conftest import BRANDS_FILE, DATA

MONITOR = [sys.executable, "-m", "monitor.cli"]


def test_scores_each_line_in_order_with_errors_in_place(tmp_path, capsys):
    lines = [
        json.dumps({"id": "a", "kind": "domain", "domain": "laoairlines.online"}),
        "{not json",
        json.dumps({"id": "c", "kind": "account", "platform": "facebook", "handle": "laoairlines"}),
        json.dumps({"id": "d", "kind": "spaceship"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps({"id": "g", "kind": "domain"}),
        json.dumps({"id": "h", "kind": "page", "title": 42}),
        json.dumps({"id": "i", "kind": "page", "url": "https://example.org/", "title": "Weather", "extra": 1}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sink = tmp_path / "out.jsonl"
    status = main(["score", "--brands", str(BRANDS_FILE), "--input", str(source), "--output", str(sink), "--jobs", "1"])
    assert status == 1
    out = [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines()]
    assert len(out) == len(lines)
    assert out[0]["id"] == "a" and out[0]["verdict"] == "impersonation" and out[0]["brand"] == "lao-airlines"
    assert out[1] == {"line": 2, "error": "invalid JSON: Expecting property name enclosed in double quotes at column 2"}
    assert out[2]["verdict"] == "official"
    assert out[3] == {"line": 4, "id": "d", "error": "field 'kind': 'spaceship' is not one of domain, account, page"}
    assert out[4] == {"line": 5, "error": "empty line (expected one JSON object)"}
    assert out[5] == {"line": 6, "error": "expected a JSON object, got list"}
    assert out[6] == {"line": 7, "id": "g", "error": "a domain candidate needs 'domain' or 'url'"}
    assert out[7] == {"line": 8, "id": "h", "error": "field 'title': expected a string, got int"}
    assert out[8]["id"] == "i" and out[8]["verdict"] == "unrelated"
    assert "6 invalid lines" in capsys.readouterr().err


def test_valid_input_exits_zero_and_matches_in_parallel(tmp_path):
    source = DATA / "candidates-dev.jsonl"
    serial, parallel = tmp_path / "serial.jsonl", tmp_path / "parallel.jsonl"
    assert main(["score", "--brands", str(BRANDS_FILE), "--input", str(source), "--output", str(serial), "--jobs", "1"]) == 0
    assert main(["score", "--brands", str(BRANDS_FILE), "--input", str(source), "--output", str(parallel), "--jobs", "2"]) == 0
    assert serial.read_text(encoding="utf-8") == parallel.read_text(encoding="utf-8")
    ids = [json.loads(line)["id"] for line in serial.read_text(encoding="utf-8").splitlines()]
    assert ids == [json.loads(line)["id"] for line in source.read_text(encoding="utf-8").splitlines()]


def test_streams_stdin_to_stdout():
    payload = "\n".join(json.dumps({"id": n, "kind": "domain", "domain": f"laopost-{n}.com"}) for n in range(5000))
    result = subprocess.run(MONITOR + ["score", "--brands", str(BRANDS_FILE)], input=payload, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == list(range(5000))
    assert all(o["brand"] == "laopost" and o["verdict"] == "impersonation" for o in out)


def test_bad_registry_is_reported_before_any_scoring(tmp_path):
    bad = tmp_path / "brands.yaml"
    bad.write_text(BRANDS_FILE.read_text(encoding="utf-8").replace("domains: [laopost.com]", "domains: [laopost]"),
                   encoding="utf-8")
    result = subprocess.run(MONITOR + ["score", "--brands", str(bad)], input="{}", capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().startswith(f"monitor: {bad}:")
    assert "brand 'laopost': field 'official.domains[0]': 'laopost' is not a valid host name" in result.stderr


@pytest.mark.parametrize("missing", ["--input"])
def test_missing_input_file(tmp_path, missing, capsys):
    assert main(["score", "--brands", str(BRANDS_FILE), missing, str(tmp_path / "absent.jsonl")]) == 2
    assert "absent.jsonl: No such file or directory" in capsys.readouterr().err


def test_one_hostile_line_is_an_error_line_and_the_rest_are_scored(tmp_path):
    """A deeply nested line, a 5,000-digit integer, a lone surrogate and a bare CR inside a
    line each used to end the run or shift the output; each is now one error line."""
    good = json.dumps({"id": "ok", "kind": "domain", "domain": "laopost-fee.com"})
    lines = [
        good,
        '{"id": "deep", "kind": "domain", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "big", "kind": "domain", "domain": "a.com", "n": ' + "9" * 5000 + "}",
        '{"id": "surrogate", "kind": "page", "title": "Laopost \\ud800"}',
        '{"id": "cr", "kind": "page",\r "title": "Laopost"}',
        good.replace('"ok"', '"last"'),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes("\n".join(lines).encode("utf-8") + b"\n")
    for command in (["--input", str(source)], []):
        result = subprocess.run(MONITOR + ["score", "--brands", str(BRANDS_FILE), "--jobs", "1", *command],
                                input=None if command else source.read_bytes(), capture_output=True, check=False)
        out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
        assert result.returncode == 1, result.stderr
        assert len(out) == len(lines), out
        assert out[0]["id"] == "ok" and out[-1]["id"] == "last" and out[-1]["verdict"] == "impersonation"
        assert [o.get("line") for o in out[1:4]] == [2, 3, 4]
        assert "nested too deeply" in out[1]["error"] and "digits" in out[2]["error"]
        assert "lone surrogate" in out[3]["error"]
        assert out[4]["id"] == "cr"  # a CR is JSON whitespace: one line in, one line out
