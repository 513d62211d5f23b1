"""Comparable keys of one posting: normalised title and location, content hash, MinHash and LSH bands.

Everything here is pure and deterministic (fixed MinHash seed), so keys computed by different crawls on
different machines agree and can be stored and queried.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawlerats.normalize.locations import country_code

if TYPE_CHECKING:
    import numpy as np

# numpy (and crawlerats.dedup.minhash, which needs it) is imported where a signature is computed or compared: a
# crawl whose postings are all unchanged never does either (numpy's import: ~0.1 s of wall time here).

#: MinHash permutations, LSH bands x rows (16 x 8: pairs with Jaccard >= 0.8 collide in a band with
#: probability >= 0.95, pairs at 0.5 with about 0.06, at 0.3 with 0.001), words per shingle.
NUM_PERM = 128
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 3
SEED = 1

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PAREN = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
# Trailing " - Remote", " | London", ", Stockholm (Hybrid)" style suffixes naming a place or workplace.
_SUFFIX_SEP = re.compile(r"\s+(?:-|–|—|\||/|@)\s+|,\s+")
_PLACE_WORDS = frozenset(
    ["remote", "hybrid", "onsite", "on", "site", "office", "anywhere", "worldwide", "global", "emea", "apac", "americas", "europe", "eu", "us", "usa", "uk", "wfh", "home", "based", "region", "area", "metro", "greater"]
)
# Dates and numbers inside descriptions ("Posted 3 March 2026", "apply by 2026-04-01") vary between
# reposts of one role; they are dropped before shingling.
_DATE_WORDS = frozenset(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "posted"]
)


def _fold(text: str) -> str:
    if text.isascii():  # the common case: nothing to decompose
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words(text: str | None, keep_numbers: bool = False) -> list[str]:
    """Lower-cased, accent-folded words; description words drop numbers and date words."""
    if not text:
        return []
    found = _WORD.findall(_fold(text))
    if keep_numbers:
        return found
    return [w for w in found if not w.isdigit() and w not in _DATE_WORDS]


def _place_names(locations: list[dict[str, Any]] | None, location: str | None) -> set[str]:
    names: set[str] = set()
    for loc in locations or []:
        for part in (loc.get("city"), loc.get("region"), loc.get("raw")):
            if part:
                names.add(" ".join(words(part)))
    if location:
        for part in re.split(r"[;,/|]", location):
            names.add(" ".join(words(part)))
    names.discard("")
    return names


_COPY_OF = re.compile(r"^\s*(copy of|kopie von)\s+", re.I)
_GENDER = re.compile(r"\b[mwfdx]\s*/\s*[mwfdx](\s*/\s*[mwfdx])?\b|\*in\b", re.I)
_ABBREVIATIONS = {"sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "eng": "engineer",
                  "engr": "engineer", "dev": "developer", "mktg": "marketing", "assoc": "associate"}


def title_key(title: str | None, places: set[str] | frozenset[str] = frozenset()) -> str:
    """Title without bracketed notes, gender tags, "Copy of", trailing place/workplace suffixes
    ("Engineer - Remote (EU)"), with common abbreviations spelt out."""
    text = _GENDER.sub(" ", _PAREN.sub(" ", _COPY_OF.sub("", title or "")))
    parts = _SUFFIX_SEP.split(text)
    while len(parts) > 1:
        tail = " ".join(words(parts[-1], keep_numbers=True))
        tail_words = set(tail.split())
        if tail in places or (tail_words and tail_words <= _PLACE_WORDS | {w for p in places for w in p.split()}) \
                or (len(tail) > 3 and country_code(parts[-1].strip()) is not None):
            parts.pop()
        else:
            break
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words(" ".join(parts), keep_numbers=True))


def location_key(locations: list[dict[str, Any]] | None, location: str | None) -> str:
    """Sorted cities (or raw place text when no city), so "Stockholm" and "Stockholm, Sweden" agree."""
    keys: set[str] = set()
    for loc in locations or []:
        name = loc.get("city") or loc.get("region") or loc.get("country") or loc.get("raw")
        if name:
            keys.add(" ".join(words(name)))
    if not keys and location:
        keys.add(" ".join(words(location.split(",")[0])))
    keys.discard("")
    return "|".join(sorted(keys))


def content_hash(title: str | None, description: str | None) -> str:
    """sha1 of the whitespace-collapsed, lower-cased title and description text."""
    norm = " ".join((title or "").lower().split()) + "\n" + " ".join((description or "").lower().split())
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def minhash(tokens: list[str]) -> np.ndarray:
    """MinHash signature (uint32[NUM_PERM]) over word shingles (fixed seed, so signatures agree across
    processes; the same values as datasketch's affine32 MinHash, see crawlerats/dedup/minhash.py)."""
    if len(tokens) < SHINGLE:
        shingles = {" ".join(tokens)} if tokens else set()
    else:
        shingles = {" ".join(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
    from crawlerats.dedup.minhash import signature as minhash_signature

    return minhash_signature([s.encode("utf-8") for s in shingles], NUM_PERM, SEED)


def band_keys(values: np.ndarray) -> list[int]:
    """One signed 64-bit key per LSH band (band index mixed in, so bands never collide with each other).
    `Features.bands` adds the title/location key (see `title_location_band`)."""
    keys = []
    for band in range(BANDS):
        chunk = struct.pack("<I", band) + values[band * ROWS:(band + 1) * ROWS].tobytes()
        keys.append(struct.unpack("<q", hashlib.blake2b(chunk, digest_size=8).digest())[0])
    return keys


def decode_signature(value: str | None) -> np.ndarray | None:
    if not value:
        return None
    import numpy as np

    return np.frombuffer(base64.b64decode(value), dtype=np.uint32)


def jaccard(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Estimated Jaccard similarity of two signatures (0 when either is missing)."""
    if a is None or b is None or len(a) != len(b):
        return 0.0
    import numpy as np

    return float(np.count_nonzero(a == b)) / len(a)


@dataclass(frozen=True)
class Features:
    """The comparable view of a posting; `as_subdocument()` is what is stored under `dedup`."""

    title_key: str
    location_key: str
    content_hash: str
    signature: np.ndarray
    bands: list[int]
    has_text: bool

    def as_subdocument(self) -> dict[str, Any]:
        return {
            "title_key": self.title_key,
            "location_key": self.location_key,
            "bands": self.bands,
            "sig": encode_signature_array(self.signature),
            "has_text": self.has_text,
        }


def title_location_band(tkey: str, lkey: str) -> int:
    """The (title key, location key) pair as one more band key, so one indexed `$in` finds both kinds of
    candidate (SecantusDB answers `$or` with a collection scan)."""
    digest = hashlib.blake2b(f"tl\x1f{tkey}\x1f{lkey}".encode(), digest_size=8).digest()
    return struct.unpack("<q", digest)[0]


def title_band(tkey: str) -> int:
    """The title's words, sorted (as `match.same_title` compares them), as one more key indexed in `job_bands`
    (not part of `Features.bands`): postings of one title find each other even when the LSH bands of their
    text are a board's boilerplate (see `crawlerats/dedup/engine.py`, `index_keys`)."""
    digest = hashlib.blake2b(f"t\x1f{' '.join(sorted(tkey.split()))}".encode(), digest_size=8).digest()
    return struct.unpack("<q", digest)[0]


def index_keys(feats: Features) -> list[int]:
    """The keys a posting is indexed and matched under: its 17 `bands` plus its `title_band`."""
    return feats.bands + [title_band(feats.title_key)] if feats.title_key else list(feats.bands)


def stored_index_keys(sub: dict[str, Any] | None) -> list[int]:
    """`index_keys` of a stored posting, from its `dedup` subdocument (what `job_bands` holds for it)."""
    sub = sub or {}
    bands = list(sub.get("bands") or ())
    return bands + [title_band(sub["title_key"])] if sub.get("title_key") else bands


def encode_signature_array(values: np.ndarray) -> str:
    import numpy as np

    return base64.b64encode(values.astype(np.uint32).tobytes()).decode("ascii")


def features(posting: dict[str, Any]) -> Features:
    """Features of a posting given as a dict with title, description_text, locations, location."""
    title = posting.get("title")
    description = posting.get("description_text")
    places = _place_names(posting.get("locations"), posting.get("location"))
    tkey = title_key(title, places)
    description_words = words(description)
    sig = minhash(tkey.split() + description_words)
    lkey = location_key(posting.get("locations"), posting.get("location"))
    return Features(
        title_key=tkey,
        location_key=lkey,
        content_hash=content_hash(title, description),
        signature=sig,
        bands=band_keys(sig) + ([title_location_band(tkey, lkey)] if tkey else []),
        has_text=len(description_words) >= SHINGLE,
    )


def stored_features(doc: dict[str, Any]) -> Features | None:
    """Features kept on a stored document's `dedup` subdocument (None for documents without one)."""
    sub = doc.get("dedup")
    if not isinstance(sub, dict) or "sig" not in sub:
        return None
    sig = decode_signature(sub.get("sig"))
    if sig is None or len(sig) != NUM_PERM:
        return None
    return Features(sub.get("title_key") or "", sub.get("location_key") or "", doc.get("content_hash") or "",
                    sig, list(sub.get("bands") or []), bool(sub.get("has_text")))
