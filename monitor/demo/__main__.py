"""`make demo`: one full offline run of the real brand_monitor DAG.

Starts the demo web on 127.0.0.1, prepares a fresh Airflow home and monitor database under
var/demo/, runs `airflow dags test brand_monitor`, then prints what the pipeline stored and
where the emails went. Nothing is precomputed: the demo web is the only input.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

from monitor.demo.web import DemoWeb

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "var" / "demo"


def demo_environment(web_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(DEMO / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{DEMO / 'airflow' / 'airflow.db'}",
        "MONITOR_DATABASE_URL": f"sqlite:///{DEMO / 'monitor.db'}",
        "MONITOR_BRANDS_FILE": str(ROOT / "config" / "brands.yaml"),
        "MONITOR_OUTBOX_DIR": str(DEMO / "outbox"),
        "MONITOR_SEARXNG_URL": web_url,
        # The demo web runs on loopback, which production never fetches from, on a port of
        # its own; it is ours, so no politeness delay between requests.
        "MONITOR_ALLOW_PRIVATE_NETWORKS": "1",
        "MONITOR_EXTRA_PORTS": str(urlsplit(web_url).port),
        "MONITOR_HOST_MIN_DELAY_MS": "0",
    })
    env.pop("MONITOR_SMTP_URL", None)  # the demo writes .eml files, it never sends mail
    env.pop("AIRFLOW_CONN_SMTP_DEFAULT", None)
    return env


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
          f"({sum(1 for r in runs if r.status == 'failed')} failed).")
    per_brand = Counter((f.brand_id, f.verdict) for f in findings)
    print(f"\nFindings ({len(findings)}), stored in {env['MONITOR_DATABASE_URL']}:")
    for brand in sorted({f.brand_id for f in findings}):
        print(f"  {brand:<16} {per_brand[(brand, 'impersonation')]} impersonation, "
              f"{per_brand[(brand, 'suspicious')]} suspicious")
        for f in findings:
            if f.brand_id == brand:
                print(f"      [{f.id:>3}] {f.score:>3} {f.verdict:<13} {f.label}")
    print(f"\nAlert digests ({len(alerts)}), one per brand, written as .eml files to {env['MONITOR_OUTBOX_DIR']}:")
    outbox = Path(env["MONITOR_OUTBOX_DIR"])
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"  {path.name}  to {message['To']}\n      {message['Subject']}")
    print("\nNext: open an .eml file in a mail client, `monitor findings list` (with MONITOR_DATABASE_URL above),"
          "\n`make run` for the Airflow UI, `make test` for the test suite.")


def main() -> int:
    if DEMO.exists():
        shutil.rmtree(DEMO)
    (DEMO / "airflow").mkdir(parents=True)
    log = DEMO / "demo.log"
    bin_dir = Path(sys.executable).parent
    print("impersonation-monitor demo: one offline run of the brand_monitor DAG")
    with DemoWeb() as web:
        env = demo_environment(web.url)
        print(f"- demo web (SearXNG-compatible search API) on {web.url}")
        run([str(bin_dir / "monitor"), "db", "upgrade"], env, log, "monitor database migrations")
        run([str(bin_dir / "airflow"), "db", "migrate"], env, log, "Airflow metadata database")
        run([str(bin_dir / "airflow"), "dags", "test", "brand_monitor"], env, log,
            "airflow dags test brand_monitor")
        print(f"  (Airflow's log: {log}; the demo web answered {len(web.requests)} search requests)")
        report(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
