"""Lever boards for tests and benchmarks, built from the real shared payloads."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from tests.support.ats_server import AtsServer, paged_list
from tests.support.paths import fixture

SPOTIFY = "lever/spotify_prettyirrelevant.json"
VOLTUS = "lever/voltus_haydenham.json"


def load(name: str) -> list[dict[str, Any]]:
    return json.loads(fixture(name).read_text())


def serve_lever(server: AtsServer, site: str, postings: list[dict[str, Any]], eu: bool = False) -> None:
    host = "api.eu.lever.co" if eu else "api.lever.co"
    server.route("GET", f"{host}/v0/postings/{site}", paged_list(postings))


def varied(postings: list[dict[str, Any]], count: int, seed: str) -> list[dict[str, Any]]:
    """`count` postings cycling through the real ones with fresh ids and distinct titles."""
    out = []
    for i in range(count):
        posting = copy.deepcopy(postings[i % len(postings)])
        posting["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}-{i}"))
        posting["text"] = f"{posting['text']} #{i}"
        posting["hostedUrl"] = f"https://jobs.lever.co/{seed}/{posting['id']}"
        posting["applyUrl"] = posting["hostedUrl"] + "/apply"
        out.append(posting)
    return out
