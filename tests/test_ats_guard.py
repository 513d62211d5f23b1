"""Guard: every ATS spider has its fixture folder and its test file, and every fixture folder has its spider.

An ATS is a spider class declaring `board_urls` (crawlerats/ats.py). Its saved payloads live in
/work/shared/fixtures/<folder>/ (folder = ATS name, or FOLDER_OF below) and its tests in
tests/spiders/test_<ats>.py, which must name every payload file of the folder (in-process expected-value
tests on every shared payload) and declare its saved boards as `CASES` (fuzzed by
tests/reliability/test_fuzz_spiders.py). Fixture folders of ATSs not crawled yet are listed in PENDING, and
the list must stay accurate: an entry whose spider exists fails the test until it is removed.
"""

from __future__ import annotations

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawlerats.ats import ats_names, board_spider_names
from crawlerats.cli.schedule import ats_spiders as schedule_all
from crawlerats.spiders.base import AtsSpider
from tests.reliability.contract import ATS_NAMES
from tests.support.ats_docs import stale
from tests.support.inprocess import declared_cases
from tests.support.paths import REPO, SHARED_FIXTURES

#: Fixture folders named differently from their ATS spider.
FOLDER_OF = {"ukg": "ultipro"}
#: Fixture folders of ATSs without a spider yet (issue 16 part 3), with the reason.
PENDING: dict[str, str] = {
}
_SPIDER_OF = {folder: ats for ats, folder in FOLDER_OF.items()}


def _folders() -> list[str]:
    return sorted(p.name for p in SHARED_FIXTURES.iterdir() if p.is_dir())


def _payloads(folder: str) -> list[str]:
    return sorted(p.name for p in (SHARED_FIXTURES / folder).rglob("*") if p.is_file())


@pytest.mark.parametrize("ats", ats_names())
def test_every_ats_spider_has_its_fixtures_and_a_test_file_naming_each_payload(ats: str) -> None:
    folder = FOLDER_OF.get(ats, ats)
    assert (SHARED_FIXTURES / folder).is_dir(), f"{ats}: no fixture folder {SHARED_FIXTURES / folder}"
    test_file = REPO / "tests" / "spiders" / f"test_{ats}.py"
    assert test_file.is_file(), f"{ats}: no test file tests/spiders/test_{ats}.py"
    text = test_file.read_text()
    unnamed = [name for name in _payloads(folder) if name not in text]
    assert not unnamed, f"tests/spiders/test_{ats}.py has no test on the saved payloads {unnamed}"
    assert declared_cases()[ats], f"tests/spiders/test_{ats}.py declares no `CASES` (saved boards to fuzz)"


@pytest.mark.parametrize("folder", _folders())
def test_every_fixture_folder_has_its_spider_or_is_pending(folder: str) -> None:
    ats = _SPIDER_OF.get(folder, folder)
    if folder in PENDING:
        assert ats not in ats_names(), f"{folder} is listed in PENDING but spider {ats!r} exists: remove it"
    else:
        assert ats in ats_names(), f"fixture folder {folder}/ has no ATS spider {ats!r} (nor a PENDING entry)"


def test_pending_entries_are_fixture_folders() -> None:
    assert set(PENDING) <= set(_folders())


def test_generated_ats_lists_in_the_docs_are_up_to_date() -> None:
    """README.md and docs/schema.md list the ATSs; regenerate with `python -m tests.support.ats_docs --write`."""
    assert stale() == []


def test_every_derived_list_is_the_board_spiders_of_scrapy_list() -> None:
    """One rule: board spiders = AtsSpider subclasses `scrapy list` shows (ATSs + jsonld; not discover)."""
    loader = SpiderLoader.from_settings(get_project_settings())
    expected = sorted(n for n in loader.list() if issubclass(loader.load(n), AtsSpider))
    assert list(board_spider_names()) == expected == schedule_all() == sorted(ATS_NAMES)
    assert "jsonld" in expected and "discover" in loader.list() and "discover" not in expected
    assert set(ats_names()) == set(expected) - {"jsonld"}
