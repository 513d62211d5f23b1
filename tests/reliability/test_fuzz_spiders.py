"""Property: whatever an ATS sends, a spider never raises and never emits an item that breaks the contract.

Each case mutates a real saved payload (/work/shared/fixtures/) with tests/reliability/mutate.py and runs
the spider's callbacks in-process (tests/reliability/harness.py), items through the validate stage, then
checks every surviving item with tests/reliability/contract.py. Every ATS spider that `scrapy list` shows
must have a case: a new spider without one fails `test_every_ats_spider_is_fuzzed`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from tests.reliability.contract import violations
from tests.reliability.harness import NOW, Canned, ats_spider_names, run_board
from tests.reliability.mutate import hostile_json, hostile_xml
from tests.support.paths import fixture

#: Mutated payloads tried per ATS (split among its fixtures); raise it for a longer soak.
EXAMPLES_PER_ATS = int(os.environ.get("CRAWLERATS_FUZZ_EXAMPLES", "100"))


@dataclass(frozen=True)
class Case:
    spider: str
    company: str
    #: (regex searched in the request URL, fixture path); the first match answers the request.
    routes: tuple[tuple[str, str], ...]

    @property
    def id(self) -> str:
        return f"{self.spider}:{Path(self.routes[0][1]).stem}"


CASES: tuple[Case, ...] = (
    Case("lever", "spotify", ((r".", "lever/spotify_prettyirrelevant.json"),)),
    Case("lever", "voltus", ((r".", "lever/voltus_haydenham.json"),)),
    Case("greenhouse", "vercel", ((r".", "greenhouse/vercel_prettyirrelevant.json"),)),
    Case("greenhouse", "datadog", ((r".", "greenhouse/datadog_content_eu-job-feeds.json"),)),
    Case("ashby", "HighlightTA", ((r".", "ashby/highlightta.json"),)),
    Case("ashby", "ramp", ((r".", "ashby/ramp_eu-job-feeds.json"),)),
    Case("smartrecruiters", "Vitol", ((r"/postings/[^/?]+$", "smartrecruiters/vitol_detail.json"),
                                      (r"/postings", "smartrecruiters/vitol_list.json"))),
    Case("smartrecruiters", "KnightGayles", ((r"/postings/[^/?]+$", "smartrecruiters/vitol_detail.json"),
                                             (r"/postings", "smartrecruiters/knight-gayles.json"))),
    Case("workable", "amazingcare", ((r".", "workable/amazingcare_widget_eu-job-feeds.json"),)),
    Case("workable", "vortexa", ((r".", "workable/vortexa_haydenham.json"),)),
    Case("recruitee", "acme", ((r".", "recruitee/sanitized-acme_careerkit.json"),)),
    Case("personio", "laolaweb-test-account", ((r".", "personio/laolaweb-test-account_threadi.xml"),)),
    Case("personio", "acme", ((r".", "personio/sanitized-acme_careerkit.xml"),)),
    Case("teamtailor", "career", ((r".", "teamtailor/teamtailor-career.json"),)),
    Case("bamboohr", "haydenham", ((r"/detail", "bamboohr/haydenham-detail_SANITIZED.json"),
                                   (r"/list", "bamboohr/haydenham-list.json"))),
    Case("bamboohr", "careerkit", ((r"/detail", "bamboohr/haydenham-detail_SANITIZED.json"),
                                   (r"/list", "bamboohr/careerkit-list.json"))),
    Case("breezy", "breezy-trial", ((r".", "breezy/breezy-trial_prettyirrelevant.json"),)),
    Case("workday", "nvidia.wd5/NVIDIAExternalCareerSite",
         ((r"/job/", "workday/nvidia_detail_eu-job-feeds.json"), (r"/jobs$", "workday/nvidia_list_eu-job-feeds.json"))),
    Case("workday", "pjm.wd1/PJM", ((r"/job/", "workday/nvidia_detail_eu-job-feeds.json"),
                                    (r"/jobs$", "workday/pjm_list.json"))),
)

_AVAILABLE = set(ats_spider_names())
ACTIVE = [c for c in CASES if c.spider in _AVAILABLE]
_NOW = datetime.fromisoformat(NOW)


def test_every_ats_spider_is_fuzzed() -> None:
    missing = _AVAILABLE - {c.spider for c in CASES}
    assert not missing, f"ATS spiders without a fuzz case in {__file__}: {sorted(missing)}"


def _serve(case: Case, bodies: dict[str, bytes]):
    def serve(request) -> Canned:
        for pattern, path in case.routes:
            if re.search(pattern, request.url):
                return Canned(bodies[path], content_type="application/xml" if path.endswith(".xml") else
                              "application/json")
        return Canned(b'{"error": "not found"}', status=404)

    return serve


def _check(case: Case, bodies: dict[str, bytes]) -> None:
    run = run_board(case.spider, case.company, _serve(case, bodies))  # must not raise
    for item in run.items:
        problems = violations(ItemAdapter(item).asdict(), now=_NOW)
        assert not problems, f"{case.id}: item {item.get('job_id')!r} breaks the contract: {problems}"
    ids = [(i["ats"], i["company"], i["job_id"]) for i in run.items]
    assert len(ids) == len(set(ids)), f"{case.id}: duplicate ids reached the writer"
    assert run.outcome in {"ok", "failed", "truncated", "incomplete"}


@pytest.mark.parametrize("case", ACTIVE, ids=[c.id for c in ACTIVE])
def test_real_fixture_is_clean(case: Case) -> None:
    """Control: the unmutated fixtures give contract items and an "ok" board."""
    bodies = {path: fixture(path).read_bytes() for _, path in case.routes}
    run = run_board(case.spider, case.company, _serve(case, bodies))
    assert run.items, f"{case.id}: no items from the real fixture"
    assert run.outcome == "ok", (run.outcome, run.reason)
    _check(case, bodies)


@pytest.mark.parametrize("case", ACTIVE, ids=[c.id for c in ACTIVE])
def test_mutated_payloads_never_break_the_contract(case: Case) -> None:
    """EXAMPLES_PER_ATS mutated payloads per ATS, shared among that ATS's fixture cases."""
    share = -(-EXAMPLES_PER_ATS // sum(1 for c in ACTIVE if c.spider == case.spider))

    @settings(max_examples=share, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def mutated(data: st.DataObject) -> None:
        bodies: dict[str, bytes] = {}
        for _, path in case.routes:
            original = fixture(path).read_bytes()
            strategy = hostile_xml(original) if path.endswith(".xml") else hostile_json(original)
            bodies[path] = data.draw(strategy, label=path)
        _check(case, bodies)

    mutated()
