"""Benchmark brand_monitor on the demo web scaled to 50 brands, with LocalExecutor and with
two Celery workers (the production topology as processes, tests/distributed.py).

Needs this machine's PostgreSQL and Redis (MONITOR_TEST_POSTGRES_URL, MONITOR_TEST_REDIS_URL,
defaulting to the local servers). Prints wall time of one run and tasks per minute for each.

    python bench/run_bench.py [--brands 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scaled_registry(count: int) -> str:
    """The six brands, copied under new ids and names until there are `count`."""
    base = yaml.safe_load((ROOT / "config" / "brands.yaml").read_text("utf-8"))["brands"]
    brands = []
    for number in range(count):
        brand = dict(base[number % len(base)])
        if number >= len(base):
            suffix = f"{number // len(base)}"
            brand = {**brand, "id": f"{brand['id']}-{suffix}", "name": f"{brand['name']} {suffix}",
                     "official": {"domains": [d.replace(".", f"{suffix}.", 1) for d in brand["official"]["domains"]],
                                  "accounts": [{**a, "handle": f"{a['handle']}{suffix}"} for a in
                                               brand["official"]["accounts"]]},
                     "aliases": []}
        brands.append(brand)
    return yaml.safe_dump({"brands": brands}, allow_unicode=True, sort_keys=False)


def main() -> int:
    from aiosmtpd.controller import Controller

    from monitor.demo.web import DemoWeb
    from tests.conftest import SmtpSink, free_port
    from tests.distributed import Topology

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=50)
    args = parser.parse_args()
    postgres = os.environ.get("MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    redis = os.environ.get("MONITOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        brands_file = Path(tmp) / "brands.yaml"
        brands_file.write_text(scaled_registry(args.brands), "utf-8")
        for executor, workers in (("LocalExecutor", 0), ("CeleryExecutor", 2)):
            sink = SmtpSink(port=free_port())
            controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
            controller.start()
            workdir = Path(tmp) / executor
            workdir.mkdir()
            try:
                with DemoWeb() as web, Topology(postgres, redis, web, sink.port, workdir, workers=workers,
                                                executor=executor,
                                                extra_env={"MONITOR_BRANDS_FILE": str(brands_file),
                                                           "MONITOR_SCHEDULE": "0 0 1 1 *"}) as topo:
                    topo.unpause("brand_monitor")
                    started = time.perf_counter()
                    run_id = topo.trigger("brand_monitor", {})
                    state = topo.wait_for_run("brand_monitor", run_id, timeout=1800)
                    wall = time.perf_counter() - started
                    tasks = len(topo.task_instances("brand_monitor", run_id))
            finally:
                controller.stop()
            results.append((executor, workers, state, wall, tasks, len(sink.messages)))
    print(f"brand_monitor on the demo web, {args.brands} brands, source searxng:")
    for executor, workers, state, wall, tasks, mails in results:
        label = f"{executor} ({workers} Celery workers x 2 slots)" if workers else executor
        print(f"  {label:<42} {state:<8} wall {wall:6.1f} s  {tasks} tasks  {tasks / wall * 60:6.1f} tasks/min  "
              f"{mails} digests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
