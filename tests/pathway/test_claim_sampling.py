"""The audit draw: stratified by team, rounded up, reproducible from its seed."""

from __future__ import annotations

import hashlib
import hmac
import random
import uuid

from pathway_api.claims.ledger.sampling import Candidate, draw, sort_key

TENTH = 10


def population(sizes: list[int]) -> list[Candidate]:
    teams = [uuid.uuid4() for _ in sizes]
    return [
        Candidate(uuid.uuid4(), team)
        for team, size in zip(teams, sizes, strict=True)
        for _ in range(size)
    ]


def test_at_a_tenth_of_95_claimed_families_at_least_10_are_drawn() -> None:
    # One team, and 95 spread across teams: never fewer than ceil(9.5) = 10.
    assert len(draw("seed-one", TENTH, population([95]))) == 10
    spread = draw("seed-two", TENTH, population([40, 30, 20, 5]))
    assert len(spread) >= 10
    assert len(spread) == 4 + 3 + 2 + 1


def test_every_team_is_a_stratum_rounded_up() -> None:
    claims = population([1, 11, 3])
    drawn = draw("strata", TENTH, claims)
    per_team: dict[uuid.UUID, int] = {}
    for item in drawn:
        per_team[item.stratum] = per_team.get(item.stratum, 0) + 1
    sizes = {c.stratum for c in claims}
    assert set(per_team) == sizes
    assert sorted(per_team.values()) == [1, 1, 2]


def test_the_same_seed_draws_the_same_claims_whatever_their_order() -> None:
    claims = population([30, 25])
    first = draw("a-recorded-seed", 20, claims)
    shuffled = claims[:]
    random.Random(7).shuffle(shuffled)
    assert draw("a-recorded-seed", 20, shuffled) == first
    assert {d.claim_id for d in draw("another-seed", 20, claims)} != {d.claim_id for d in first}


def test_the_sort_key_is_the_documented_keyed_hash() -> None:
    claim_id = uuid.uuid4()
    expected = hmac.new(b"seed", str(claim_id).encode(), hashlib.sha256).hexdigest()
    assert sort_key("seed", claim_id) == expected
    [only] = draw("seed", TENTH, [Candidate(claim_id, uuid.uuid4())])
    assert (only.claim_id, only.rank, only.sort_key) == (claim_id, 1, expected)


def test_within_a_stratum_the_lowest_keys_are_drawn() -> None:
    claims = population([20])
    drawn = draw("lowest", 25, claims)
    keys = sorted(sort_key("lowest", c.claim_id) for c in claims)
    assert [d.sort_key for d in drawn] == keys[:5]
    assert [d.rank for d in drawn] == list(range(1, 6))
