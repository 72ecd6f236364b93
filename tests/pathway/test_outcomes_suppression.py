"""Small-cell suppression, as properties over any council of localities and teams."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pathway_api.outcomes.suppression import (
    COUNCIL,
    Hierarchy,
    locality_key,
    suppress,
    team_key,
)

MINIMUM = 5

councils = st.lists(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5),
    min_size=1,
    max_size=5,
)


def build(localities: list[list[int]]) -> tuple[dict[str, int], Hierarchy]:
    teams: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    for index, counts in enumerate(localities):
        names = [f"t{index}_{n}" for n in range(len(counts))]
        teams.update(zip(names, counts, strict=True))
        members[f"l{index}"] = names
    return teams, Hierarchy(members)


@settings(max_examples=400, deadline=None)
@given(councils)
def test_no_small_cell_is_shown_or_can_be_worked_out(localities: list[list[int]]) -> None:
    teams, hierarchy = build(localities)
    table = suppress(teams, hierarchy, MINIMUM)
    values = {team_key(t): n for t, n in teams.items()}
    values.update({locality_key(code): n for code, n in table.localities.items()})
    values[COUNCIL] = table.council
    for key, value in values.items():
        if table.shown(key):
            assert value >= MINIMUM, key
    # Under a shown total, what is withheld is either nothing or at least two cells adding up
    # to at least the minimum, so subtraction gives no single small cell away.
    groups = [
        (locality_key(code), [team_key(t) for t in names])
        for code, names in hierarchy.localities.items()
    ]
    groups.append((COUNCIL, [locality_key(code) for code in hierarchy.localities]))
    for parent, children in groups:
        if not table.shown(parent):
            continue
        hidden = [c for c in children if not table.shown(c)]
        assert not hidden or (len(hidden) >= 2 and sum(values[c] for c in hidden) >= MINIMUM), (
            parent,
            hidden,
        )
    # A withheld locality never has all its teams shown (their sum would be it).
    for code, names in hierarchy.localities.items():
        if not table.shown(locality_key(code)):
            assert any(not table.shown(team_key(t)) for t in names), code


def test_nothing_more_is_withheld_than_needed() -> None:
    teams, hierarchy = build([[12, 9], [20, 7, 6]])
    table = suppress(teams, hierarchy, MINIMUM)
    assert table.withheld == frozenset()
    teams, hierarchy = build([[12, 3, 9], [20, 7]])
    table = suppress(teams, hierarchy, MINIMUM)
    # The 3 is withheld, and the smallest other team of its locality with it.
    assert table.withheld == {team_key("t0_1"), team_key("t0_2")}
