"""Benchmark (issue 17 item 3): the web view while N clients hammer "search all", unprotected vs protected.

Starts its own secantusd-py server (temporary storage), seeds P postings (bench/web.py's shape), serves the
app with uvicorn on a loopback port and runs three rounds in the same invocation:

- `unprotected`: load shedding switched off (no concurrency cap, no rate limit, a 1-hour time limit) --
  the behaviour before crawlerats/web/protect.py;
- `protected`: the default `WebLimits` (all attackers share one address, so the per-client rate limit
  answers most of them with 429);
- `cap only`: the default limits without the per-client rate limit, as if each attacker had its own
  address (the concurrency cap and the time limit do the work).

In each round N attacker threads send `/jobs?q=<random>&deep=1&status=any` (reads every posting) in a loop
for D seconds while one visitor requests `/jobs` every 0.5 s. Printed per round: attacker responses by
status, the visitor's answered share and latency (p50/max), and the recovery time after the attack (until
a visitor's `/jobs` is answered again). Loopback only; every request has a 60 s client timeout.

    python bench/web_attack.py [--postings 20000] [--clients 50] [--seconds 30]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pymongo import MongoClient  # noqa: E402

from crawlerats.web import create_app  # noqa: E402
from crawlerats.web.protect import WebLimits  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402
from tests.web.conftest import LiveServer  # noqa: E402

UNPROTECTED = WebLimits(expensive_concurrency=10**6, expensive_rate="1000000/minute", query_seconds=3600,
                        export_seconds=3600)


def _bench_web() -> Any:
    spec = importlib.util.spec_from_file_location("bench_web", REPO / "bench" / "web.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def fetch(url: str, timeout: float = 60) -> tuple[int | str, float]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status: int | str = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:  # timeouts, resets
        status = type(exc).__name__
    return status, time.perf_counter() - start


def attack_round(url: str, clients: int, seconds: float) -> dict[str, Any]:
    stop = threading.Event()
    attacker: Counter = Counter()
    visitor: list[tuple[int | str, float]] = []
    lock = threading.Lock()

    def attack(n: int) -> None:
        rng = random.Random(n)
        while not stop.is_set():
            status, _ = fetch(f"{url}/jobs?q=zq{rng.randrange(10**9)}&deep=1&status=any")
            with lock:
                attacker[status] += 1

    def visit() -> None:
        while not stop.is_set():
            visitor.append(fetch(f"{url}/jobs", timeout=30))
            time.sleep(0.5)

    threads = [threading.Thread(target=attack, args=(n,), daemon=True) for n in range(clients)]
    threads.append(threading.Thread(target=visit, daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    ended = time.perf_counter()
    # Recovery: the first visitor request sent after the attack stopped that is answered with 200.
    recovered = None
    while time.perf_counter() - ended < 180:
        status, _ = fetch(f"{url}/jobs", timeout=30)
        if status == 200:
            recovered = time.perf_counter() - ended
            break
    for thread in threads:
        thread.join(timeout=70)
    ok = [s for st, s in visitor if st == 200]
    return {"attacker": dict(attacker), "visitor_sent": len(visitor), "visitor_ok": len(ok),
            "visitor_p50": statistics.median(ok) if ok else None, "visitor_max": max(ok) if ok else None,
            "recovery": recovered}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    bench_web = _bench_web()
    print(f"{args.postings:,} postings; {args.clients} attackers for {args.seconds:.0f} s per round; a fresh "
          "database server per round (an unprotected round leaves the server busy long after it ends)", flush=True)
    # The unprotected round ends with its database killed under the still-running scans: keep their
    # tracebacks (uvicorn's error log, the stats cache's refresh threads) out of the figures.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    logging.getLogger("crawlerats.web.protect").setLevel(logging.ERROR)
    threading.excepthook = lambda args: None
    rounds = (("unprotected", UNPROTECTED), ("protected", WebLimits()),
              # the concurrency cap and time limit alone, as if every attacker had its own address:
              ("cap only", WebLimits(expensive_rate="1000000/minute")))
    for name, limits in rounds:
        storage = Path(tempfile.mkdtemp(prefix="bench-web-attack-"))
        (storage / "db").mkdir()
        server = SecantusServer(storage=storage / "db").start()
        try:
            client: MongoClient = MongoClient(server.uri, tz_aware=True)
            db = client["bench_web_attack"]
            rng = random.Random(7)
            for start in range(0, args.postings, 2000):
                db.jobs.insert_many([bench_web.posting(n, rng)
                                     for n in range(start, min(start + 2000, args.postings))])
            db.crawls.insert_one({"_id": "bench", "spider": "lever", "started_at": bench_web.NOW,
                                  "finished_at": bench_web.NOW, "finish_reason": "finished"})
            app = create_app(db, cache_seconds=60, limits=limits)
            with LiveServer(app) as live:
                fetch(f"{live.url}/jobs")  # warm the caches (anchor, facets)
                result = attack_round(live.url, args.clients, args.seconds)
            p50, worst = result["visitor_p50"], result["visitor_max"]
            recovery = "never" if result["recovery"] is None else f"{result['recovery']:.1f} s"
            print(f"{name:12} attackers {result['attacker']}; visitor answered {result['visitor_ok']}/"
                  f"{result['visitor_sent']} (p50 {p50 if p50 is None else round(p50, 2)} s, max "
                  f"{worst if worst is None else round(worst, 2)} s); recovered {recovery} after the attack; "
                  f"load {app.state.load}", flush=True)
            client.close()
        finally:
            if name == "unprotected":
                server.kill()  # still scanning for the attackers: SIGTERM would wait for it
            else:
                server.stop()
            shutil.rmtree(storage, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
