"""Seeded random streams and ids drawn from them.

Each concern (people, web sessions, defects, delivery, ...) gets its own stream, so the draws of
one never shift another: changing the defect rate leaves the simulated world itself unchanged.
"""

from __future__ import annotations

import random

# The variant nibble of an RFC 4122 uuid is one of 8, 9, a, b.
VARIANT_NIBBLE = {f"{i:x}": "89ab"[i & 3] for i in range(16)}


def stream(seed: int, name: str) -> random.Random:
    """An independent generator for one concern of one run."""
    # A str seed is hashed with SHA-512 by random.seed (version 2): stable across processes and
    # Python builds, and unaffected by PYTHONHASHSEED.
    return random.Random(f"shoplog:{seed}:{name}")


def hex128(value: int) -> str:
    """32 lower-case hex digits; bytes.hex is about 3x faster than format(value, "032x")."""
    return value.to_bytes(16, "big").hex()


def uuid_like(rng: random.Random) -> str:
    """A uuid4-shaped id from the seeded generator (uuid.uuid4 would read the OS entropy)."""
    h = hex128(rng.getrandbits(128))
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{VARIANT_NIBBLE[h[16]]}{h[17:20]}-{h[20:]}"
