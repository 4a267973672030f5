"""The `monitor` command: the pipeline's steps without Airflow."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from monitor.registry import RegistryError, load_registry
from monitor.rules import load_rules


def _open_in(stack: ExitStack, name: str) -> IO[str]:
    if name == "-":
        return sys.stdin
    return stack.enter_context(open(name, encoding="utf-8", errors="replace", newline=""))


def _open_out(stack: ExitStack, name: str) -> IO[str]:
    if name == "-":
        return sys.stdout
    return stack.enter_context(open(name, "w", encoding="utf-8"))


def cmd_score(args: argparse.Namespace) -> int:
    from monitor.jsonl import score_lines, score_lines_parallel
    from monitor.scoring import Scorer

    registry, rules = load_registry(args.brands), load_rules(args.rules)
    jobs = args.jobs or os.cpu_count() or 1
    failed = 0
    with ExitStack() as stack:
        source, sink = _open_in(stack, args.input), _open_out(stack, args.output)
        if jobs > 1:
            results = score_lines_parallel(registry, rules, source, jobs)
        else:
            results = score_lines(Scorer(registry, rules), source)
        write = sink.write
        for out, ok in results:
            write(out + "\n")
            failed += not ok
    if failed:
        print(f"monitor score: {failed} invalid line{'s' if failed > 1 else ''} in {args.input}", file=sys.stderr)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor", description="Brand impersonation monitor.")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="score candidates (JSON Lines in, JSON Lines out)")
    score.add_argument("--brands", default="config/brands.yaml", help="brand registry (default: %(default)s)")
    score.add_argument("--rules", default=None, help="scoring rules YAML (default: the packaged rules)")
    score.add_argument("--input", default="-", help="candidates file, or - for standard input")
    score.add_argument("--output", default="-", help="scores file, or - for standard output")
    score.add_argument("--jobs", type=int, default=None,
                       help="worker processes (default: one per core; 1 scores in this process)")
    score.set_defaults(func=cmd_score)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RegistryError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"monitor: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
