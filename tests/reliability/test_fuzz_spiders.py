"""Property: whatever an ATS sends, a spider never raises and never emits an item that breaks the contract.

Each case mutates a real saved payload (/work/shared/fixtures/) with tests/reliability/mutate.py and runs
the spider's callbacks in-process (tests/support/inprocess.py), items through the validate stage, then
checks every surviving item with tests/reliability/contract.py. The cases are the saved boards each ATS's test
file declares (`CASES` in tests/spiders/test_<ats>.py, tests/support/inprocess.py `BoardCase`); an ATS spider
without one fails `test_every_ats_spider_is_fuzzed`.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from tests.reliability.contract import violations
from tests.reliability.mutate import hostile_payload
from tests.support.inprocess import NOW, BoardCase, Route, content_type_of, crawl_board, declared_cases
from tests.support.paths import fixture

#: Mutated payloads tried per ATS (split among its fixtures); raise it for a longer soak.
EXAMPLES_PER_ATS = int(os.environ.get("CRAWLERATS_FUZZ_EXAMPLES", "100"))


#: Every saved board of every ATS, as its test file declares it (`CASES` in tests/spiders/test_<ats>.py).
DECLARED = declared_cases()
ACTIVE = [case for cases in DECLARED.values() for case in cases]
_NOW = datetime.fromisoformat(NOW)


def test_every_ats_spider_is_fuzzed() -> None:
    missing = sorted(ats for ats, cases in DECLARED.items() if not cases)
    assert not missing, f"ATS spiders without `CASES` in tests/spiders/test_<ats>.py: {missing}"


def _routes(case: BoardCase, bodies: dict[str, bytes]) -> tuple[Route, ...]:
    """The case's routes with the (mutated) bodies, served with the saved payload's content type."""
    return tuple((route[0], bodies[route[1]], 200 if len(route) < 3 else route[2], content_type_of(route[1]))
                 if isinstance(route[1], str) else route for route in case.routes)


def _paths(case: BoardCase) -> list[str]:
    return [route[1] for route in case.routes if isinstance(route[1], str)]


def _check(case: BoardCase, bodies: dict[str, bytes]) -> None:
    run = crawl_board(case.ats, case.company, _routes(case, bodies), now=NOW)  # must not raise
    for item in run.items:
        problems = violations(ItemAdapter(item).asdict(), now=_NOW)
        assert not problems, f"{case.id}: item {item.get('job_id')!r} breaks the contract: {problems}"
    ids = [(i["ats"], i["company"], i["job_id"]) for i in run.items]
    assert len(ids) == len(set(ids)), f"{case.id}: duplicate ids reached the writer"
    assert run.outcome in {"ok", "failed", "truncated", "incomplete"}


@pytest.mark.parametrize("case", ACTIVE, ids=[c.id for c in ACTIVE])
def test_real_fixture_is_clean(case: BoardCase) -> None:
    """Control: the unmutated fixtures give contract items and an "ok" board."""
    bodies = {path: fixture(path).read_bytes() for path in _paths(case)}
    run = crawl_board(case.ats, case.company, _routes(case, bodies), now=NOW)
    assert run.items, f"{case.id}: no items from the real fixture"
    assert run.outcome == "ok", (run.outcome, run.reason)
    _check(case, bodies)


@pytest.mark.parametrize("case", ACTIVE, ids=[c.id for c in ACTIVE])
def test_mutated_payloads_never_break_the_contract(case: BoardCase) -> None:
    """EXAMPLES_PER_ATS mutated payloads per ATS, shared among that ATS's fixture cases."""
    share = -(-EXAMPLES_PER_ATS // len(DECLARED[case.ats]))

    @settings(max_examples=share, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def mutated(data: st.DataObject) -> None:
        bodies: dict[str, bytes] = {}
        for path in _paths(case):
            original = fixture(path).read_bytes()
            strategy = hostile_payload(path, original)
            bodies[path] = data.draw(strategy, label=path)
        _check(case, bodies)

    mutated()
