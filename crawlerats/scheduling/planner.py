"""One scheduling round: survey the nodes, then place every (spider, shard) job on the least-loaded node.

Job ids are deterministic: `{spider}-s{I}of{N}-{slot}` where slot is the start of the current time slot
(UTC, `YYYYmmddTHHMMSS`, slots of `slot_seconds`). A second round in the same slot finds its own ids on
the nodes and schedules nothing twice; a shard whose earlier job is still pending or running is skipped,
so a slow shard never runs twice at once. Load is Scrapyd's `running + pending` from daemonstatus.json,
plus what this round already placed. Nodes that do not answer, or lack the project, are left out and
reported. Every answer's JSON status is checked (see `crawlerats.scheduling.scrapyd`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlerats.scheduling.scrapyd import NodeUnavailable, ScrapydError, ScrapydNode

_JOB_ID = re.compile(r"^(?P<spider>[\w.-]+?)-s(?P<index>\d+)of(?P<total>\d+)-(?P<slot>\d{8}T\d{6})$")


def slot_start(now: datetime, slot_seconds: int) -> datetime:
    """Start of the time slot holding `now` (slots aligned on the Unix epoch, UTC)."""
    epoch = int(now.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(epoch - epoch % slot_seconds, UTC)


def job_id(spider: str, index: int, total: int, slot: datetime) -> str:
    """Deterministic Scrapyd job id of one shard of one spider in one time slot."""
    width = len(str(total))
    return f"{spider}-s{index:0{width}d}of{total:0{width}d}-{slot.astimezone(UTC):%Y%m%dT%H%M%S}"


def parse_job_id(value: str) -> tuple[str, int, int, str] | None:
    """(spider, index, total, slot) of an id made by `job_id`, else None (jobs scheduled by hand)."""
    match = _JOB_ID.match(value or "")
    if not match:
        return None
    return match["spider"], int(match["index"]), int(match["total"]), match["slot"]


@dataclass
class NodeState:
    node: ScrapydNode
    name: str = ""
    up: bool = False
    problem: str | None = None
    running: int = 0
    pending: int = 0
    placed: int = 0
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> pending|running|finished

    @property
    def load(self) -> int:
        return self.running + self.pending + self.placed

    @property
    def label(self) -> str:
        return self.name or self.node.address


@dataclass
class Placement:
    spider: str
    shard: str
    jobid: str
    node: str | None
    result: str  # scheduled | skipped | error | planned
    detail: str = ""


@dataclass
class RoundReport:
    slot: datetime
    nodes: list[NodeState]
    placements: list[Placement]

    @property
    def ok(self) -> bool:
        return any(n.up for n in self.nodes) and not any(p.result == "error" for p in self.placements)


def survey(nodes: Sequence[ScrapydNode], project: str) -> list[NodeState]:
    """daemonstatus + listjobs of every node; a node that fails either is marked down with the reason."""
    states = []
    for node in nodes:
        state = NodeState(node)
        try:
            status = node.daemonstatus()
            state.name = str(status.get("node_name") or "")
            state.running, state.pending = int(status.get("running", 0)), int(status.get("pending", 0))
            jobs = node.listjobs(project)
        except NodeUnavailable as exc:
            state.problem = f"down: {exc}"
        except ScrapydError as exc:
            state.problem = f"unusable: {exc}"
        else:
            state.up = True
            for kind in ("finished", "running", "pending"):
                for job in jobs[kind]:
                    state.jobs[str(job.get("id"))] = kind
        states.append(state)
    names = [s.name for s in states if s.name]
    for state in states:  # two nodes on one host share a node_name: tell them apart
        if state.name and names.count(state.name) > 1:
            state.name = f"{state.name}/{state.node.address}"
    return states


def _conflict(states: list[NodeState], jobid: str, spider: str, index: int, total: int) -> str | None:
    for state in states:
        if jobid in state.jobs:
            return f"{jobid} already {state.jobs[jobid]} on {state.label} (same slot)"
    for state in states:
        for other, kind in state.jobs.items():
            parsed = parse_job_id(other)
            if kind in ("pending", "running") and parsed and parsed[:3] == (spider, index, total):
                return f"previous run {other} still {kind} on {state.label}"
    return None


def schedule_round(
    nodes: Sequence[ScrapydNode],
    spiders: Sequence[str],
    shards: int,
    *,
    project: str = "crawlerats",
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    now: datetime | None = None,
    slot_seconds: int = 3600,
    dry_run: bool = False,
    version: str | None = None,
) -> RoundReport:
    """Place every shard of every spider; see the module docstring for the rules."""
    if shards < 1:
        raise ValueError("--shards must be at least 1")
    slot = slot_start(now or datetime.now(UTC), slot_seconds)
    states = survey(nodes, project)
    placements: list[Placement] = []
    for spider in spiders:
        for index in range(1, shards + 1):
            jobid = job_id(spider, index, shards, slot)
            shard = f"{index}/{shards}"
            conflict = _conflict(states, jobid, spider, index, shards)
            if conflict:
                placements.append(Placement(spider, shard, jobid, None, "skipped", conflict))
                continue
            placements.append(_place(states, project, spider, index, shards, jobid, args or {}, settings or {},
                                     dry_run, version))
    return RoundReport(slot, states, placements)


def _place(states: list[NodeState], project: str, spider: str, index: int, total: int, jobid: str,
           args: dict[str, str], settings: dict[str, str], dry_run: bool, version: str | None) -> Placement:
    shard = f"{index}/{total}"
    job_args = {**args, **({"shard": shard} if total > 1 else {})}
    while True:
        candidates = sorted((s for s in states if s.up), key=lambda s: s.load)  # stable: node order breaks ties
        if not candidates:
            return Placement(spider, shard, jobid, None, "error", "no Scrapyd node available")
        target = candidates[0]
        if dry_run:
            target.placed += 1
            return Placement(spider, shard, jobid, target.label, "planned", f"load {target.load - 1}")
        try:
            accepted = target.node.schedule(project, spider, jobid, job_args,
                                            {"CRAWLERATS_NODE": target.label, **settings}, version)
        except NodeUnavailable as exc:
            target.up, target.problem = False, f"down while scheduling: {exc}"
            continue  # the next least-loaded node takes the job
        except ScrapydError as exc:
            return Placement(spider, shard, jobid, target.label, "error", str(exc))
        target.placed += 1
        target.jobs[accepted] = "pending"
        return Placement(spider, shard, accepted, target.label, "scheduled", f"load was {target.load - 1}")


def format_report(report: RoundReport) -> str:
    """The table printed by `crawlerats schedule`: nodes first, then what went where."""
    lines = [f"Slot {report.slot:%Y-%m-%d %H:%M:%S} UTC"]
    node_rows = [(s.label, s.node.address, "up" if s.up else "DOWN", str(s.running), str(s.pending), str(s.placed),
                  s.problem or "") for s in report.nodes]
    lines += _table(("NODE", "ADDRESS", "STATE", "RUNNING", "PENDING", "PLACED", "NOTE"), node_rows)
    lines.append("")
    rows = [(p.spider, p.shard, p.jobid, p.node or "-", p.result, p.detail) for p in report.placements]
    lines += _table(("SPIDER", "SHARD", "JOB", "NODE", "RESULT", "DETAIL"), rows)
    counts: dict[str, int] = {}
    for p in report.placements:
        counts[p.result] = counts.get(p.result, 0) + 1
    lines.append(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to schedule")
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), *(fmt.format(*map(str, r)).rstrip() for r in rows)]


def next_slot(now: datetime, slot_seconds: int) -> datetime:
    return slot_start(now, slot_seconds) + timedelta(seconds=slot_seconds)


def node_list(value: str) -> list[ScrapydNode]:
    """`--nodes http://a:6800,http://b:6800` to clients (duplicates dropped, order kept)."""
    urls = [u.strip() for u in re.split(r"[,\s]+", value or "") if u.strip()]
    if not urls:
        raise ValueError("--nodes: give at least one Scrapyd URL, e.g. http://127.0.0.1:6800")
    seen: dict[str, ScrapydNode] = {}
    for url in urls:
        node = ScrapydNode(url)
        seen.setdefault(node.base, node)
    return list(seen.values())


def key_values(pairs: Sequence[str] | None, what: str) -> dict[str, Any]:
    """["K=V", ...] to a dict; ValueError naming the option otherwise."""
    result: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} expects KEY=VALUE, got {pair!r}")
        result[key.strip()] = value
    return result
