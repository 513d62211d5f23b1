"""`crawlerats schedule` against fake Scrapyd nodes: least-loaded placement, down nodes, error answers, re-runs."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlerats.cli import main
from crawlerats.scheduling.planner import job_id, node_list, parse_job_id, schedule_round, slot_start
from crawlerats.scheduling.scrapyd import NodeUnavailable, ScrapydError, ScrapydNode
from tests.fake_scrapyd import FakeScrapyd
from tests.support.mongo import free_port

NOW = datetime(2026, 9, 1, 8, 20, tzinfo=UTC)


@pytest.fixture
def two_nodes() -> Iterator[tuple[FakeScrapyd, FakeScrapyd]]:
    with FakeScrapyd(node_name="alpha") as a, FakeScrapyd(node_name="beta") as b:
        yield a, b


def _nodes(*fakes: FakeScrapyd) -> list[ScrapydNode]:
    return [ScrapydNode(f.url) for f in fakes]


def _placed(fake: FakeScrapyd) -> list[str]:
    return [job["jobid"] for job in fake.state.scheduled]


def test_job_ids_are_deterministic_per_spider_shard_and_slot() -> None:
    slot = slot_start(NOW, 3600)
    assert slot == datetime(2026, 9, 1, 8, tzinfo=UTC)
    assert slot_start(NOW + timedelta(minutes=39), 3600) == slot
    assert slot_start(NOW, 900) == datetime(2026, 9, 1, 8, 15, tzinfo=UTC)
    assert job_id("greenhouse", 3, 16, slot) == "greenhouse-s03of16-20260901T080000"
    assert parse_job_id("greenhouse-s03of16-20260901T080000") == ("greenhouse", 3, 16, "20260901T080000")
    assert parse_job_id("smart-recruiters-s1of1-20260901T080000")[:3] == ("smart-recruiters", 1, 1)
    assert parse_job_id("6487ec79947edab326d6db28a2d86511") is None


def test_jobs_go_to_the_least_loaded_nodes(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    a.state.running = [{"id": f"other-{i}", "spider": "x"} for i in range(3)]
    b.state.pending = [{"id": "other-p", "spider": "x"}]
    report = schedule_round(_nodes(a, b), ["greenhouse"], 4, now=NOW, settings={"LOG_LEVEL": "INFO"})
    assert report.ok
    # loads: a 3, b 1 -> b, b (2), then tie 3/3 -> a (first listed), then b (3 < 4)
    assert [p.node for p in report.placements] == ["beta", "beta", "alpha", "beta"]
    assert all(p.result == "scheduled" for p in report.placements)
    job = a.state.scheduled[0]
    assert job["project"] == "crawlerats" and job["spider"] == "greenhouse"
    assert job["jobid"] == "greenhouse-s3of4-20260901T080000" and job["shard"] == "3/4"
    assert sorted(job["form"]["setting"]) == ["CRAWLERATS_NODE=alpha", "LOG_LEVEL=INFO"]


def test_one_shard_sends_no_shard_argument(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    report = schedule_round(_nodes(a, b), ["lever"], 1, now=NOW, args={"companies": "spotify,voltus"})
    [placement] = report.placements
    assert placement.jobid == "lever-s1of1-20260901T080000" and placement.node == "alpha"
    assert "shard" not in a.state.scheduled[0] and a.state.scheduled[0]["companies"] == "spotify,voltus"


def test_a_node_that_does_not_answer_is_reported_and_skipped(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    dead = ScrapydNode(f"http://127.0.0.1:{free_port()}", timeout=2)
    report = schedule_round([dead, *_nodes(a, b)], ["lever"], 2, now=NOW)
    assert report.ok
    down = report.nodes[0]
    assert not down.up and down.problem.startswith("down:") and "no answer" in down.problem
    assert Counter(p.node for p in report.placements) == {"alpha": 1, "beta": 1}


def test_a_node_without_the_project_is_not_used(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    a.state.projects = set()
    report = schedule_round(_nodes(a, b), ["lever"], 2, now=NOW)
    assert report.nodes[0].problem == f"unusable: 127.0.0.1:{a.url.rsplit(':', 1)[1]}: project 'crawlerats' not found"
    assert [p.node for p in report.placements] == ["beta", "beta"]


def test_error_answers_with_http_200_are_errors(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    report = schedule_round(_nodes(a, b), ["nope"], 2, now=NOW)
    assert not report.ok
    assert [p.result for p in report.placements] == ["error", "error"]
    assert report.placements[0].detail.endswith("spider 'nope' not found")
    a.state.schedule_error = "Directory 'eggs' is not writable"
    with pytest.raises(ScrapydError, match="is not writable"):
        ScrapydNode(a.url).schedule("crawlerats", "lever", "x")


def test_a_node_failing_while_scheduling_hands_the_job_to_the_next(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    a.state.schedule_http_status = 500
    report = schedule_round(_nodes(a, b), ["lever"], 2, now=NOW)
    assert report.ok
    assert [p.node for p in report.placements] == ["beta", "beta"]
    assert not report.nodes[0].up and "HTTP 500" in report.nodes[0].problem


def test_a_second_round_in_the_same_slot_schedules_nothing_twice(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    first = schedule_round(_nodes(a, b), ["lever", "greenhouse"], 2, now=NOW)
    assert [p.result for p in first.placements] == ["scheduled"] * 4
    again = schedule_round(_nodes(a, b), ["lever", "greenhouse"], 2, now=NOW + timedelta(minutes=30))
    assert [p.result for p in again.placements] == ["skipped"] * 4
    assert "already pending on" in again.placements[0].detail
    a.finish_all(), b.finish_all()
    third = schedule_round(_nodes(a, b), ["lever", "greenhouse"], 2, now=NOW + timedelta(minutes=31))
    assert [p.result for p in third.placements] == ["skipped"] * 4
    assert "already finished on" in third.placements[0].detail
    assert len(_placed(a)) + len(_placed(b)) == 4


def test_shards_still_running_from_an_earlier_slot_are_skipped(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    earlier = slot_start(NOW - timedelta(hours=1), 3600)
    a.state.running = [{"id": job_id("lever", 1, 2, earlier), "spider": "lever"}]
    b.state.pending = [{"id": job_id("lever", 2, 3, earlier), "spider": "lever"}]  # other shard count: unrelated
    report = schedule_round(_nodes(a, b), ["lever"], 2, now=NOW)
    assert [(p.shard, p.result) for p in report.placements] == [("1/2", "skipped"), ("2/2", "scheduled")]
    assert report.placements[0].detail == "previous run lever-s1of2-20260901T070000 still running on alpha"
    a.finish_all()
    later = schedule_round(_nodes(a, b), ["lever"], 2, now=NOW + timedelta(minutes=5))
    assert [(p.shard, p.result) for p in later.placements] == [("1/2", "scheduled"), ("2/2", "skipped")]


def test_same_node_name_on_two_nodes_is_told_apart(two_nodes: tuple[FakeScrapyd, FakeScrapyd]) -> None:
    a, b = two_nodes
    a.state.node_name = b.state.node_name = "vm"
    report = schedule_round(_nodes(a, b), ["lever"], 2, now=NOW)
    labels = [p.node for p in report.placements]
    assert labels[0] != labels[1] and all(label.startswith("vm/127.0.0.1:") for label in labels)
    assert a.state.scheduled[0]["form"]["setting"] == [f"CRAWLERATS_NODE={labels[0]}"]


def test_non_json_answers_and_credentials() -> None:
    with FakeScrapyd(status_body=b"<html>proxy error</html>") as fake:
        node = ScrapydNode(fake.url.replace("http://", "http://ops:s3cret@"))
        assert node.address == fake.url.removeprefix("http://")
        with pytest.raises(NodeUnavailable, match="did not return JSON"):
            node.daemonstatus()
        assert fake.state.auth_headers[-1] == "Basic " + base64.b64encode(b"ops:s3cret").decode()
    assert [n.base for n in node_list("http://a:6800/, http://a:6800 b:6801")] == ["http://a:6800", "http://b:6801"]


def test_cli_prints_the_table_and_exits_non_zero_on_errors(
    two_nodes: tuple[FakeScrapyd, FakeScrapyd], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_nodes
    urls = f"{a.url},{b.url}"
    assert main(["schedule", "--nodes", urls, "--spider", "lever", "--shards", "3", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "SPIDER" in out and out.count(" planned ") == 3 and not a.state.scheduled
    assert main(["schedule", "--nodes", urls, "--spider", "lever", "--spider", "greenhouse", "--shards", "2",
                 "--setting", "MONGO_URI=mongodb://db:27017/", "--arg", "companies_file=/srv/boards.txt",
                 "--egg-version", "v42"]) == 0
    out = capsys.readouterr().out
    assert out.count(" scheduled ") == 4 and "4 scheduled" in out
    jobs = a.state.scheduled + b.state.scheduled
    assert all(j["companies_file"] == "/srv/boards.txt" and j["_version"] == "v42" for j in jobs)
    assert all("MONGO_URI=mongodb://db:27017/" in j["form"]["setting"] for j in jobs)
    assert main(["schedule", "--nodes", urls, "--spider", "nope"]) == 1
    assert "spider 'nope' not found" in capsys.readouterr().out
    assert main(["schedule", "--nodes", urls, "--spider", "lever", "--arg", "shard=1/2"]) == 1
    assert "set by --shards" in capsys.readouterr().err


@pytest.mark.parametrize(("methods", "status"), [(("GET", "POST"), 307), (("POST",), 302)])
def test_a_redirecting_node_gets_no_credentials_forwarded(
        methods: tuple[str, ...], status: int, capsys: pytest.CaptureFixture[str]) -> None:
    """A node (or something posing as it) that redirects: the credentials and the job never leave for the
    other host; the node is reported as unavailable (issue 17 item 9)."""
    with FakeScrapyd(node_name="elsewhere") as other, \
            FakeScrapyd(redirect_methods=methods, redirect_status=status) as node:
        node.state.redirect_to = other.url
        url = node.url.replace("http://", "http://ops:s3cret@")
        assert main(["schedule", "--nodes", url, "--spider", "lever"]) == 1
        out = capsys.readouterr().out
        assert "redirect" in out and "s3cret" not in out
        assert node.state.auth_headers and all(h and h.startswith("Basic ") for h in node.state.auth_headers)
        assert other.state.auth_headers == [] and other.state.scheduled == []


def test_nodes_from_a_file_keep_credentials_out_of_the_command_line(
        two_nodes: tuple[FakeScrapyd, FakeScrapyd], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = two_nodes
    nodes = tmp_path / "nodes"
    nodes.write_text(f"# Scrapyd nodes (mode 0600)\n{a.url.replace('http://', 'http://ops:s3cret@')}\n{b.url}  # second\n")
    assert main(["schedule", "--nodes", f"@{nodes}", "--spider", "lever", "--shards", "2"]) == 0
    assert len(a.state.scheduled) + len(b.state.scheduled) == 2
    assert a.state.auth_headers[0] == "Basic " + base64.b64encode(b"ops:s3cret").decode()
    assert "s3cret" not in capsys.readouterr().out
    assert main(["schedule", "--nodes", f"@{tmp_path / 'missing'}", "--spider", "lever"]) == 2
