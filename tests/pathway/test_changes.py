"""The pathway's change feed: ordered, resumable, as the caller may see it, with tombstones; a
partner agency reads the assessment and plan only while the family's consent to share holds."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx

from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import (
    Family,
    assessment_body,
    consent_body,
    early_help_family,
    move,
    post_ok,
    target_body,
)
from tests.projection.factories import allocation_snapshot, announce
from tests.support.change_feed import ids_of, keys, read_all, read_text
from tests.workbook.factories import principal, system_principal


def marker(label: str) -> str:
    return f"ehfeed{label}{uuid.uuid4().hex[:10]}"


async def assessed(client: httpx.AsyncClient, family: Family, as_: Headers, summary: str) -> str:
    """Consent (without sharing with partners), an assessment with `summary`; its id."""
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    await post_ok(
        client, family.path("/consents"), consent_body(family, "assessment", "plan"), lead
    )
    await move(client, family, as_, "assessment")
    body = {**assessment_body("education"), "summary": summary}
    return str((await post_ok(client, family.path("/assessments"), body, lead))["id"])


async def test_first_read_has_early_help_whole_then_only_what_changed(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    assessment = await assessed(client, family, as_, "Whole-family assessment.")
    lead = as_(family.lead)

    items, cursor = await read_all(client, lead)
    assert ids_of(items, "involvement") == [family.case_id]
    involvement = items[[i["id"] for i in items].index(family.case_id)]
    assert involvement["involvement"]["stage"] == "assessment"
    assert [c["scopes"] for c in involvement["consents"]] == [["assessment", "plan"]]
    assert {m["practitioner_id"] for m in involvement["team"]["members"]} == {
        str(family.lead.practitioner_id),
        str(family.taf_member.practitioner_id),
    }
    assert ids_of(items, "assessment") == [assessment]

    await move(client, family, as_, "plan")
    target = await post_ok(client, family.path("/plan/targets"), target_body("education"), lead)
    later, after = await read_all(client, lead, cursor)
    assert keys(later) == [
        ("involvement", family.case_id, "upsert"),
        ("plan_target", target["id"], "upsert"),
    ]
    assert later[0]["involvement"]["stage"] == "plan"
    again, _ = await read_all(client, lead, cursor)  # the same cursor: the same page
    assert again == later
    # In pages of one, a move (its stage and its history, two writes) may come twice.
    paged, _ = await read_all(client, lead, cursor, limit=1)
    assert list(dict.fromkeys(keys(paged))) == keys(later)
    quiet, _ = await read_all(client, lead, after)
    assert quiet == []


async def test_a_partner_reads_the_assessment_only_while_the_family_shares_it(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    secret = marker("assessment")
    assessment = await assessed(client, family, as_, secret)
    partner = as_(family.taf_member)

    items, cursor = await read_all(client, partner)
    assert ids_of(items, "involvement") == [family.case_id]
    assert secret not in str(items)
    for reader in (family.lead, family.manager, family.auditor):  # the probe: they read it
        text, _ = await read_text(client, as_(reader))
        assert secret in text

    shared = await post_ok(
        client,
        family.path("/consents"),
        consent_body(family, "information_sharing"),
        as_(family.lead),
    )
    items, cursor = await read_all(client, partner, cursor)
    assert keys(items)[0] == ("case", family.case_id, "tombstone")
    assert assessment in ids_of(items, "assessment")
    assert secret in str(items)

    withdrawal = {"withdrawn_on": date.today().isoformat(), "reason": "Mother asked to stop"}
    await post_ok(
        client,
        family.path(f"/consents/{shared['id']}/withdraw"),
        withdrawal,
        as_(family.lead),
    )
    items, _ = await read_all(client, partner, cursor)
    assert keys(items)[0] == ("case", family.case_id, "tombstone")
    assert ids_of(items, "involvement") == [family.case_id]  # sent again, as now visible
    assert secret not in str(items)


async def test_nobody_outside_the_case_reads_it(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    secret = marker("outside")
    await assessed(client, family, as_, secret)
    for outsider in (family.unallocated, family.other_team):
        text, _ = await read_text(client, as_(outsider))
        assert family.case_id not in text
        assert secret not in text


async def test_deallocation_tombstones_the_case_and_nothing_after_reaches_the_leaver(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    leaver = principal(discipline="school_nurse", teams=(family.team_id,))
    leaving = allocation_snapshot(family.case, leaver.practitioner_id, discipline="school_nurse")
    await announce(client, leaving)
    before = marker("before")
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    await post_ok(client, family.path("/consents"), consent_body(family), lead)
    await move(client, family, as_, "assessment")
    body = {**assessment_body("education"), "summary": before}
    await post_ok(client, family.path("/assessments"), body, lead)
    seen, cursor = await read_text(client, as_(leaver))
    assert before in seen  # shared with partners: the probe reaches them

    await announce(client, leaving.model_copy(update={"ends_at": datetime.now(UTC), "version": 2}))
    after = marker("after")
    await post_ok(
        client, family.path("/assessments"), {**assessment_body("health"), "summary": after}, lead
    )
    items, _ = await read_all(client, as_(leaver), cursor)
    assert keys(items) == [("case", family.case_id, "tombstone")]
    fresh, _ = await read_text(client, as_(leaver))
    assert before not in fresh
    assert after not in fresh
    kept, _ = await read_text(client, as_(family.taf_member))
    assert after in kept


async def test_the_system_of_record_sees_every_case(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    system = as_(system_principal())
    _, cursor = await read_all(client, system)
    family = await early_help_family(client, record)
    assessment = await assessed(client, family, as_, "Seen by the system of record.")
    items, _ = await read_all(client, system, cursor)
    assert family.case_id in ids_of(items, "involvement")
    assert assessment in ids_of(items, "assessment")


async def test_roles_credentials_and_cursors(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    assert (await client.get("/changes")).status_code == 401
    for role in ("administrator", "dpo"):
        refused = await client.get(
            "/changes", headers=as_(principal(discipline="business_support", roles=(role,)))
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    family = await early_help_family(client, record)
    assert (await client.get("/changes", headers=as_(family.auditor))).status_code == 200
    _, cursor = await read_all(client, as_(family.lead))
    stolen = await client.get("/changes", params={"cursor": cursor}, headers=as_(family.manager))
    assert stolen.status_code == 410
    garbled = await client.get("/changes", params={"cursor": "x"}, headers=as_(family.manager))
    assert garbled.status_code == 400


async def test_a_new_member_of_the_team_around_the_family_sends_the_involvement_again(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    await move(client, family, as_, "consent")
    _, cursor = await read_all(client, as_(family.manager))
    joining = principal(discipline="school_nurse", teams=(family.team_id,))
    await announce(
        client,
        allocation_snapshot(family.case, joining.practitioner_id, discipline="school_nurse"),
    )
    items, _ = await read_all(client, as_(family.manager), cursor)
    assert keys(items) == [("involvement", family.case_id, "upsert")]
    members = {m["practitioner_id"] for m in items[0]["team"]["members"]}
    assert str(joining.practitioner_id) in members
