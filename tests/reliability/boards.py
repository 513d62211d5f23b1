"""Synthetic Lever boards built from the real Lever fixture, and fault-injecting route helpers.

`lever_postings(company, n)` clones the real postings of lever/spotify_prettyirrelevant.json with fresh
ids, so large boards keep the real field shapes. `sequence(...)` answers a route with a different reply on
each call (the last one repeats): 429 then 200, 500 three times, and so on.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from typing import Any

from tests.support.ats_server import AtsServer, Handler, Reply, paged_list
from tests.support.paths import fixture

LEVER_FIXTURE = "lever/spotify_prettyirrelevant.json"


def lever_templates() -> list[dict[str, Any]]:
    return json.loads(fixture(LEVER_FIXTURE).read_text())


def lever_postings(company: str, n: int) -> list[dict[str, Any]]:
    """`n` real-shaped Lever postings with ids `<company>-0000` ... and distinct titles."""
    templates = lever_templates()
    postings = []
    for i in range(n):
        p = copy.deepcopy(templates[i % len(templates)])
        p["id"] = f"{company}-{i:04d}"
        p["text"] = f"{p['text']} #{i}"
        p["hostedUrl"] = f"https://jobs.lever.co/{company}/{p['id']}"
        p["applyUrl"] = p["hostedUrl"] + "/apply"
        postings.append(p)
    return postings


def lever_path(company: str) -> str:
    return f"api.lever.co/v0/postings/{company}"


def serve_lever(server: AtsServer, company: str, postings: list[dict[str, Any]], delay: float = 0.0) -> None:
    """Serve `postings` as a Lever board (paged by skip/limit), each page after `delay` seconds."""
    pages = paged_list(postings)

    def handler(query: dict[str, str], body: bytes) -> Reply:
        reply = pages(query, body)
        reply.delay = delay
        return reply

    server.route("GET", lever_path(company), handler)


def sequence(*replies: Reply | Handler) -> Handler:
    """A handler answering with `replies` in turn; the last one answers every later call."""
    lock = threading.Lock()
    calls = [0]

    def handler(query: dict[str, str], body: bytes) -> Reply:
        with lock:
            index = min(calls[0], len(replies) - 1)
            calls[0] += 1
        reply = replies[index]
        return reply(query, body) if callable(reply) else reply

    return handler


def json_body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def requests_to(server: AtsServer, company: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    return [r for r in server.requests if r[1] == "/" + lever_path(company)]


def on_call(handler: Handler, when: Callable[[dict[str, str]], bool], action: Callable[[], None]) -> Handler:
    """Wrap `handler`: run `action()` (once) before answering the first request matching `when(query)`."""
    done = threading.Event()

    def wrapped(query: dict[str, str], body: bytes) -> Reply:
        if not done.is_set() and when(query):
            done.set()
            action()
        return handler(query, body)

    return wrapped
