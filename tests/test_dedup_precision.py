"""Labelled posting pairs built from the real fixtures of every ATS folder: precision and recall of the
repost matcher (`same_role`) and the duplicate matcher (`near_identical`). Run with -s to see the figures."""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from rapidfuzz import fuzz

from crawlerats.dedup.features import features
from crawlerats.dedup.match import near_identical, same_role
from crawlerats.normalize import html_to_text, sanitize_html
from tests.support.paths import SHARED_FIXTURES

_IDS = ("id", "shortcode", "guid", "jobPostingId", "internal_job_id")
_TITLES = ("title", "text", "name")
_DESCRIPTIONS = ("descriptionHtml", "description", "content", "jobDescription", "jobAd")


def _text(value: Any) -> str:
    if isinstance(value, dict):  # SmartRecruiters jobAd.sections.*.text
        sections = value.get("sections") or value
        return "\n\n".join(_text(s.get("text")) for s in sections.values() if isinstance(s, dict) and s.get("text"))
    if not isinstance(value, str):
        return ""
    value = html.unescape(value) if "&lt;" in value else value
    return html_to_text(sanitize_html(value)) or ""


def _location(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name") or value.get("city") or value.get("location")
    return str(value or "")


def _walk(node: Any, folder: str, out: list[dict[str, Any]]) -> None:
    if isinstance(node, dict):
        title = next((node[k] for k in _TITLES if isinstance(node.get(k), str) and 3 < len(node[k]) < 150), None)
        text = next((_text(node[k]) for k in _DESCRIPTIONS if node.get(k)), "")
        if title and any(k in node for k in _IDS) and len(text.split()) >= 40:
            location = _location(node.get("location") or (node.get("categories") or {}).get("location")
                                 or node.get("city"))
            out.append({"company": folder, "title": title.strip(), "description_text": text,
                        "location": location, "locations": [{"raw": location, "city": location.split(",")[0]}]
                        if location else []})
        for value in node.values():
            _walk(value, folder, out)
    elif isinstance(node, list):
        for value in node:
            _walk(value, folder, out)
    elif isinstance(node, str) and node.lstrip()[:1] in "[{" and len(node) > 200:
        with contextlib.suppress(ValueError):
            _walk(json.loads(node), folder, out)


def real_postings() -> list[dict[str, Any]]:
    """Distinct postings (title + description) found in every fixture folder; company = fixture file."""
    found: list[dict[str, Any]] = []
    for path in sorted(SHARED_FIXTURES.glob("*/*")):
        company = f"{path.parent.name}/{path.stem}"
        if path.suffix == ".json":
            _walk(json.loads(path.read_text()), company, found)
        elif path.suffix == ".xml":
            for pos in ET.parse(path).getroot().iter("position"):
                text = "\n\n".join(_text(v.text) for v in pos.iter("value") if v.text)
                title, office = pos.findtext("name"), pos.findtext("office") or ""
                if title and len(text.split()) >= 40:
                    found.append({"company": company, "title": title, "description_text": text, "location": office,
                                  "locations": [{"raw": office, "city": office}] if office else []})
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for p in found:
        unique.setdefault((p["title"], p["description_text"][:300]), p)
    return list(unique.values())


# --- realistic edits that keep the role ------------------------------------------------------------
def reorder(p: dict[str, Any]) -> dict[str, Any]:
    paras = [x for x in re.split(r"\n\s*\n", p["description_text"]) if x.strip()]
    if len(paras) < 3:
        paras = re.split(r"(?<=\.)\s+", p["description_text"])
    half = len(paras) // 2
    return {**p, "description_text": "\n\n".join(paras[half:] + paras[:half])}


def redate(p: dict[str, Any]) -> dict[str, Any]:
    text = re.sub(r"\b20\d\d\b", "2027", p["description_text"])
    return {**p, "description_text": f"Posted on 14 April 2027.\n\n{text}\n\nApplications close 30 May 2027."}


def location_suffix(p: dict[str, Any]) -> dict[str, Any]:
    loc = p["location"] or "Remote"
    city = loc.split(",")[0].strip()
    return {**p, "title": f"{p['title']} - {city}", "location": f"{city}, Remote",
            "locations": [{"raw": f"{city}, Remote", "city": city}]}


def reorder_and_redate(p: dict[str, Any]) -> dict[str, Any]:
    return redate(reorder(p))


EDITS = (lambda p: dict(p), reorder, redate, location_suffix, reorder_and_redate)


def labelled_pairs() -> list[tuple[dict[str, Any], dict[str, Any], bool, str]]:
    postings = real_postings()
    pairs: list[tuple[dict[str, Any], dict[str, Any], bool, str]] = []
    for i, p in enumerate(postings):  # true reposts / duplicates: an edited copy under a new id
        edit = EDITS[i % len(EDITS)]
        pairs.append((p, edit(p), True, getattr(edit, "__name__", "copy")))
    by_company: dict[str, list[dict[str, Any]]] = {}
    for p in postings:
        by_company.setdefault(p["company"], []).append(p)
    for _company, group in by_company.items():
        for a, b in itertools.combinations(group, 2):
            if a["title"].removeprefix("Copy of ") == b["title"].removeprefix("Copy of "):
                # the same role advertised twice (another place, or the ATS's "Copy of" clone)
                pairs.append((a, b, True, "same role, copied or other place"))
                continue
            pairs.append((a, b, False, "different roles, same company"))
            if fuzz.token_set_ratio(a["description_text"], b["description_text"]) >= 90:
                continue  # templated board: b's text under a's title would be a copy of a, not another team
            # the same title in another team: b's role (description, team) under a's title and place
            other_team = {**b, "title": a["title"], "location": a["location"], "locations": a["locations"]}
            pairs.append((a, other_team, False, "same title, different team"))
    return pairs


def scores(matcher: Any, pairs: list[tuple[dict[str, Any], dict[str, Any], bool, str]]) -> tuple[float, float, list]:
    tp = fp = fn = 0
    wrong = []
    for a, b, label, kind in pairs:
        predicted = matcher(features(a), features(b))
        tp += predicted and label
        fp += predicted and not label
        fn += label and not predicted
        if predicted != label:
            wrong.append((kind, a["title"], b["title"]))
    return tp / max(1, tp + fp), tp / max(1, tp + fn), wrong


def test_precision_and_recall_on_labelled_pairs() -> None:
    pairs = labelled_pairs()
    positives = sum(1 for *_, label, _ in pairs if label)
    folders = {p["company"].split("/")[0] for a, b, *_ in pairs for p in (a, b)}
    assert len(pairs) >= 50 and positives >= 20 and len(pairs) - positives >= 20
    assert len(folders) >= 6
    for name, matcher in (("repost (same_role)", same_role), ("duplicate (near_identical)", near_identical)):
        precision, recall, wrong = scores(matcher, pairs)
        print(f"\n{name}: {len(pairs)} pairs ({positives} true), precision {precision:.3f}, recall {recall:.3f}")
        for kind, a, b in wrong:
            print(f"  wrong: {kind}: {a!r} / {b!r}")
        assert precision >= 0.95 and recall >= 0.95, (name, precision, recall, wrong)
