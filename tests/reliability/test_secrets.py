"""The MongoDB password never leaves the process: not in the crawl log (which Scrapyd serves over HTTP), not in
the stats file, not in the `crawls` / `boards` collections, not in error messages.

Before: with an unreachable server or a wrong password the full `MONGO_URI` was printed three times in the log
(the overridden settings, the connection error and its traceback).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from pymongo.database import Database

from crawlerats.redact import redact_text
from tests.reliability.boards import lever_postings, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl
from tests.support.mongo import free_port

PASSWORD = "S3cret-pw-7f2a"  # noqa: S105 - the secret the test hunts for


def _with_password(uri: str, db: str, password: str = PASSWORD, port: int | None = None) -> str:
    parts = urlsplit(uri)
    return f"mongodb://crawler:{password}@{parts.hostname}:{port or parts.port}/?authSource={db}&serverSelectionTimeoutMS=1500"


def test_redact_text_hides_only_the_password() -> None:
    assert redact_text("at mongodb://app:p%40ss:w@db1:27017,db2/?x=1 now") == "at mongodb://app:***@db1:27017,db2/?x=1 now"
    assert redact_text("'MONGO_URI': 'mongodb+srv://u:pw@c.example.net/db'") == "'MONGO_URI': 'mongodb+srv://u:***@c.example.net/db'"
    for harmless in ("mongodb://user@host/", "https://example.com/a@b", "no uri here"):
        assert redact_text(harmless) == harmless


def test_password_is_in_no_log_stats_or_record_of_a_crawl(ats_server: AtsServer, crawl_settings: dict[str, str],
                                                          mongo_db: Database) -> None:
    mongo_db.command("createUser", "crawler", pwd=PASSWORD, roles=["readWrite"])
    serve_lever(ats_server, "acme", lever_postings("acme", 3))
    uri = _with_password(crawl_settings["MONGO_URI"], mongo_db.name)
    result = run_crawl("lever", {"companies": "acme,gone"},  # "gone" is not served: a failed board with a reason
                       {**crawl_settings, "MONGO_URI": uri, "LOG_LEVEL": "DEBUG"}, check=False)
    assert result.returncode == 0, result.log[-3000:]
    assert mongo_db.jobs.count_documents({"company": "acme"}) == 3  # the crawl really used the URI
    assert PASSWORD not in result.log
    assert PASSWORD not in json.dumps(result.stats, default=str)
    records = list(mongo_db.crawls.find()) + list(mongo_db.boards.find())
    assert records and PASSWORD not in json.dumps(records, default=str)


@pytest.mark.parametrize("fault", ["wrong_password", "unreachable"])
def test_password_is_not_printed_when_the_database_refuses(fault: str, ats_server: AtsServer,
                                                           crawl_settings: dict[str, str], mongo_db: Any) -> None:
    serve_lever(ats_server, "acme", lever_postings("acme", 3))
    uri = (_with_password(crawl_settings["MONGO_URI"], mongo_db.name) if fault == "wrong_password"
           else _with_password(crawl_settings["MONGO_URI"], mongo_db.name, port=free_port()))
    result = run_crawl("lever", {"companies": "acme"}, {**crawl_settings, "MONGO_URI": uri}, check=False)
    assert result.returncode != 0
    assert PASSWORD not in result.log
    assert PASSWORD not in json.dumps(result.stats, default=str)
    assert "is not reachable" in result.log and "crawler:***@" in result.log  # the URI is shown, redacted
