"""The audit sample: stratified by team, reproducible from a recorded seed. Pure.

Method (documented so an auditor can re-draw by hand): for each claim, its sort key is
HMAC-SHA256 with the seed (UTF-8) as key and the claim's id (its canonical lower-case text) as
message, in hex. Claims are grouped by their team (the stratum); within each stratum they are
ordered by sort key (then id), and the first ceil(percent x stratum size / 100) are drawn.
Rounding up in every stratum draws at least the percentage overall (a sum of ceilings is never
less than the ceiling of the sum) and every team with a claim is audited. The same seed over
the same claims gives the same draw, whatever order the claims are given in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Candidate:
    """A claim in the population drawn from."""

    claim_id: UUID
    stratum: UUID


@dataclass(frozen=True)
class Drawn:
    """A claim drawn, with its stratum, its rank there (from 1) and its sort key."""

    claim_id: UUID
    stratum: UUID
    rank: int
    sort_key: str


def sort_key(seed: str, claim_id: UUID) -> str:
    """The claim's keyed hash under the seed."""
    return hmac.new(seed.encode(), str(claim_id).encode(), hashlib.sha256).hexdigest()


def stratum_size(percent: int, population: int) -> int:
    """How many to draw from a stratum: the percentage, rounded up (in exact integers)."""
    return -(-percent * population // 100)


def draw(seed: str, percent: int, population: Iterable[Candidate]) -> list[Drawn]:
    """The sample, stratum by stratum (strata in id order), each in sort-key order."""
    strata: dict[UUID, list[Candidate]] = defaultdict(list)
    for candidate in population:
        strata[candidate.stratum].append(candidate)
    drawn: list[Drawn] = []
    for stratum in sorted(strata):
        keyed = sorted((sort_key(seed, c.claim_id), c.claim_id) for c in strata[stratum])
        for rank, (key, claim_id) in enumerate(keyed[: stratum_size(percent, len(keyed))], 1):
            drawn.append(Drawn(claim_id, stratum, rank, key))
    return drawn
