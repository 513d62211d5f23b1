"""Benchmark: items/s of the full `scrapy crawl lever` into MongoDB vs a bare spider on the same URLs.

Builds many Lever boards from the real shared payloads (ids and titles varied), serves them from a fast
local server (nginx when installed, else aiohttp) and starts a real secantusd-py server as the embedded default
runs it: its flags (`crawlerats.db.embedded.SERVER_OPTIONS`: standalone, no oplog) and its write-path tuning
(crawlerats/db/secantus_tuning.py; `CRAWLERATS_SECANTUS_TUNING=0` measures the server as released). Each round uses a
fresh database and runs, alternating so that both see the same machine load:

    bare, full (first crawl: every posting is new, all inserts),
    bare, full (re-crawl of the same boards: the hourly steady state, every posting unchanged; with
                `--changed 0.1` the descriptions, titles or salaries of a random tenth are edited first).

The bare spider (bench/bare_spider.py) fetches the same URLs with the same download settings and only
`json.loads` them: no normalisation, no pipeline, no database. Rates are items over the wall-clock time of
the whole `scrapy` process (start-up, crawl and close, so the full crawl's end-of-crawl passes count);
the rate over Scrapy's own open-to-close `elapsed_time_seconds` is printed too. Each full run is paired
with the bare run just before it; the ratio reported is the median of the pair ratios (with their range),
plus best full over best bare. CPU seconds per item of the crawl process and of the database server show
which side limits the full crawl. The database figures that carry over to a real MongoDB deployment are
counted by the crawl itself: round-trips (`crawlerats/db/round_trips`, every command sent) and documents
written (`crawlerats/db/documents_written`), per board and per posting, and the outcomes (new, changed,
unchanged, reopened) and the postings the spider did not map (`crawlerats/spider/unmapped`: raw payload
unchanged, docs/dedup.md). The closing table compares each figure with the issue-13 target. `--startup` times
a crawl of one 50-posting board alone (full vs bare), which is mostly start-up.

    python bench/crawl.py [--boards 200] [--per-board 50] [--rounds 3] [--distinct] [--changed 0.1]
                          [--startup] [-s NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlerats.db.embedded import SERVER_OPTIONS  # noqa: E402
from tests.lever_boards import SPOTIFY, VOLTUS, load, varied  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402

#: Issue-13 targets (ratios and per-posting costs measured in one run).
TARGETS = {"first crawl": 0.3, "re-crawl": 0.6, "re-crawl, changed": 0.4}
CRAWL_CPU_PER_UNCHANGED = 2.0  # x the bare spider's crawl-process CPU per item
DB_CPU_PER_UNCHANGED_MS = 0.5
ROUND_TRIPS_PER_UNCHANGED_BOARD = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_TEXT_RUN = re.compile(r">([^<]{20,})<")


def scramble(posting: dict, seed: str) -> dict:
    """The posting with the words of each description text run shuffled (same words, same HTML), so no
    two postings share a description: real boards rarely hold ten copies of one text, as cycling five
    fixture postings over a 50-posting board does, and near-identical texts are what dedup works hardest on."""
    rnd = random.Random(seed)

    def shuffle(match: re.Match[str]) -> str:
        words = match.group(1).split()
        rnd.shuffle(words)
        return ">" + " ".join(words) + "<"

    out = dict(posting)
    for key in ("description", "additional"):
        if isinstance(out.get(key), str):
            out[key] = _TEXT_RUN.sub(shuffle, out[key])
    out["lists"] = [{**block, "content": _TEXT_RUN.sub(shuffle, block.get("content") or "")}
                    for block in out.get("lists") or []]
    if isinstance(out.get("descriptionPlain"), str):
        words = out["descriptionPlain"].split()
        rnd.shuffle(words)
        out["descriptionPlain"] = " ".join(words)
    return out


def write_boards(root: Path, boards: int, per_board: int, distinct: bool = False, replace: bool = False) -> list[str]:
    base = load(SPOTIFY) + load(VOLTUS)
    folder = root / "api.lever.co" / "v0" / "postings"
    folder.mkdir(parents=True, exist_ok=replace)
    sites = []
    for b in range(boards):
        site = f"bench{b:05d}"
        postings = varied(base, per_board, site)
        if distinct:
            postings = [scramble(p, p["id"]) for p in postings]
        (folder / site).write_text(json.dumps(postings))
        sites.append(site)
    return sites


def edit_boards(root: Path, sites: list[str], fraction: float, seed: int) -> int:
    """Edit the description, title or salary (a third each) of a random `fraction` of every board's postings;
    returns how many were edited."""
    rnd = random.Random(seed)
    folder = root / "api.lever.co" / "v0" / "postings"
    edited = 0
    for site in sites:
        postings = json.loads((folder / site).read_text())
        for posting in rnd.sample(postings, round(len(postings) * fraction)):
            kind = rnd.randrange(3)
            if kind == 0:
                posting["description"] = (posting.get("description") or "") + f"<p>Update {seed}: new team lead.</p>"
                posting["descriptionPlain"] = (posting.get("descriptionPlain") or "") + f" Update {seed}: new team lead."
            elif kind == 1:
                posting["text"] = f"{posting['text']} (Senior)"
            else:
                low = 50000 + rnd.randrange(50) * 1000
                posting["salaryRange"] = {"min": low, "max": low + 20000, "currency": "USD",
                                          "interval": "per-year-salary"}
            edited += 1
        (folder / site).write_text(json.dumps(postings))
    return edited


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


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a running process has used so far (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    items: int
    wall: float
    elapsed: float
    cpu: float
    db_cpu: float | None
    stats: dict

    @property
    def rate(self) -> float:
        return self.items / self.wall

    @property
    def crawl_rate(self) -> float:
        return self.items / self.elapsed


def run(cmd: list[str], env: dict[str, str], cwd: Path, stats_file: Path, db_pid: int | None = None) -> Run:
    stats_file.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    db_before = process_cpu(db_pid) if db_pid else None
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    db_after = process_cpu(db_pid) if db_pid else None
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-3000:]}")
    stats = json.loads(stats_file.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    db_cpu = db_after - db_before if db_before is not None and db_after is not None else None
    return Run(int(stats.get("item_scraped_count", 0)), wall, float(stats["elapsed_time_seconds"]), cpu, db_cpu, stats)


def describe(label: str, r: Run) -> str:
    per_item = f"crawl CPU {r.cpu / r.items * 1000:5.2f} ms/item"
    if r.db_cpu is not None:
        per_item += f", DB CPU {r.db_cpu / r.items * 1000:5.2f} ms/item"
    line = (f"  {label:<9} {r.rate:7.1f} items/s wall ({r.wall:5.1f} s)   {r.crawl_rate:7.1f} items/s "
            f"open-to-close   {per_item}")
    if "crawlerats/db/round_trips" in r.stats:
        outcomes = ", ".join(f"{k.rsplit('/', 1)[-1]} {v}" for k, v in sorted(r.stats.items())
                             if k.startswith("crawlerats/outcome/"))
        line += (f"\n            round-trips {r.stats['crawlerats/db/round_trips']}, documents written "
                 f"{r.stats.get('crawlerats/db/documents_written', 0)} (jobs "
                 f"{r.stats.get('crawlerats/db/documents_written/jobs', 0)}), health computed "
                 f"{r.stats.get('crawlerats/health/computed', 0)}, features computed "
                 f"{r.stats.get('crawlerats/dedup/features_computed', 0)}, not mapped by the spider "
                 f"{r.stats.get('crawlerats/spider/unmapped', 0)}; {outcomes}")
    return line


def summary(name: str, bares: list[Run], fulls: list[Run], boards: int) -> list[tuple[str, str, str, bool]]:
    ratios = [f.rate / b.rate for b, f in zip(bares, fulls, strict=True)]
    crawl_ratios = [f.crawl_rate / b.crawl_rate for b, f in zip(bares, fulls, strict=True)]
    bare_rates, full_rates = [b.rate for b in bares], [f.rate for f in fulls]
    print(f"{name}:")
    print(f"  bare spider: median {statistics.median(bare_rates):7.1f} items/s "
          f"(range {min(bare_rates):.1f}-{max(bare_rates):.1f})")
    print(f"  full crawl:  median {statistics.median(full_rates):7.1f} items/s "
          f"(range {min(full_rates):.1f}-{max(full_rates):.1f})")
    print(f"  ratio full/bare: median of pairs {statistics.median(ratios):.3f} (range {min(ratios):.3f}-"
          f"{max(ratios):.3f}); best/best {max(full_rates) / max(bare_rates):.3f}; "
          f"open-to-close median {statistics.median(crawl_ratios):.3f}   (target >= {TARGETS[name]:.2f})")
    fulls_db = [f.db_cpu / f.items * 1000 for f in fulls if f.db_cpu is not None]
    crawl_cpu = statistics.median([f.cpu / f.items * 1000 for f in fulls])
    bare_cpu = statistics.median([b.cpu / b.items * 1000 for b in bares])
    print(f"  full crawl CPU per item: crawl process {crawl_cpu:.2f} ms (bare {bare_cpu:.2f} ms, "
          f"{crawl_cpu / bare_cpu:.1f}x)" + (f", database server {statistics.median(fulls_db):.2f} ms" if fulls_db else ""))
    trips = statistics.median([f.stats.get("crawlerats/db/round_trips", 0) for f in fulls])
    written = statistics.median([f.stats.get("crawlerats/db/documents_written", 0) for f in fulls])
    items = fulls[0].items
    print(f"  database: {trips:.0f} round-trips ({trips / boards:.2f} per board, {trips / items:.3f} per posting), "
          f"{written:.0f} documents written ({written / items:.2f} per posting)")
    ratio = statistics.median(ratios)
    checks = [(name, "full / bare", f"{ratio:.3f} (>= {TARGETS[name]})", ratio >= TARGETS[name])]
    if name == "re-crawl":
        db_ms = statistics.median(fulls_db) if fulls_db else float("nan")
        checks += [
            (name, "crawl CPU per posting / bare's", f"{crawl_cpu / bare_cpu:.2f} (<= {CRAWL_CPU_PER_UNCHANGED})",
             crawl_cpu / bare_cpu <= CRAWL_CPU_PER_UNCHANGED),
            (name, "database CPU per posting", f"{db_ms:.2f} ms (<= {DB_CPU_PER_UNCHANGED_MS})",
             db_ms <= DB_CPU_PER_UNCHANGED_MS),
            (name, "round-trips per board", f"{trips / boards:.2f} (<= {ROUND_TRIPS_PER_UNCHANGED_BOARD})",
             trips / boards <= ROUND_TRIPS_PER_UNCHANGED_BOARD),
        ]
    return checks


def startup(root: Path, site: str, mongo_uri: str, env: dict[str, str], work: Path) -> None:
    """One board alone, three times each (fresh database each full run): the wall time is mostly start-up."""
    one = work / "one.txt"
    one.write_text(site)
    stats_file = work / "stats-one.json"
    bare_cmd = [sys.executable, "-m", "scrapy", "runspider", str(REPO / "bench" / "bare_spider.py")]
    walls: dict[str, list[float]] = {"bare": [], "full": []}
    for n in range(3):
        bare = run(bare_cmd, {**env, "BENCH_BOARDS": site, "BENCH_STATS_FILE": str(stats_file)}, work, stats_file)
        full_cmd = [sys.executable, "-m", "scrapy", "crawl", "lever", "-a", f"companies_file={one}",
                    "-s", f"MONGO_URI={mongo_uri}", "-s", f"MONGO_DATABASE=startup{n}",
                    "-s", f"CRAWLERATS_MIRROR={env['BENCH_MIRROR']}", "-s", f"CRAWLERATS_STATS_FILE={stats_file}"]
        full = run(full_cmd, env, REPO, stats_file)
        walls["bare"].append(bare.wall)
        walls["full"].append(full.wall)
    print(f"one {bare.items}-posting board alone, wall (median of 3): bare {statistics.median(walls['bare']):.2f} s, "
          f"full {statistics.median(walls['full']):.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--per-board", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--distinct", action="store_true",
                        help="shuffle each posting's description words, so no two postings share a text")
    parser.add_argument("--changed", type=float, default=0.0,
                        help="edit this fraction of postings (description, title or salary) before the re-crawl")
    parser.add_argument("--startup", action="store_true",
                        help="also time one 50-posting board crawled alone (full vs bare), three times")
    parser.add_argument("--setting", "-s", action="append", default=[],
                        help="extra Scrapy setting for the full crawl, e.g. -s CRAWLERATS_BATCH_SIZE=1000")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    work.chmod(0o755)  # nginx workers run unprivileged
    root = work / "site"
    sites = write_boards(root, opts.boards, opts.per_board, opts.distinct)
    expected = len(sites) * opts.per_board
    server, mirror, kind = start_server(root)
    mongo = SecantusServer(work / "db", options=SERVER_OPTIONS).start()  # as the embedded default runs
    stats_file = work / "stats.json"
    env = {**os.environ, "BENCH_MIRROR": mirror, "BENCH_BOARDS": ",".join(sites),
           "BENCH_STATS_FILE": str(stats_file)}
    env.pop("MONGO_URI", None)
    boards_file = work / "boards.txt"
    boards_file.write_text("\n".join(sites))
    bare_cmd = [sys.executable, "-m", "scrapy", "runspider", str(REPO / "bench" / "bare_spider.py")]
    recrawl = "re-crawl, changed" if opts.changed else "re-crawl"
    results: dict[str, tuple[list[Run], list[Run]]] = {"first crawl": ([], []), recrawl: ([], [])}
    print(f"server: {kind}; {opts.boards} boards x {opts.per_board} postings = {expected} items; "
          f"{opts.rounds} round(s) of bare/first crawl/bare/re-crawl"
          f"{'; descriptions scrambled per posting' if opts.distinct else ''}"
          f"{f'; {opts.changed:.0%} of postings edited before each re-crawl' if opts.changed else ''}", flush=True)
    try:
        for round_no in range(1, opts.rounds + 1):
            full_cmd = [sys.executable, "-m", "scrapy", "crawl", "lever", "-a", f"companies_file={boards_file}",
                        "-s", f"MONGO_URI={mongo.uri}", "-s", f"MONGO_DATABASE=bench{round_no}",
                        "-s", f"CRAWLERATS_MIRROR={mirror}", "-s", f"CRAWLERATS_STATS_FILE={stats_file}",
                        "-s", "LOG_LEVEL=INFO", *[a for kv in opts.setting for a in ("-s", kv)]]
            print(f"round {round_no}:", flush=True)
            if opts.changed:
                write_boards(root, opts.boards, opts.per_board, opts.distinct, replace=True)
            for phase in ("first crawl", recrawl):
                if phase != "first crawl" and opts.changed:
                    print(f"  edited {edit_boards(root, sites, opts.changed, round_no)} postings", flush=True)
                bare = run(bare_cmd, env, work, stats_file)
                full = run(full_cmd, env, REPO, stats_file, mongo.proc.pid if mongo.proc else None)
                stored = full.stats.get("crawlerats/items/stored", 0)
                if stored != expected or full.items != expected or bare.items != expected:
                    raise SystemExit(f"{phase}: bare scraped {bare.items}, full scraped {full.items} and stored "
                                     f"{stored}, expected {expected}")
                inserted = full.stats.get("crawlerats/db/inserted", 0)
                if inserted != (expected if phase == "first crawl" else 0) and not opts.changed:
                    raise SystemExit(f"{phase}: {inserted} documents inserted, expected "
                                     f"{expected if phase == 'first crawl' else 0}")
                results[phase][0].append(bare)
                results[phase][1].append(full)
                print(describe("bare", bare), flush=True)
                print(describe(phase.split()[0] if phase == "first crawl" else "re-crawl", full), flush=True)
        if opts.startup:
            startup(root, sites[0], mongo.uri, env, work)
    finally:
        server.terminate()
        mongo.stop()
        shutil.rmtree(work, ignore_errors=True)
    print()
    checks = []
    for name, (bares, fulls) in results.items():
        checks += summary(name, bares, fulls, opts.boards)
    print("\ntargets (issue 13):")
    for name, what, value, met in checks:
        print(f"  {name:<18} {what:<32} {value:<24} {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
