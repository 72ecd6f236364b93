"""Figures counted from the pathway's records and from returns, against hand counts.

Each test makes teams of its own (the database is shared across the package), so it can
count every family of its teams by hand.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from services.principal import Principal
from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import problem
from tests.pathway.outcomes_factories import (
    ADMIN,
    COUNCIL,
    Team,
    assessed_family,
    csv_of,
    family_safeguarding_families,
    last_cell,
    level,
    new_team,
    own_locality,
    partner_in_team,
    reviewed_family,
    series,
    this_month,
)

pytestmark = pytest.mark.usefixtures("outcome_defaults")


async def figures_of(
    client: httpx.AsyncClient, as_: Headers, who: Principal, **params: str
) -> dict[str, Any]:
    response = await client.get(
        "/outcomes/figures", params={"from": this_month(), **params}, headers=as_(who)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def seven_assessed_families(client: httpx.AsyncClient, record: Record, as_: Headers) -> Team:
    """Five families with needs in three areas, one in domestic abuse only, one substance use."""
    team = await new_team(client, record)
    for _ in range(5):
        await assessed_family(client, team, as_, "domestic_abuse", "housing", "education")
    await assessed_family(client, team, as_, "domestic_abuse")
    await assessed_family(client, team, as_, "substance_use")
    await own_locality(client, as_, team)
    return team


async def test_computed_measures_count_families_by_hand(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    team = await seven_assessed_families(client, record, as_)
    await family_safeguarding_families(client, team, 5)
    figures = await figures_of(client, as_, team.manager)
    assert figures["scope"] == "teams"
    assert [s["key"] for s in figures["measures"][0]["series"]] == [str(team.id)]
    key = str(team.id)
    expected = {
        "domestic_abuse": ("shown", 6),
        "homelessness": ("shown", 5),
        "troubled_families": ("shown", 5),
        "child_protection": ("shown", 5),
        # Below five families: withheld, and a zero is withheld too.
        "substance_misuse": ("suppressed", None),
        "poverty": ("suppressed", None),
        "children_in_need": ("suppressed", None),
    }
    for measure, (status, value) in expected.items():
        cell = last_cell(figures, measure, key)
        assert (cell["status"], cell["value"]) == (status, value), (measure, cell)
        if status == "shown":
            assert cell["source"].startswith("Counted from the pathway's records"), cell
        else:
            assert cell["source"] is None
    # Months before the cases opened counted nobody: withheld, never a zero shown.
    first = series(figures, "domestic_abuse", key)
    assert first["cells"][-1]["month"] == this_month()
    # No return received: no figure, and no source.
    assert last_cell(figures, "sen_attainment_gap", key) == {
        "month": this_month(),
        "value": None,
        "status": "no_data",
        "source": None,
    }


def previous_month() -> str:
    today = date.today().replace(day=1)
    index = today.year * 12 + today.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def test_a_return_with_bad_rows_names_each_and_stores_nothing(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    team = await seven_assessed_families(client, record, as_)
    elsewhere = await seven_assessed_families(client, record, as_)
    families = team.families
    lines = [
        (families[0], 3),
        ("not-a-family", 1),
        (families[1], "two"),
        (families[0], 1),
        (elsewhere.families[0], 1),
        (uuid.uuid4(), 1),
    ]
    body = {
        "dataset": "teenage_pregnancy",
        "period": this_month(),
        "source": "Health return",
        "csv": csv_of(lines),
    }
    response = await client.post("/outcomes/imports", json=body, headers=as_(team.manager))
    errors = problem(response, 422)["errors"]
    assert [e["location"] for e in errors] == [
        ["body", "csv", "row 3", "family_id"],
        ["body", "csv", "row 4", "value"],
        ["body", "csv", "row 5", "family_id"],
    ]
    # The well-formed lines are then checked against the manager's teams: another team's family
    # and an unknown one get the same fault.
    body["csv"] = csv_of(
        [(families[0], 3), (elsewhere.families[0], 1), (uuid.uuid4(), 1), (families[1], 1)]
    )
    errors = problem(
        await client.post("/outcomes/imports", json=body, headers=as_(team.manager)), 422
    )["errors"]
    assert [e["location"][2] for e in errors] == ["row 3", "row 4"]
    assert errors[0]["message"] == errors[1]["message"]
    for bad in ({"csv": "family,count\n"}, {"csv": "family_id,value\n"}, {"dataset": "weather"}):
        problem(
            await client.post("/outcomes/imports", json=body | bad, headers=as_(team.manager)), 422
        )
    figures = await figures_of(client, as_, team.manager)
    assert last_cell(figures, "teenage_pregnancy", str(team.id))["status"] == "no_data"
    # A sound return of three lines: stored, and its own answer withholds the small count.
    body["csv"] = csv_of([(f, 1) for f in families[:3]])
    response = await client.post("/outcomes/imports", json=body, headers=as_(team.manager))
    assert response.status_code == 201, response.text
    assert response.json()["rows"] is None
    figures = await figures_of(client, as_, team.manager)
    assert last_cell(figures, "teenage_pregnancy", str(team.id))["status"] == "suppressed"


async def test_returns_give_figures_with_their_source_and_a_trend(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    team = await seven_assessed_families(client, record, as_)
    families = team.families
    earlier = {
        "dataset": "school_absence",
        "period": previous_month(),
        "source": "Schools' attendance return",
        # Seven families matched, one of them with no absence: six counted.
        "csv": csv_of([(f, 4) for f in families[:6]] + [(families[6], 0)]),
    }
    response = await client.post("/outcomes/imports", json=earlier, headers=as_(team.manager))
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["rows"] == 7
    assert stored["teams"] == [str(team.id)]
    later = earlier | {
        "period": this_month(),
        "csv": csv_of([(f, 2) for f in families[:5]] + [(f, 0) for f in families[5:]]),
    }
    assert (
        await client.post("/outcomes/imports", json=later, headers=as_(team.manager))
    ).status_code == 201
    figures = await figures_of(client, as_, team.manager, **{"from": previous_month()})
    row = series(figures, "school_absence", str(team.id))
    assert [(c["month"], c["value"]) for c in row["cells"]] == [
        (previous_month(), 6),
        (this_month(), 5),
    ]
    assert all("Schools' attendance return" in c["source"] for c in row["cells"])
    assert row["trend"] == {
        "from_month": previous_month(),
        "to_month": this_month(),
        "change": -1,
        "better": True,
    }
    # A month's newer return replaces the older for the teams it covers.
    fewer = later | {"csv": csv_of([(f, 1) for f in families[:3]])}
    assert (
        await client.post("/outcomes/imports", json=fewer, headers=as_(team.manager))
    ).status_code == 201
    figures = await figures_of(client, as_, team.manager)
    assert last_cell(figures, "school_absence", str(team.id))["status"] == "suppressed"


async def test_a_team_withheld_is_not_given_away_by_its_locality(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    big = await seven_assessed_families(client, record, as_)  # six families with domestic abuse
    small = await new_team(client, record)
    for _ in range(2):
        await assessed_family(client, small, as_, "domestic_abuse")
    code = await own_locality(client, as_, big, small)
    figures = await figures_of(client, as_, COUNCIL)
    assert figures["scope"] == "council"
    # The small team (2) is withheld; the locality's 8 would give it away next to the big
    # team's 6, so the big team is withheld too.
    assert last_cell(figures, "domestic_abuse", str(small.id))["status"] == "suppressed"
    assert last_cell(figures, "domestic_abuse", str(big.id))["status"] == "suppressed"
    locality = last_cell(figures, "domestic_abuse", code)
    assert (locality["status"], locality["value"]) == ("shown", 8)
    # The big team's manager sees the same cell withheld: suppression is decided for everyone.
    mine = await figures_of(client, as_, big.manager)
    assert last_cell(mine, "domestic_abuse", str(big.id))["status"] == "suppressed"
    # Housing: five families in the big team, none in the small: both withheld (a zero is
    # withheld, and one withheld cell would show through the locality's total).
    assert last_cell(figures, "homelessness", str(big.id))["status"] == "suppressed"
    assert last_cell(figures, "homelessness", code)["status"] == "shown"
    council = last_cell(figures, "domestic_abuse", "council")
    assert council["status"] in ("shown", "suppressed")


async def test_reviews_partners_and_levels_are_counted_by_hand(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    team = await new_team(client, record)
    # Six reviews today: five found a health target achieved, four found needs met.
    cases = [
        await reviewed_family(client, team, as_, achieved=n < 5, needs_met=n < 4) for n in range(6)
    ]
    # Five families with a partner agency in their Team Around the Family.
    for case in cases[:5]:
        await partner_in_team(client, team, as_, case)
    # Five families at the specialist (statutory) level, one stepped back down to targeted.
    for case in cases:
        await level(client, team, as_, case, "specialist")
    await level(client, team, as_, cases[5], "targeted")
    await own_locality(client, as_, team)
    figures = await figures_of(client, as_, team.manager)
    key = str(team.id)
    got = {
        measure: (
            last_cell(figures, measure, key)["status"],
            last_cell(figures, measure, key)["value"],
        )
        for measure in ("health", "universal_access", "partner_engagement", "children_in_need")
    }
    assert got == {
        "health": ("shown", 5),
        "universal_access": ("suppressed", None),
        "partner_engagement": ("shown", 5),
        "children_in_need": ("shown", 5),
    }


async def test_the_smallest_count_shown_is_a_setting(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    team = await new_team(client, record)
    for _ in range(3):
        await assessed_family(client, team, as_, "domestic_abuse")
    await own_locality(client, as_, team)
    key = str(team.id)
    assert (
        last_cell(await figures_of(client, as_, team.manager), "domestic_abuse", key)["status"]
        == "suppressed"
    )
    settings = (await client.get("/outcomes/settings", headers=as_(ADMIN))).json()
    lowered = {
        "minimum_cell_count": 3,
        "localities": settings["localities"],
        "note": "Three, for the test",
    }
    assert (
        await client.post("/outcomes/settings", json=lowered, headers=as_(ADMIN))
    ).status_code == 201
    try:
        figures = await figures_of(client, as_, team.manager)
        assert figures["minimum_cell_count"] == 3
        cell = last_cell(figures, "domestic_abuse", key)
        assert (cell["status"], cell["value"]) == ("shown", 3)
    finally:
        restored = lowered | {"minimum_cell_count": settings["minimum_cell_count"]}
        restored["note"] = "Back to the council's minimum"
        response = await client.post("/outcomes/settings", json=restored, headers=as_(ADMIN))
        assert response.status_code == 201, response.text
