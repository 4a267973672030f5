"""`make demo`: one full offline run of the real brand_monitor DAG.

Starts the demo web on 127.0.0.1, prepares a fresh Airflow home under var/demo/ and a fresh
monitor database `demo` on `make run`'s embedded PostgreSQL (var/postgres), runs `airflow dags
test brand_monitor`, then prints what the pipeline stored and where the emails went. The
emails' owner links point at `make run`'s UI, which shows this database afterwards. Nothing is
precomputed: the demo web is the only input.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path
from typing import Any

from monitor import local
from monitor.collectors.sources import BRAND_MONITOR_SOURCES
from monitor.demo.ctlog import LocalCtServer, demo_logs
from monitor.demo.ctlog import demo_environment as ct_environment
from monitor.demo.dns import DemoDns
from monitor.demo.web import DemoWeb, load_web
from monitor.demo.whois import DemoWhois
from monitor.settings import FETCH_POOL, FETCH_POOL_DESCRIPTION, FETCH_POOL_SLOTS

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
DEMO = VAR / "demo"
# Settings of the demo that `make run` sets its own way: the demo web's env file leaves them out.
RUN_OWN = ("MONITOR_DATABASE_URL", "MONITOR_OUTBOX_DIR", "MONITOR_PUBLIC_URL", "MONITOR_SECRET_KEY")


def demo_environment(web: DemoWeb, dns_server: DemoDns, whois: DemoWhois, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "AIRFLOW"))}
    brands_file = DEMO / "brands.yaml"
    # The registry plus a listing page and a feed on the demo web.
    brands_file.write_text(web.brands_with_sources((ROOT / "config" / "brands.yaml").read_text("utf-8")), "utf-8")
    env.update({
        "AIRFLOW_HOME": str(DEMO / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{DEMO / 'airflow' / 'airflow.db'}",
        "MONITOR_DATABASE_URL": database_url,
        # Owners' links point at `make run`'s UI (which then shows this database), signed with its key.
        "MONITOR_PUBLIC_URL": local.public_url(os.environ.get("RUN_HOST") or "127.0.0.1",
                                               int(os.environ.get("RUN_PORT") or 8080)),
        "MONITOR_SECRET_KEY": local.secret(VAR / "monitor-secret"),
        "MONITOR_BRANDS_FILE": str(brands_file),
        "MONITOR_OUTBOX_DIR": str(DEMO / "outbox"),  # no SMTP: the digests become .eml files
        "MONITOR_STATE_DIR": str(DEMO / "state"),
        "MONITOR_DNS_NAMESERVER": dns_server.nameserver,
        "MONITOR_SOURCES": ",".join(BRAND_MONITOR_SOURCES),
    })
    # Every source and every site on the demo web, which runs on loopback (production never
    # fetches from there) on a port of its own.
    env.update(web.source_environment())
    env.update({
        # WHOIS for .la (no RDAP there) goes to the demo's WHOIS server; the rest to the demo web.
        "MONITOR_HTTP_RESOLVE": f"whois.nic.la=127.0.0.1:{whois.port},{env['MONITOR_HTTP_RESOLVE']}",
        # The registrars' and networks' RDAP servers that the bootstrap names are on the demo web's
        # port: URLs from data, which the fetcher takes on ports 80, 443 and these only.
        "MONITOR_EXTRA_PORTS": str(web.port),
        "MONITOR_ABUSE_CHANNELS_FILE": str(ROOT / "config" / "abuse_channels.yaml"),
        "MONITOR_TAKEDOWN_TEMPLATES": str(ROOT / "config" / "takedown"),
    })
    return env


def demo_addresses(web_data: dict[str, Any]) -> dict[str, str]:
    """What the demo's DNS answers: lookalikes that exist, the sites of the demo web (on a
    documentation network, 203.0.113.0/24, whose RDAP the demo web serves) and the officials."""
    from urllib.parse import urlsplit

    from monitor.detection.platforms import platform_of_host

    addresses = {name: "203.0.113.10" for name in web_data["registered_lookalikes"]}
    urls = [p["url"] for p in web_data["pages"]] + [e["url"] for e in web_data["listing"]["entries"]] + \
        [e["url"] for e in web_data["feed"]["entries"]] + web_data.get("phishing_urls", []) + \
        web_data.get("malware_urls", []) + \
        [f"https://{name}/" for name in web_data.get("certificates", []) + web_data.get("newly_registered", [])]
    for url in urls:
        host = urlsplit(url).hostname or ""
        if host and platform_of_host(host) is None:
            addresses.setdefault(host, "203.0.113.20")
    addresses.update({d: "203.0.113.1" for d in ("laoairlines.com", "laotel.com", "laotiantimes.com", "laopost.com",
                                                  "tholakhong.com", "laopatthana.com")})
    return addresses


def run(command: list[str], env: dict[str, str], log: Path, what: str, pass_fds: tuple[int, ...] = ()) -> None:
    started = time.monotonic()
    print(f"- {what} ...", end="\n" if pass_fds else " ", flush=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False,
                                pass_fds=pass_fds)
    print(f"{'  (all of Airflow: ' if pass_fds else ''}{time.monotonic() - started:.0f}s{')' if pass_fds else ''}")
    if result.returncode != 0:
        print(f"\n{what} failed (exit {result.returncode}); see {log}", file=sys.stderr)
        sys.exit(result.returncode)


def report(env: dict[str, str]) -> None:
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Alert, CollectionRun, Finding

    factory = session_factory(make_engine(env["MONITOR_DATABASE_URL"]))
    with factory() as session:
        runs = session.query(CollectionRun).all()
        findings = session.query(Finding).order_by(Finding.brand_id, Finding.score.desc()).all()
        alerts = session.query(Alert).order_by(Alert.brand_id).all()
    print(f"\nCollected {sum(r.candidates for r in runs)} candidates in {len(runs)} collections "
          f"({sum(1 for r in runs if r.status == 'failed')} failed):")
    by_source = Counter(r.source for r in runs)
    found_by_source: Counter[str] = Counter()
    for r in runs:
        found_by_source[r.source] += r.candidates
    for source in sorted(by_source):
        canaries = Counter(r.canary for r in runs if r.source == source)
        print(f"  {source:<13} {by_source[source]} collections, {found_by_source[source]:>4} candidates, "
              f"canary: {', '.join(f'{n} {c}' for c, n in sorted(canaries.items(), key=lambda i: str(i[0])))}")
    per_brand = Counter((f.brand_id, f.verdict) for f in findings)
    print(f"\nFindings ({len(findings)}), stored in {env['MONITOR_DATABASE_URL']}:")
    for brand in sorted({f.brand_id for f in findings}):
        print(f"  {brand:<16} {per_brand[(brand, 'impersonation')]} impersonation, "
              f"{per_brand[(brand, 'suspicious')]} suspicious")
        for f in findings:
            if f.brand_id == brand:
                print(f"      {'F' + str(f.id):>5} {f.score:>3} {f.verdict:<13} {f.label}")
    print(f"\nEmails to the owners ({len(alerts)}: per brand, a digest and its takedown drafts), written as .eml "
          f"files to {env['MONITOR_OUTBOX_DIR']}:")
    outbox = Path(env["MONITOR_OUTBOX_DIR"])
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"  {path.name}  to {message['To']}\n      {message['Subject']}")
    link = owner_link(outbox)
    if link:
        print(f"\nAn owner's link from {link[0]} (each finding in a digest has four):\n    {link[1]}\n"
              "  It opens in `make run`'s UI, which shows this database: `make run`, open the link, press the button.")
    report_takedowns(env)
    report_campaigns(env)
    print("\nNext: `make run` for the Airflow UI (the Findings page shows this database), and in another shell"
          "\n`eval \"$(make -s env)\"` then `monitor findings list`; an .eml file opens in a mail client;"
          "\n`make test` runs the test suite.")


def owner_link(outbox: Path) -> tuple[str, str] | None:
    """The first owner's link in the demo's digests ("Yes, this is fake" of the top finding)."""
    import re

    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))
        found = re.search(r"https?://\S+/monitor/act/\S+", body.get_content() if body else "")
        if found:
            return path.name, found.group(0)
    return None


def report_takedowns(env: dict[str, str]) -> None:
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Finding, Takedown

    factory = session_factory(make_engine(env["MONITOR_DATABASE_URL"]))
    folder = DEMO / "takedowns"
    folder.mkdir(exist_ok=True)
    with factory() as session:
        takedowns = session.query(Takedown).order_by(Takedown.brand_id, Takedown.id).all()
        impersonated = sorted({f.brand_id for f in session.query(Finding).filter(Finding.verdict == "impersonation")})
        print(f"\nTakedown drafts ({len(takedowns)}; never sent to the parties: each went to its brand's owners,")
        print(f"attached to one email per brand; copies written to {folder}):")
        for brand in impersonated:
            mine = [t for t in takedowns if t.brand_id == brand]
            print(f"  {brand:<16} {len(mine)} draft{'s' if len(mine) != 1 else ''}")
            for t in mine:
                path = folder / f"takedown-{t.id}.eml"
                path.write_bytes(t.message.encode("ascii"))
                where = "; ".join(t.addressing.get("parties") or []) or "-"
                print(f"      {'T' + str(t.id):>5} {t.evidence_url}\n            to: {where}")
                for gap in t.gaps:
                    print(f"            gap: {gap}")
        without = [b for b in impersonated if not any(t.brand_id == b for t in takedowns)]
        if without:
            print(f"  NO DRAFT for: {', '.join(without)} (see {DEMO / 'demo.log'})")
    print("Mark what the owner did with `monitor takedown mark ID sent|resolved`; the takedown_followup DAG")
    print("re-checks each page daily (taken down, a reminder after MONITOR_TAKEDOWN_REMINDER_DAYS, relaunched).")


def serve(env_file: Path) -> int:
    """`python -m monitor.demo --serve`: the demo web, DNS and WHOIS servers on their own, until
    Ctrl-C, with their settings in env_file (`make run` reads it), so that Airflow's own
    scheduler runs the DAGs against them."""
    import shlex
    import signal

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # a service manager or `timeout` stops it like Ctrl-C
    DEMO.mkdir(parents=True, exist_ok=True)
    web_data = load_web()
    with DemoWeb(web_data) as web, DemoDns(demo_addresses(web_data)) as dns_server, \
            DemoWhois(web_data.get("whois", {})) as whois, LocalCtServer(demo_logs()) as ct_logs:
        env = {k: v for k, v in (demo_environment(web, dns_server, whois) | ct_environment(ct_logs)).items()
               if k.startswith("MONITOR_") and k not in RUN_OWN}
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(env.items())), "utf-8")
        print(f"demo web on {web.url}, DNS on {dns_server.nameserver}, WHOIS on 127.0.0.1:{whois.port}, "
              f"CT logs on {ct_logs.url}")
        print(f"their settings are in {env_file}: `make run` (or `set -a; . {env_file}`) points at them.")
        print("Ctrl-C stops them.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            env_file.unlink(missing_ok=True)
    return 0


def airflow_steps(conf: dict[str, Any], progress_fd: int) -> int:
    """`python -m monitor.demo --airflow-steps CONF`: in one process, what `airflow db migrate`,
    `airflow pools set` and `airflow dags test` do for the three DAGs (the same calls), each
    step's time written to progress_fd. Exit 1 when a DAG run did not succeed."""
    progress = os.fdopen(progress_fd, "w", buffering=1)

    def step(what: str) -> float:
        progress.write(f"  - {what} ... ")
        return time.monotonic()

    started = step("Airflow metadata database")
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.initdb()
    progress.write(f"{time.monotonic() - started:.0f}s\n")
    started = step(f"Airflow pool {FETCH_POOL}")
    Pool.create_or_update_pool(FETCH_POOL, FETCH_POOL_SLOTS, FETCH_POOL_DESCRIPTION, include_deferred=False)
    bag = DagBag(dag_folder=str(ROOT / "dags"), bundle_name="dags-folder")
    if bag.import_errors:
        progress.write(f"DAG import errors: {bag.import_errors}\n")
        return 1
    progress.write(f"{time.monotonic() - started:.0f}s\n")
    for dag_id, run_conf in (("brand_monitor", conf), ("lookalike_domains", conf), ("ct_monitor", None),
                             ("takedown_followup", None)):
        started = step(f"airflow dags test {dag_id}")
        dag_run = bag.dags[dag_id].test(run_conf=run_conf)
        state = getattr(dag_run.state, "value", dag_run.state)
        progress.write(f"{time.monotonic() - started:.0f}s{'' if state == 'success' else ': ' + str(state)}\n")
        if state != "success":
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m monitor.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true",
                        help="only serve the demo web, DNS and WHOIS (for `make run`), until Ctrl-C")
    parser.add_argument("--env-file", type=Path, default=ROOT / "var" / "demo-web.env",
                        help="where --serve writes the settings that point at it (default: %(default)s)")
    parser.add_argument("--airflow-steps", metavar="CONF", help=argparse.SUPPRESS)  # the demo's Airflow process
    parser.add_argument("--progress-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.airflow_steps:
        return airflow_steps(json.loads(args.airflow_steps), args.progress_fd)
    if args.serve:
        return serve(args.env_file)
    return run_demo()


def report_campaigns(env: dict[str, str]) -> None:
    """The campaigns the run linked: the demo web's ring should be one, of its members only."""
    from monitor.campaigns.describe import campaign_ref, shown
    from monitor.campaigns.store import list_campaigns
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Finding

    with session_factory(make_engine(env["MONITOR_DATABASE_URL"]))() as session:
        total, views = list_campaigns(session)
        labels = {f.id: (f.brand_id, f.label) for v in views
                  for f in session.query(Finding).filter(Finding.id.in_(v.findings))}
    print(f"\nCampaigns ({total}): findings linked by the same phone, account, QR code... across brands "
          "(`monitor campaigns list|show|drafts`, the UI's Campaigns page):")
    for view in views:
        print(f"  {campaign_ref(view.id)}: {view.size} findings, {len(view.brands)} brands ({', '.join(view.brands)})")
        for finding in view.findings:
            brand, label = labels[finding]
            print(f"      F{finding:<4} {brand:<14} {label}")
        for artefact in view.shared:
            print(f"      {'strong' if artefact.strong else 'weak  '} {shown(artefact.kind, artefact.value)}: shown by "
                  f"{' '.join(f'F{f}' for f in artefact.findings)}")


def run_demo() -> int:
    if DEMO.exists():
        shutil.rmtree(DEMO)
    (DEMO / "airflow").mkdir(parents=True)
    log = DEMO / "demo.log"
    bin_dir = Path(sys.executable).parent
    print("impersonation-monitor demo: one offline run of the brand_monitor, lookalike_domains and ct_monitor DAGs")
    web_data = load_web()
    started = time.monotonic()
    server = local.start_postgres(VAR)  # stopped when the demo ends, unless `make run` uses it too
    database = local.ensure_database(VAR, local.DEMO_DB, fresh=True)
    local.demo_marker(VAR).write_text(local.DEMO_DB + "\n", "utf-8")  # `make run` shows this database
    print(f"- embedded PostgreSQL in {local.postgres_dir(VAR)}, database {local.DEMO_DB} ... "
          f"{time.monotonic() - started:.0f}s")
    with server, DemoWeb(web_data) as web, DemoDns(demo_addresses(web_data)) as dns_server, \
            DemoWhois(web_data.get("whois", {})) as whois, LocalCtServer(demo_logs()) as ct_logs:
        env = demo_environment(web, dns_server, whois, database) | ct_environment(ct_logs)
        print(f"- demo web on {web.url}: SearXNG, Brave and Google APIs, crt.sh, a newly-registered list,")
        print("  OpenPhish and URLhaus feeds, a listing page, an RSS feed, and the sites they point to")
        certificates = sum(len(ct_log.entries) for ct_log in ct_logs.logs.values())
        print(f"- two CT logs on {ct_logs.url} (RFC 6962 and static-CT), {certificates} certificates")
        print(f"- demo DNS server on {dns_server.nameserver} for the lookalike-domain check, and RDAP")
        print(f"  (registrars, hosts) on the demo web, WHOIS for .la on 127.0.0.1:{whois.port}")
        run([str(bin_dir / "monitor"), "db", "upgrade"], env, log, "monitor database migrations")
        now = dt.datetime.now(dt.UTC)
        conf = json.dumps({"window_start": (now - dt.timedelta(hours=2)).isoformat(), "window_end": now.isoformat()})
        # One process for all of Airflow (importing it and parsing the DAGs cost about 12 s a
        # process): its own lines go to this terminal, Airflow's log to demo.log.
        progress = os.dup(sys.stdout.fileno())
        try:
            run([sys.executable, "-m", "monitor.demo", "--airflow-steps", conf, "--progress-fd", str(progress)],
                env, log, "Airflow", pass_fds=(progress,))
        finally:
            os.close(progress)
        print(f"  (Airflow's log: {log}; the demo web answered {len(web.requests)} requests, "
              f"the DNS server {len(dns_server.queries)} queries)")
        report(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
