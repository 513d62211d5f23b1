"""Our MinHash (crawlerats/dedup/minhash.py) gives datasketch's affine32 signatures bit for bit, so stored
`dedup.sig` values and band keys computed before the switch still match new ones."""

from __future__ import annotations

import json

import numpy as np
import pytest
from datasketch import MinHash

from crawlerats.dedup.features import NUM_PERM, SEED, SHINGLE, minhash, words
from crawlerats.dedup.minhash import signature
from tests.support.paths import fixture

TEXTS = [p.get("descriptionPlain") or p.get("text") or "" for name in ("lever/spotify_prettyirrelevant.json",
                                                                      "lever/voltus_haydenham.json")
         for p in json.loads(fixture(name).read_text())]


def datasketch_signature(tokens: list[str]) -> np.ndarray:
    mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
    shingles = {" ".join(tokens[i:i + SHINGLE]) for i in range(max(len(tokens) - SHINGLE + 1, 1))}
    shingles.discard("")
    if shingles:
        mh.update_batch([s.encode() for s in shingles])
    return mh.hashvalues


@pytest.mark.parametrize("text", [*TEXTS, "", "two words", "Ünïcödé texte accentué, et des mots répétés répétés"])
def test_signatures_equal_datasketch(text: str) -> None:
    tokens = words(text)
    assert minhash(tokens).dtype == np.uint32
    assert np.array_equal(minhash(tokens), datasketch_signature(tokens))


def test_empty_set_is_all_max_and_order_does_not_matter() -> None:
    assert (signature([], 8, 1) == 0xFFFFFFFF).all()
    values = [b"alpha beta gamma", b"beta gamma delta", b"gamma delta epsilon"]
    assert np.array_equal(signature(values, NUM_PERM, SEED), signature(values[::-1], NUM_PERM, SEED))
