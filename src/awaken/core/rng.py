"""Seeded random streams keyed by (seed, *keys).

A stream depends only on its keys, never on chunking or on the number of workers.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _key_to_int(key: int | str) -> int:
    if isinstance(key, int) and key >= 0:
        return key
    digest = hashlib.blake2b(str(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def rng_stream(seed: int, *keys: int | str) -> np.random.Generator:
    """A generator for ``seed`` and a path of keys (e.g. person id, purpose)."""
    seq = np.random.SeedSequence(entropy=seed, spawn_key=tuple(_key_to_int(k) for k in keys))
    return np.random.Generator(np.random.PCG64(seq))
