"""Pairwise decisions on two postings' features: same role (reposts) and near-identical (duplicates).

Thresholds were chosen on the labelled pair set in tests/test_dedup_precision.py (see docs/dedup.md).
"""

from __future__ import annotations

from crawlerats.dedup.features import Features, jaccard

#: Jaccard (3-word shingles of title + description) above which two texts count as near-identical.
NEAR_IDENTICAL = 0.8


def same_title(a: Features, b: Features) -> bool:
    """Same normalised title words in any order ("Engineer, Backend" = "Backend Engineer"). Templated
    boards reuse one description for many roles ("SEA Marketing Manager" / "SEO Marketing Manager"),
    so a one-word title difference is a different role, however similar the text."""
    if not a.title_key or not b.title_key:
        return False
    return a.title_key == b.title_key or sorted(a.title_key.split()) == sorted(b.title_key.split())


def similarity(a: Features, b: Features) -> float:
    return jaccard(a.signature, b.signature)


def same_role(a: Features, b: Features) -> bool:
    """Repost test: the same title with a near-identical description; when a description is missing, the
    same normalised title plus location. (A lower bar for same title + place was tried: company
    boilerplate alone makes different roles 0.5-0.77 similar on the labelled set, see docs/dedup.md.)"""
    if a.has_text and b.has_text:
        return same_title(a, b) and similarity(a, b) >= NEAR_IDENTICAL
    return bool(a.title_key) and a.title_key == b.title_key and a.location_key == b.location_key


def near_identical(a: Features, b: Features) -> bool:
    """Duplicate test: near-identical title and description (same title and place when neither has text)."""
    if not same_title(a, b):
        return False
    if a.has_text and b.has_text:
        return similarity(a, b) >= NEAR_IDENTICAL
    if a.has_text or b.has_text:
        return False
    return a.title_key == b.title_key and a.location_key == b.location_key
