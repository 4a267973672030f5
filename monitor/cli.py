"""The `monitor` command: the pipeline's steps without Airflow."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING

from monitor.clock import display_time, utcnow
from monitor.detection.rules import load_rules
from monitor.registry import Brand, RegistryError, load_registry
from monitor.settings import SettingsError
from monitor.store.db import DatabaseNotReady
from monitor.store.repo import FINDING_MARKS
from monitor.takedown.channels import AbuseChannelsError, Channel

if TYPE_CHECKING:
    pass


def _open_in(stack: ExitStack, name: str) -> IO[str]:
    """JSON Lines input: UTF-8 (bad bytes replaced), lines ended by LF only, so that a bare
    CR inside a line never makes two lines of one."""
    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a stand-in stdin (an embedding program's): read it as it is
            return sys.stdin
        wrapper = io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline="\n")
        stack.callback(wrapper.detach)  # leave the process's stdin open
        return wrapper
    return stack.enter_context(open(name, encoding="utf-8", errors="replace", newline="\n"))


def _open_out(stack: ExitStack, name: str) -> IO[str]:
    if name == "-":
        return sys.stdout
    return stack.enter_context(open(name, "w", encoding="utf-8"))


def cmd_score(args: argparse.Namespace) -> int:
    from monitor.detection.jsonl import score_chunks_parallel, score_lines, stream_scorer

    registry, rules = load_registry(args.brands), load_rules(args.rules)
    jobs = args.jobs or os.cpu_count() or 1
    failed = 0
    with ExitStack() as stack:
        source, sink = _open_in(stack, args.input), _open_out(stack, args.output)
        write = sink.write
        if jobs > 1:
            for text, invalid in score_chunks_parallel(registry, rules, source, jobs):
                write(text)
                failed += invalid
        else:
            for out, ok in score_lines(stream_scorer(registry, rules), source):
                write(out + "\n")
                failed += not ok
    if failed:
        print(f"monitor score: {failed} invalid line{'s' if failed > 1 else ''} in {args.input}", file=sys.stderr)
    return 1 if failed else 0


def cli_actor() -> str:
    """Who marks from a shell: the login name, as the history records it."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid)
        return "cli"


def _settings():
    from monitor.settings import Settings

    return Settings.from_env()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from monitor.store.db import current_revision, upgrade

    settings = _settings()
    upgrade(settings.database_url, args.revision)
    print(f"monitor database at revision {current_revision(settings.database_url)}")
    return 0


def cmd_collect_ct(args: argparse.Namespace) -> int:
    """Every listed CT log once, from its stored position; positions move once the output is written."""
    from monitor.collectors.ct.run import collect_to_file, summarize_logs

    settings = _settings()
    _database()  # reachable and migrated: the positions live there
    with ExitStack() as stack:
        results = collect_to_file(settings, _open_out(stack, args.output))
    print(summarize_logs(results), file=sys.stderr)
    return 1 if not results or all(r.status == "failed" for r in results) else 0


def cmd_collect(args: argparse.Namespace) -> int:
    if args.source == "ct":  # read from a position per log, not over a window
        return cmd_collect_ct(args)

    from monitor.collectors.base import Window, collect_brand
    from monitor.collectors.sources import build_collector
    from monitor.fetch.http import Fetcher
    from monitor.pipeline import parse_time

    settings = _settings()
    registry = load_registry(settings.brands_file)
    from monitor.collectors.sources import SOURCES

    brands: list[Brand | None]
    if args.brand:
        brands = [registry.brand(args.brand)]
    else:  # a shared feed is read once for every brand (None); other sources once per brand
        brands = [None] if args.source in SOURCES and SOURCES[args.source].scope == "feed" else list(registry.brands)
    window = Window(parse_time(args.since, "--since"), parse_time(args.until, "--until"))
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer

    # Politeness and robots.txt state are shared with the DAG's workers through the database.
    fetcher = Fetcher(settings, session_factory=_database())
    collector = build_collector(args.source, settings, fetcher, Scorer(registry, load_rules(settings.rules_file)))
    failed = False
    with ExitStack() as stack:
        sink = _open_out(stack, args.output)
        for brand in brands:
            result = collect_brand(collector, brand, window, budget_seconds=settings.collect_budget_seconds)
            for found in result.found:
                sink.write(json.dumps({**found.candidate.to_dict(), "query": found.query}, ensure_ascii=False) + "\n")
            for error in result.errors:
                print(f"monitor collect: {args.source} {result.brand_id}: {error}", file=sys.stderr)
            failed |= result.failed
            print(f"monitor collect: {args.source} {result.brand_id}: {len(result.found)} candidates from "
                  f"{result.queries} queries in {result.seconds:.1f}s", file=sys.stderr)
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:

    from monitor import pipeline
    from monitor.run_context import RunContext
    from monitor.summary import summarize

    settings = _settings()
    _database()  # reachable and migrated, before any collection starts
    params = {"brands": args.brand or [], "sources": args.source or [], "dry_run": args.dry_run,
              "min_score": args.min_score, "window_start": args.since, "window_end": args.until}
    now = utcnow()
    start, end = pipeline.resolve_window(None, None, params, now=now, lookback_hours=settings.lookback_hours)
    run = pipeline.RunInfo(f"cli__{now.strftime('%Y%m%dT%H%M%S')}", "cli", start.isoformat(), end.isoformat(),
                           "monitor run")
    context = RunContext(settings)  # one registry, rules and scorer for the whole run
    stored = []
    for item in pipeline.plan(context, params):
        collected = pipeline.collect(context, item, run)
        stored.append(pipeline.store(context, pipeline.score(context, collected)))
    drafts = pipeline.draft_takedowns(context, params)
    report = pipeline.alert(context, params, run, smtp_url=None)
    print(summarize(stored, report, drafts, pipeline.close_abandoned_collections(context)))
    try:
        pipeline.check_run(stored)
    except pipeline.RunVerdict as exc:
        print(f"monitor run: {exc}", file=sys.stderr)
        return 1
    return 0


def _database():
    """Sessions on the monitor database, ready to use: the embedded SQLite default is created
    and migrated on first use; any other database must be migrated (`monitor db upgrade`)."""
    from monitor.settings import Settings
    from monitor.store.db import ready_factory

    url = _settings().database_url
    return ready_factory(url, migrate=url == Settings.database_url)


def _known_brand(brand_id: str | None) -> str | None:
    """A brand filter must name a brand of the registry: a typo is an error, not 'no findings'."""
    if brand_id is not None:
        registry = load_registry(_settings().brands_file)
        if brand_id not in registry.ids:
            raise LookupError(f"unknown brand {brand_id!r} (known: {', '.join(registry.ids)})")
    return brand_id


def cmd_findings(args: argparse.Namespace) -> int:
    from monitor import terminal
    from monitor.store.models import Finding
    from monitor.store.repo import latest_takedowns, list_findings, mark_finding, marks_of

    brand = _known_brand(getattr(args, "brand", None))
    with _database()() as session:
        if args.findings_command == "list":
            rows = list_findings(session, brand_id=brand, status=args.status, limit=args.limit)
            takedowns = latest_takedowns(session, [f.id for f in rows])
            print(terminal.table(terminal.FINDING_HEADER, terminal.finding_rows(rows, takedowns)))
            if not rows:
                print("no findings", file=sys.stderr)
            return 0
        finding = session.get(Finding, args.id)
        if finding is None:
            raise LookupError(f"finding F{args.id} does not exist")
        if args.findings_command == "show":
            takedown = latest_takedowns(session, [finding.id]).get(finding.id)
            sightings = sorted(finding.sightings, key=lambda s: s.seen_at)
            print(terminal.finding_detail(finding, sightings, marks_of(session, "finding", finding.id), takedown))
            return 0
        mark_finding(session, args.id, args.mark, note=args.note, actor=cli_actor(), now=utcnow())
        session.commit()
        print(f"finding F{args.id} marked {args.mark}")
        return 0


def cmd_campaigns(args: argparse.Namespace) -> int:
    """`monitor campaigns list|show`: findings linked by a scammer's shared details."""
    from sqlalchemy import select

    from monitor import terminal
    from monitor.campaigns.describe import campaign_ref, shown
    from monitor.campaigns.store import get_campaign, list_campaigns
    from monitor.store.models import Finding

    brand = _known_brand(getattr(args, "brand", None))
    with _database()() as session:
        if args.campaigns_command == "list":
            total, views = list_campaigns(session, brand_id=brand, limit=args.limit)
            print(terminal.table(("campaign", "findings", "brands", "first seen", "last seen", "linked by"), [
                [campaign_ref(v.id), str(v.size), ", ".join(v.brands), display_time(v.first_seen),
                 display_time(v.last_seen), shown(v.shared[0].kind, v.shared[0].value) if v.shared else "-"]
                for v in views]))
            print(f"{total} campaign{'s' if total != 1 else ''}" + (f" (showing {len(views)})" if total > len(views)
                                                                     else ""), file=sys.stderr)
            return 0
        if args.campaigns_command == "drafts":
            return _campaign_drafts(session, args)
        view = get_campaign(session, args.id)
        if view is None:
            raise LookupError(f"campaign {campaign_ref(args.id)} does not exist")
        if view.id != args.id:
            print(f"campaign {campaign_ref(args.id)} was merged into {campaign_ref(view.id)}")
        members = session.scalars(select(Finding).where(Finding.id.in_(view.findings)).order_by(Finding.id)).all()
        print(f"{campaign_ref(view.id)}: {view.size} findings, {len(view.brands)} brands ({', '.join(view.brands)}), "
              f"first seen {display_time(view.first_seen)}, last seen {display_time(view.last_seen)}")
        if view.absorbed:
            print(f"merged in: {', '.join(campaign_ref(a) for a in view.absorbed)}")
        print("\nmembers:")
        print(terminal.table(("finding", "brand", "verdict", "status", "identity"),
                             [[f"F{f.id}", f.brand_id, f.verdict, f.status, f.label] for f in members]))
        print("\nwhat links them:")
        print(terminal.table(("artefact", "strength", "shown by"),
                             [[shown(a.kind, a.value), "strong" if a.strong else "weak",
                               " ".join(f"F{f}" for f in a.findings)] for a in view.shared]))
        return 0


def _campaign_drafts(session, args: argparse.Namespace) -> int:
    """One takedown request per recipient for a campaign's live members, written as .eml files."""
    from monitor.campaigns.describe import campaign_ref
    from monitor.takedown.campaign import campaign_requests

    requests, unaddressed = campaign_requests(session, args.id, mail_from=_settings().mail_from, now=utcnow())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for n, (request, message) in enumerate(requests, 1):
        path = out / f"{campaign_ref(request.campaign_id)}-request-{n}.eml"
        path.write_bytes(bytes(message))
        where = ", ".join(email for _, email in request.recipient.to) or request.recipient.form
        print(f"{path}: to {request.recipient.name} ({where}): "
              f"{' '.join(f'F{m.finding_id}' for m in request.members)}")
    for member in unaddressed:
        print(f"F{member.finding_id}: no one known to write to (no takedown draft, or its draft found no abuse "
              "contact); not in any request", file=sys.stderr)
    if not requests:
        print("no request: no live member has a known recipient", file=sys.stderr)
    return 0


def _print_channels(path: str | None) -> int:
    """Validate the abuse-channel directory and show what the monitor understood of it."""
    from monitor.takedown.channels import load_abuse_channels

    settings = _settings()
    path = path or str(settings.abuse_channels_path)
    directory = load_abuse_channels(path, shared_hosting=load_rules(settings.rules_file).shared_hosting)

    def show(key: str, channel: Channel) -> None:
        where = " and ".join(p for p in (channel.email, channel.form) if p)
        print(f"  {key:<18} {channel.name}: {where}  (checked {channel.checked}, {channel.source})")

    print(f"{path}: {len(directory.platforms)} platforms, {len(directory.hosting)} hosting services, "
          f"{len(directory.whois_servers)} WHOIS servers")
    print("platforms:")
    for key, channel in sorted(directory.platforms.items()):
        show(key, channel)
    print("shared hosting and link services:")
    for key, hosting in sorted(directory.hosting.items()):
        show(key, hosting)
    print("WHOIS servers (top-level domains without RDAP):")
    for tld, server in sorted(directory.whois_servers.items()):
        print(f"  .{tld:<17} {server}")
    return 0


def cmd_takedown(args: argparse.Namespace) -> int:
    from monitor import terminal
    from monitor.store.models import Takedown
    from monitor.store.repo import list_takedowns, mark_takedown, marks_of

    if args.takedown_command == "channels":
        return _print_channels(args.file)
    brand = _known_brand(getattr(args, "brand", None))
    with _database()() as session:
        if args.takedown_command == "list":
            rows = list_takedowns(session, brand_id=brand, status=args.status, limit=args.limit)
            print(terminal.table(("id", "brand", "state", "finding", "drafted (UTC)", "page", "to"), [
                [f"T{t.id}", t.brand_id, terminal.takedown_state(t, t.finding), f"F{t.finding_id}",
                 display_time(t.drafted_at),
                 t.evidence_url,
                 "; ".join(t.addressing.get("parties") or []) or "-"] for t in rows]))
            if not rows:
                print("no takedown drafts", file=sys.stderr)
            return 0
        takedown = session.get(Takedown, args.id)
        if takedown is None:
            raise LookupError(f"takedown T{args.id} does not exist")
        if args.takedown_command == "show":
            if args.eml:
                Path(args.eml).write_bytes(takedown.message.encode("ascii"))
                print(f"draft written to {args.eml}", file=sys.stderr)
                return 0
            print(terminal.takedown_detail(takedown, marks_of(session, "takedown", takedown.id)))
            return 0
        mark_takedown(session, args.id, args.mark, note=args.note, actor=cli_actor(), now=utcnow())
        session.commit()
        print(f"takedown T{args.id} marked {takedown.status}")
        return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from monitor import terminal
    from monitor.store.repo import list_alerts

    with _database()() as session:
        if args.alerts_command == "list":
            rows = list_alerts(session, status="dead" if args.dead else None, limit=args.limit)
            print(terminal.table(terminal.ALERT_HEADER, terminal.alert_rows(rows)))
            if not rows:
                print("no alerts", file=sys.stderr)
            return 0
    return _retry_alerts(args)


def _retry_alerts(args: argparse.Namespace) -> int:
    """Requeue dead-lettered alerts (one, or all) and send what is pending now."""
    from monitor.notify.mailer import make_transport
    from monitor.notify.outbox import send_pending
    from monitor.store.repo import requeue_dead_alerts

    if (args.id is None) == (not args.all):
        raise ValueError("give an alert id or --all")
    settings = _settings()
    factory = _database()
    with factory() as session:
        requeued = requeue_dead_alerts(session, None if args.all else [args.id], now=utcnow())
        session.commit()
    transport = make_transport(settings.smtp_url, settings.outbox_dir)
    report = send_pending(factory, transport, sender=settings.mail_from, max_attempts=settings.max_send_attempts,
                          now=utcnow())
    print(f"{len(requeued)} alerts requeued; {len(report.sent)} sent, {len(report.failed)} pending retry, "
          f"{len(report.dead)} dead-lettered again (via {transport.description})")
    return 0 if not report.failed and not report.dead else 1


class ReferenceType:
    """An argparse type for F26/T24/C7 references, with the example its help shows."""

    def __init__(self, parse: Callable[[str], int], name: str, example: str):
        self._parse, self.__name__, self.example = parse, name, example

    def __call__(self, raw: str) -> int:
        return self._parse(raw)


def _reference_type(prefix: str) -> ReferenceType:
    """F26 or 26 (findings), T24 or 24 (takedowns), C7 or 7 (campaigns): the id people read, or its number."""
    from monitor.ui.params import BadParameter, reference

    def parse(raw: str) -> int:
        try:
            return reference(raw, "id", prefix)
        except BadParameter as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix("id=")) from None

    # argparse names the type in its error by __name__
    return ReferenceType(parse, {"F": "finding", "T": "takedown", "C": "campaign"}[prefix], f"{prefix}26")


def _list_show_mark(sub: argparse._SubParsersAction, name: str, what: str, *, statuses: str, marks: str,
                    note: str) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction, argparse.ArgumentParser]:
    """`monitor NAME list|show|mark`: the same three commands for findings and takedowns."""
    parser = sub.add_parser(name, help=f"list, show and mark {what}")
    commands = parser.add_subparsers(dest=f"{name}_command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("--brand")
    listing.add_argument("--status", help=statuses)
    listing.add_argument("--limit", type=int, default=100)
    reference = _reference_type("F" if name == "findings" else "T")
    show = commands.add_parser("show")
    show.add_argument("id", type=reference, help=f"{what[:-1]} such as {reference.example} (or its number)")
    mark = commands.add_parser("mark")
    mark.add_argument("id", type=reference, help=f"{what[:-1]} such as {reference.example} (or its number)")
    mark.add_argument("mark", help=marks)
    mark.add_argument("--note", help=note)
    return parser, commands, show


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

    db = sub.add_parser("db", help="the monitor database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_sub.add_parser("upgrade", help="apply migrations (MONITOR_DATABASE_URL)")
    db_upgrade.add_argument("revision", nargs="?", default="head")
    db_upgrade.set_defaults(func=cmd_db_upgrade)

    collect = sub.add_parser("collect", help="run one source and write candidates (JSON Lines)")
    collect.add_argument("--source", required=True, help="source name, e.g. searxng; ct reads every listed CT log "
                                                             "once from its stored position")
    collect.add_argument("--brand", help="one brand id (default: every brand)")
    collect.add_argument("--since", help="window start, ISO 8601")
    collect.add_argument("--until", help="window end, ISO 8601")
    collect.add_argument("--output", default="-", help="candidates file, or - for standard output")
    collect.set_defaults(func=cmd_collect)

    run = sub.add_parser("run", help="one full pipeline run without Airflow: collect, score, store, alert")
    run.add_argument("--brand", action="append", help="brand id (repeatable; default: all)")
    run.add_argument("--source", action="append", help="source name (repeatable; default: MONITOR_SOURCES)")
    run.add_argument("--since", help="window start, ISO 8601 (default: MONITOR_LOOKBACK_HOURS ago)")
    run.add_argument("--until", help="window end, ISO 8601 (default: now)")
    run.add_argument("--min-score", type=int, default=None, help="alert threshold")
    run.add_argument("--dry-run", action="store_true", help="store findings but send no email")
    run.set_defaults(func=cmd_run)

    findings, _, _ = _list_show_mark(sub, "findings", "findings", statuses="new, alerted, confirmed, "
                                     "false-positive or taken-down", marks=", ".join(FINDING_MARKS),
                                     note="why (kept in the finding's history)")
    findings.set_defaults(func=cmd_findings)

    takedown, t_sub, t_show = _list_show_mark(sub, "takedown", "takedown-request drafts",
                                              statuses="drafted, sent or resolved",
                                              marks="sent (the owner sent it) or resolved (handled, stop following "
                                                    "it up)", note="what was done (kept in the takedown's history)")
    t_show.add_argument("--eml", help="write the draft (RFC 5322) to this file instead")
    t_channels = t_sub.add_parser("channels", help="check config/abuse_channels.yaml and print it")
    t_channels.add_argument("--file", help="the file (default: MONITOR_ABUSE_CHANNELS_FILE, or beside brands.yaml)")
    takedown.set_defaults(func=cmd_takedown)

    campaigns = sub.add_parser("campaigns", help="findings linked by a scammer's shared phone, account, QR code...")
    c_sub = campaigns.add_subparsers(dest="campaigns_command", required=True)
    c_list = c_sub.add_parser("list")
    c_list.add_argument("--brand", help="only campaigns with findings of this brand")
    c_list.add_argument("--limit", type=int, default=100)
    c_show = c_sub.add_parser("show")
    c_ref = _reference_type("C")
    c_show.add_argument("id", type=c_ref, help=f"campaign such as {c_ref.example} (or its number)")
    c_drafts = c_sub.add_parser("drafts", help="one takedown request per recipient for the campaign's live members")
    c_drafts.add_argument("id", type=c_ref, help=f"campaign such as {c_ref.example} (or its number)")
    c_drafts.add_argument("--out", default="var/campaign-drafts", help="folder for the .eml files (default: %(default)s)")
    campaigns.set_defaults(func=cmd_campaigns)

    alerts = sub.add_parser("alerts", help="the outbox: list alerts, retry dead-lettered ones")
    a_sub = alerts.add_subparsers(dest="alerts_command", required=True)
    a_list = a_sub.add_parser("list")
    a_list.add_argument("--dead", action="store_true", help="only dead-lettered alerts")
    a_list.add_argument("--limit", type=int, default=100)
    a_retry = a_sub.add_parser("retry", help="requeue dead-lettered alerts and send them now")
    a_retry.add_argument("id", type=int, nargs="?")
    a_retry.add_argument("--all", action="store_true", help="every dead-lettered alert")
    alerts.set_defaults(func=cmd_alerts)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (RegistryError, AbuseChannelsError, LookupError, DatabaseNotReady, SettingsError) as exc:
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
