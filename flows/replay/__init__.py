"""Replay: every derived relation dropped and rebuilt from the raw log must come back identical."""

from flows.replay.checksums import TableFingerprint, fingerprint, fingerprints
from flows.replay.relations import derived_relations, drop_relations

__all__ = [
    "TableFingerprint",
    "derived_relations",
    "drop_relations",
    "fingerprint",
    "fingerprints",
]
