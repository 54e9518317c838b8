"""Deterministic, hash-based sampling: the one rule behind every "a share of the records".

A record's place in a sample depends only on the keys given (a namespace, a run or rule-set
version, the record id), so a re-run picks exactly the same records and nothing new.
"""

from __future__ import annotations

import hashlib


def stable_fraction(*keys: object) -> float:
    """A number in [0, 1) fixed by `keys`: the first 8 bytes of sha256("k1:k2:...")."""
    digest = hashlib.sha256(":".join(str(k) for k in keys).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_sample(rate: float, *keys: object) -> bool:
    """Whether the item named by `keys` falls in a sample of share `rate`."""
    return rate > 0 and stable_fraction(*keys) < rate
