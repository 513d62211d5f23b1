"""Company display names: the ATS's own name, else the `boards` registry name, else a readable board id.

A board id is what appears in the ATS URL (`spotify`, `nvidia.wd5/NVIDIAExternalCareerSite`,
`jobs.example.com`); `readable_board_id` turns it into something a job seeker can read ("Nvidia",
"Example"). Documents store `company_name` equal to the board id when the ATS gives no name
(docs/schema.md), so such a name does not count as ATS-provided.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_SEPARATORS = re.compile(r"[-_.+]+")
#: Host parts that say nothing about the company (jsonld board ids are domains).
_NOISE = {"www", "jobs", "careers", "career", "apply", "boards", "com", "io", "co", "org", "net", "de", "uk", "hr"}


def readable_board_id(board_id: str) -> str:
    """`nvidia.wd5/NVIDIAExternalCareerSite` -> "Nvidia"; `acme-corp` -> "Acme Corp"; `jobs.example.com` -> "Example"."""
    head = board_id.split("/", 1)[0].strip()
    parts = [p for p in _SEPARATORS.split(head) if p]
    if "." in head:  # a Workday tenant host (`nvidia.wd5`) or a domain: keep the meaningful labels
        parts = [p for p in parts if p.lower() not in _NOISE and not re.fullmatch(r"wd\d+", p, re.IGNORECASE)]
    words: list[str] = []
    for part in parts or [head]:
        words.extend(w for w in part.split() if w)
    text = " ".join(w if any(c.isupper() for c in w[1:]) else w[:1].upper() + w[1:] for w in words)
    return text or board_id


def display_name(doc: Mapping[str, Any], registry_name: str | None = None) -> str:
    """The name to show for a posting's (or a board's) company."""
    company = str(doc.get("company") or "")
    own = doc.get("company_name")
    if isinstance(own, str) and own.strip() and own.strip() != company:
        return own.strip()
    if registry_name and registry_name.strip() and registry_name.strip() != company:
        return registry_name.strip()
    return readable_board_id(company) if company else ""
