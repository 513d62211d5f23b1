"""MinHash signatures of word shingles, bit-identical to datasketch's `MinHash(num_perm, seed, scheme="affine32")`
with its default SHA-1 hash, without importing datasketch (whose package import pulls in SciPy: over a second
of every crawl's start-up) and without its per-object overhead.

Per shingle: the first 4 bytes of its SHA-1 (little-endian), mixed with the MurmurHash3 32-bit finalizer,
then 128 affine permutations `a * h + b mod 2**32` (odd `a`, drawn from numpy's `RandomState(seed)` exactly
as datasketch draws them); the signature is the minimum of each permutation over the shingles.
`tests/test_minhash.py` checks the equality with datasketch on the fixture texts.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

_EMPTY = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=4)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd, b), as uint32 arrays."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def hash32(values: list[bytes] | set[bytes]) -> np.ndarray:
    """The 32-bit SHA-1 prefix of each value (datasketch's `sha1_hash32`), as one uint32 array."""
    sha1 = hashlib.sha1
    return np.frombuffer(b"".join([sha1(v).digest()[:4] for v in values]), dtype="<u4").astype(np.uint32)


def signature(values: list[bytes] | set[bytes], num_perm: int, seed: int) -> np.ndarray:
    """The MinHash signature (uint32[num_perm]) of a set of byte strings; all 0xFFFFFFFF when empty."""
    a, b = permutations(num_perm, seed)
    if not values:
        return np.full(num_perm, _EMPTY, dtype=np.uint32)
    hv = _fmix32(hash32(values)).reshape(-1, 1)
    with np.errstate(over="ignore"):
        return (hv * a + b).min(axis=0)
