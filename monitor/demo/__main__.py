"""`make demo`: one full offline run of the real brand_monitor DAG.

Starts the demo web on 127.0.0.1, prepares a fresh Airflow home and monitor database under
var/demo/, runs `airflow dags test brand_monitor`, then prints what the pipeline stored and
where the emails went. Nothing is precomputed: the demo web is the only input.
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

from monitor.collectors.sources import BRAND_MONITOR_SOURCES
from monitor.demo.dns import DemoDns
from monitor.demo.web import DemoWeb, load_web
from monitor.demo.whois import DemoWhois

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "var" / "demo"


def demo_environment(web: DemoWeb, dns_server: DemoDns, whois: DemoWhois) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "AIRFLOW"))}
    brands_file = DEMO / "brands.yaml"
    # The registry plus a listing page and a feed on the demo web.
    brands_file.write_text(web.brands_with_sources((ROOT / "config" / "brands.yaml").read_text("utf-8")), "utf-8")
    env.update({
        "AIRFLOW_HOME": str(DEMO / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{DEMO / 'airflow' / 'airflow.db'}",
        "MONITOR_DATABASE_URL": f"sqlite:///{DEMO / 'monitor.db'}",
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
        "MONITOR_ABUSE_CHANNELS_FILE": str(ROOT / "config" / "abuse_channels.yaml"),
        "MONITOR_TAKEDOWN_TEMPLATES": str(ROOT / "config" / "takedown"),
    })
    return env


def demo_addresses(web_data: dict) -> dict[str, str]:
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


def run(command: list[str], env: dict[str, str], log: Path, what: str) -> None:
    started = time.monotonic()
    print(f"- {what} ...", end=" ", flush=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, check=False)
    print(f"{time.monotonic() - started:.0f}s")
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
    found_by_source = Counter()
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
                print(f"      [{f.id:>3}] {f.score:>3} {f.verdict:<13} {f.label}")
    print(f"\nEmails to the owners ({len(alerts)}: per brand, a digest and its takedown drafts), written as .eml "
          f"files to {env['MONITOR_OUTBOX_DIR']}:")
    outbox = Path(env["MONITOR_OUTBOX_DIR"])
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"  {path.name}  to {message['To']}\n      {message['Subject']}")
    report_takedowns(env)
    print("\nNext: open an .eml file in a mail client, `monitor findings list` (with MONITOR_DATABASE_URL above),"
          "\n`make run` for the Airflow UI, `make test` for the test suite.")


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
                print(f"      [{t.id:>3}] {t.evidence_url}\n            to: {where}")
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
            DemoWhois(web_data.get("whois", {})) as whois:
        env = {k: v for k, v in demo_environment(web, dns_server, whois).items()
               if k.startswith("MONITOR_") and k not in ("MONITOR_DATABASE_URL", "MONITOR_OUTBOX_DIR")}
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(env.items())), "utf-8")
        print(f"demo web on {web.url}, DNS on {dns_server.nameserver}, WHOIS on 127.0.0.1:{whois.port}")
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


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m monitor.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true",
                        help="only serve the demo web, DNS and WHOIS (for `make run`), until Ctrl-C")
    parser.add_argument("--env-file", type=Path, default=ROOT / "var" / "demo-web.env",
                        help="where --serve writes the settings that point at it (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.env_file)
    return run_demo()


def run_demo() -> int:
    if DEMO.exists():
        shutil.rmtree(DEMO)
    (DEMO / "airflow").mkdir(parents=True)
    log = DEMO / "demo.log"
    bin_dir = Path(sys.executable).parent
    print("impersonation-monitor demo: one offline run of the brand_monitor and lookalike_domains DAGs")
    web_data = load_web()
    with DemoWeb(web_data) as web, DemoDns(demo_addresses(web_data)) as dns_server, \
            DemoWhois(web_data.get("whois", {})) as whois:
        env = demo_environment(web, dns_server, whois)
        print(f"- demo web on {web.url}: SearXNG, Brave and Google APIs, crt.sh, a newly-registered list,")
        print("  OpenPhish and URLhaus feeds, a listing page, an RSS feed, and the sites they point to")
        print(f"- demo DNS server on {dns_server.nameserver} for the lookalike-domain check, and RDAP")
        print(f"  (registrars, hosts) on the demo web, WHOIS for .la on 127.0.0.1:{whois.port}")
        run([str(bin_dir / "monitor"), "db", "upgrade"], env, log, "monitor database migrations")
        run([str(bin_dir / "airflow"), "db", "migrate"], env, log, "Airflow metadata database")
        run([str(bin_dir / "airflow"), "pools", "set", "monitor_fetch", "8", "outbound fetching of impersonation-monitor"],
            env, log, "Airflow pool monitor_fetch")
        now = dt.datetime.now(dt.UTC)
        conf = json.dumps({"window_start": (now - dt.timedelta(hours=2)).isoformat(), "window_end": now.isoformat()})
        run([str(bin_dir / "airflow"), "dags", "test", "-c", conf, "brand_monitor"], env, log,
            "airflow dags test brand_monitor")
        run([str(bin_dir / "airflow"), "dags", "test", "-c", conf, "lookalike_domains"], env, log,
            "airflow dags test lookalike_domains")
        run([str(bin_dir / "airflow"), "dags", "test", "takedown_followup"], env, log,
            "airflow dags test takedown_followup")
        print(f"  (Airflow's log: {log}; the demo web answered {len(web.requests)} requests, "
              f"the DNS server {len(dns_server.queries)} queries)")
        report(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
