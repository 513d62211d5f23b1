"""Benchmark: items/s of the full `scrapy crawl lever` into MongoDB vs a bare spider on the same URLs.

Builds many Lever boards from the real shared payloads (ids and titles varied), serves them from a fast
local server (nginx when installed, else aiohttp), starts a real secantusd-py server, then alternates
runs of the bare spider (bench/bare_spider.py: fetch + json.loads, no pipeline) and of the full crawl
(normalisation, validation, dedup, scoring, batched upserts). Prints both rates and their ratio.

    python bench/crawl.py [--boards 200] [--per-board 50] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lever_boards import SPOTIFY, VOLTUS, load, varied  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_boards(root: Path, boards: int, per_board: int) -> list[str]:
    base = load(SPOTIFY) + load(VOLTUS)
    folder = root / "api.lever.co" / "v0" / "postings"
    folder.mkdir(parents=True)
    sites = []
    for b in range(boards):
        site = f"bench{b:05d}"
        (folder / site).write_text(json.dumps(varied(base, per_board, site)))
        sites.append(site)
    return sites


def start_server(root: Path) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx:
        conf = root.parent / "nginx.conf"
        conf.write_text(f"""worker_processes 1; daemon off; pid {root.parent}/nginx.pid; error_log stderr;
events {{ worker_connections 1024; }}
http {{ access_log off; default_type application/json;
  client_body_temp_path {root.parent}/tmp; proxy_temp_path {root.parent}/tmp; fastcgi_temp_path {root.parent}/tmp;
  uwsgi_temp_path {root.parent}/tmp; scgi_temp_path {root.parent}/tmp;
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ try_files $uri =404; }} }} }}""")
        (root.parent / "tmp").mkdir(exist_ok=True)
        proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(root.parent)], stderr=subprocess.DEVNULL)
        kind = "nginx"
    else:
        code = (f"from aiohttp import web; app = web.Application(); app.router.add_static('/', {str(root)!r}); "
                f"web.run_app(app, host='127.0.0.1', port={port}, print=None, access_log=None)")
        proc = subprocess.Popen([sys.executable, "-c", code])
        kind = "aiohttp"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}", kind


def run(cmd: list[str], env: dict[str, str], cwd: Path, stats_file: Path) -> dict:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-3000:]}")
    return json.loads(stats_file.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--per-board", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--setting", "-s", action="append", default=[],
                        help="extra Scrapy setting for the full crawl, e.g. -s 'ITEM_PIPELINES={...}'")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    work.chmod(0o755)  # nginx workers run unprivileged
    root = work / "site"
    sites = write_boards(root, opts.boards, opts.per_board)
    server, mirror, kind = start_server(root)
    mongo = SecantusServer(work / "db").start()
    stats_file = work / "stats.json"
    env = {**os.environ, "BENCH_MIRROR": mirror, "BENCH_BOARDS": ",".join(sites),
           "BENCH_STATS_FILE": str(stats_file)}
    env.pop("MONGO_URI", None)
    boards_file = work / "boards.txt"
    boards_file.write_text("\n".join(sites))
    bare_rates, full_rates = [], []
    try:
        for round_no in range(1, opts.rounds + 1):
            bare = run([sys.executable, "-m", "scrapy", "runspider", str(REPO / "bench" / "bare_spider.py")],
                       env, work, stats_file)
            bare_rates.append(bare["item_scraped_count"] / bare["elapsed_time_seconds"])
            full = run([sys.executable, "-m", "scrapy", "crawl", "lever", "-a", f"companies_file={boards_file}",
                        "-s", f"MONGO_URI={mongo.uri}", "-s", f"MONGO_DATABASE=bench{round_no}",
                        "-s", f"CRAWLERATS_MIRROR={mirror}", "-s", f"CRAWLERATS_STATS_FILE={stats_file}",
                        "-s", "LOG_LEVEL=INFO", *[a for kv in opts.setting for a in ("-s", kv)]],
                       env, REPO, stats_file)
            stored = full.get("crawlerats/items/stored", 0)
            if stored != len(sites) * opts.per_board:
                raise SystemExit(f"full crawl stored {stored} of {len(sites) * opts.per_board} items")
            full_rates.append(stored / full["elapsed_time_seconds"])
            print(f"round {round_no}: bare {bare_rates[-1]:7.1f} items/s   full {full_rates[-1]:7.1f} items/s",
                  flush=True)
    finally:
        server.terminate()
        mongo.stop()
        shutil.rmtree(work, ignore_errors=True)
    bare_best, full_best = max(bare_rates), max(full_rates)
    print(f"\nserver: {kind}; {opts.boards} boards x {opts.per_board} postings = {opts.boards * opts.per_board} items")
    print(f"bare spider (fetch + json.loads, no pipeline): {bare_best:.1f} items/s (best of {opts.rounds})")
    print(f"full crawl (normalise, validate, dedup, score, upsert into MongoDB): {full_best:.1f} items/s")
    print(f"ratio full/bare: {full_best / bare_best:.2f}  (target >= 0.80)")


if __name__ == "__main__":
    main()
