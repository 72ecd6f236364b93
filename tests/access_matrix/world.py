"""The read-only world: records carrying markers, built once through the real API.

Reads are replayed against it; no write ever targets it (writes get scratch copies, see
scratch.py), so what each persona may see stays what the audiences in personas.py say.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import insert, literal_column
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.event_contracts import DIRECTORY_PRACTITIONER_CHANGED, PractitionerSnapshot
from services.outbox import publish
from services.registry import BACKENDS, WORKBOOK, Unit
from services.webhooks.dispatch import subscriber_key
from tests.access_matrix import claims
from tests.access_matrix import personas as p
from tests.access_matrix.assessments import SIGNED_OFF, assessment
from tests.access_matrix.early_help import (
    add_contact,
    announce_case,
    give_consent,
    request_step_up,
)
from tests.access_matrix.markers import Markers
from tests.access_matrix.stack import Directory, Stack, relay_case_events
from tests.support.events import cloud_event, deliver
from tests.workbook.factories import random_nhs_number
from workbook_api.chronology.service import record_external_event
from workbook_api.disciplines.config import (
    BoolField,
    ChoiceField,
    DateField,
    MultiChoiceField,
    NumberField,
    RecordingConfig,
    TextField,
)


def ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    """The body of a fixture request that must succeed; the problem otherwise."""
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    return body


CHILD_A_BORN = "2019-05-04"
KEYED_TYPES = ("family", "person", "case", "allocation")


def hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat()


def session_fields(
    config: RecordingConfig, discipline: str, restricted_text: str
) -> dict[str, Any]:
    """Values for a discipline's required session fields, and `restricted_text` in its first
    restricted text field."""
    specs = config.session_fields(discipline)
    assert specs is not None, discipline
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        if isinstance(spec, TextField) and spec.restricted and restricted_text:
            values[name] = restricted_text
            restricted_text = ""
        elif not spec.required:
            continue
        elif isinstance(spec, ChoiceField):
            values[name] = spec.choices[0]
        elif isinstance(spec, MultiChoiceField):
            values[name] = spec.choices[:1]
        elif isinstance(spec, BoolField):
            values[name] = True
        elif isinstance(spec, NumberField):
            values[name] = int(spec.minimum or 0)
        elif isinstance(spec, DateField):
            values[name] = datetime.now(UTC).date().isoformat()
        else:
            values[name] = "Attended and engaged."
    return values


@dataclass
class World:
    """The records reads are replayed against, with the markers they carry."""

    directory: Directory
    markers: Markers
    config: RecordingConfig
    family_a: str = ""
    case_a: str = ""
    child_a: str = ""
    parent_a: str = ""
    relationship_a: str = ""
    allocation_a: str = ""
    grant_a: str = ""
    entries: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)
    family_b: str = ""
    case_b: str = ""
    child_a_nhs: str = ""
    # The system of record's keys of family A, its child, case A and an allocation on it.
    keys: dict[str, str] = field(default_factory=dict)
    review_a: str = ""
    import_a: str = ""
    # Each persona's discipline, as the directory holds it.
    disciplines: dict[str, str] = field(default_factory=dict)
    # A webhook subscription of each unit, and a (dead) delivery of it, by unit name.
    subscriptions: dict[str, str] = field(default_factory=dict)
    deliveries: dict[str, str] = field(default_factory=dict)
    # The intervention unit's records on case A (tests/access_matrix/interventions.py).
    interventions: dict[str, str] = field(default_factory=dict)
    # A signed-off parenting assessment of case A (intervention).
    assessment_a: str = ""
    # Supervision: case A's meeting and an action on it, the social worker's calendar feed.
    supervision_meeting_a: str = ""
    supervision_feed: str = ""
    supervision_action_a: str = ""
    supervision_proposal_a: str = ""
    # --- pathway: family A's early help case, a consent on it and a TAF contact ---
    early_help_a: str = ""
    consent_a: str = ""
    contact_a: str = ""
    transfer_a: str = ""
    # Subject access: a request about family A's child and its bundled export (the DPO's).
    subject_access: dict[str, str] = field(default_factory=dict)
    # --- claims: a team A family's claim, drawn for audit, and its batch ---
    claim_a: str = ""
    claim_batch_a: str = ""

    @property
    def specialist_discipline(self) -> str:
        return self.disciplines[p.SPECIALIST]

    def team(self, letter: str) -> UUID:
        return self.directory.team_ids[letter]


def member(role: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    """A family member body."""
    return {"role": role, "given_name": given, "family_name": family, **extra}


async def post(
    stack: Stack,
    persona: str,
    path: str,
    body: dict[str, Any],
    *,
    if_match: str | None = None,
    status: int = 201,
    unit: Unit = WORKBOOK,
) -> dict[str, Any]:
    """POST as a persona (to the workbook unless told otherwise); the request must succeed."""
    headers = {"If-Match": if_match} if if_match else None
    return ok(await stack.call(persona, unit, "POST", path, json=body, headers=headers), status)


async def build_world(
    stack: Stack,
    directory: Directory,
    markers: Markers,
    config: RecordingConfig,
    disciplines: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> World:
    """Record families A and B with everything restricted that the matrix looks for."""
    m = markers
    world = World(directory, markers, config, disciplines=disciplines)
    world.child_a_nhs = random_nhs_number()
    child = member(
        "child",
        f"Child {m.family_a.text}",
        m.family_a.text,
        date_of_birth=CHILD_A_BORN,
        identifiers=[{"system": "nhs_number", "value": world.child_a_nhs}],
    )
    parent = member("parent", f"Parent {m.family_a.text}", m.family_a.text)
    world.family_a, world.child_a, world.parent_a = await register_family(
        stack, world, p.TEAM_A, f"Family {m.family_a.text}", [child, parent]
    )
    world.relationship_a = await relate(stack, world.family_a, world.parent_a, world.child_a)
    world.case_a = await open_case_a(stack, world, world.family_a)
    world.allocation_a = await allocate_case_a(stack, world, world.case_a)
    world.grant_a = (
        await post(
            stack,
            p.BREAK_GLASS,
            f"/cases/{world.case_a}/break-glass",
            {"justification": f"Out-of-hours call {m.justification.text}", "duration_minutes": 240},
        )
    )["id"]
    await record_case_a(stack, world)
    await record_early_help_a(stack, world)
    await record_claim_a(stack, world)
    await record_family_b(stack, world)
    for unit in BACKENDS:
        world.subscriptions[unit.name] = await subscribe(stack, unit)
        world.deliveries[unit.name] = await probe_delivery(
            stack, unit, world.subscriptions[unit.name]
        )
    async with sessions() as session, session.begin():
        for case_id, marker in ((world.case_a, m.case_a), (world.case_b, m.case_b)):
            await record_external_event(
                session,
                UUID(case_id),
                "supervision",
                "gcs.decision",
                datetime.now(UTC) - timedelta(hours=3),
                f"Decision {marker.text}",
                f"Rationale {marker.text}",
                f"matrix-{uuid.uuid4()}",
            )
    await record_system_of_record(stack, world)
    # Intervention: case A as the workbook's events tell it, and an assessment of it.
    await relay_case_events(stack)
    world.assessment_a = await assessment(stack, world.case_a, SIGNED_OFF)
    # Imported here: the subject access helpers post through this module's helpers.
    from tests.access_matrix.subject_access import world_records

    world.subject_access = await world_records(stack, world.child_a)
    return world


async def put(
    stack: Stack, persona: str, path: str, body: dict[str, Any], status: int
) -> dict[str, Any]:
    """PUT to the workbook as a persona; the request must answer `status`."""
    return ok(await stack.call(persona, WORKBOOK, "PUT", path, json=body), status)


async def announce_bystander(stack: Stack, discipline: str = "family_support_worker") -> str:
    """A practitioner who is none of the personas, told to the workbook as the directory's
    relay tells it (a signed snapshot to its inbox)."""
    worker = uuid.uuid4()
    snapshot = PractitionerSnapshot(
        practitioner_id=worker,
        display_name="Scratch worker",
        discipline=discipline,
        roles=["practitioner"],
        active=True,
        version=1,
    )
    event = cloud_event(DIRECTORY_PRACTITIONER_CHANGED, snapshot.model_dump(mode="json"))
    delivered = await deliver(stack.clients[WORKBOOK.name], event)
    assert delivered.status_code == 204, delivered.text
    return str(worker)


async def open_early_help_case_a(stack: Stack, world: World, family_id: str) -> str:
    """Open a team A early help case for a family with case A's allocations; tell the pathway."""
    body = {
        "family_id": family_id,
        "owning_team_id": str(world.team(p.TEAM_A)),
        "reason": "Early help assessment agreed with the family",
        "kind": "early_help",
    }
    case_id = str((await post(stack, p.TEAM_MANAGER, "/cases", body))["id"])
    await allocate_case_a(stack, world, case_id)
    await announce_case(stack, case_id)
    return case_id


async def record_early_help_a(stack: Stack, world: World) -> None:
    """Family A's early help case (beside case A), with a consent and a TAF contact."""
    world.early_help_a = await open_early_help_case_a(stack, world, world.family_a)
    world.consent_a = await give_consent(stack, world.early_help_a, world.parent_a)
    world.contact_a = await add_contact(stack, world.early_help_a)
    team_a = str(world.team(p.TEAM_A))
    world.transfer_a = await request_step_up(stack, world.early_help_a, team_a, meeting=False)


async def record_claim_a(stack: Stack, world: World) -> None:
    """A team A family ready to claim for, claimed, and drawn for audit."""
    people = [member("parent", "Claimed", "Parent"), member("child", "Claimed", "Child")]
    family_id, parent, _ = await register_family(stack, world, p.TEAM_A, "Claimed family", people)
    case_id = await open_early_help_case_a(stack, world, family_id)
    case_id = await claims.make_ready(stack, case_id, parent)
    world.claim_a, world.claim_batch_a = await claims.sampled_claim(stack, case_id)


async def record_system_of_record(stack: Stack, world: World) -> None:
    """Family A, its child, case A and an allocation known by the system of record's keys; a
    person match about family A waiting for review; an import."""
    m, sor, system = world.markers, p.SYSTEM_OF_RECORD, "mosaic"
    keys = world.keys
    keys.update({kind: f"MTX{kind[0].upper()}{uuid.uuid4().hex[:12]}" for kind in KEYED_TYPES})
    await put(
        stack,
        sor,
        f"/families/{world.family_a}/external-ids/{system}",
        {"value": keys["family"]},
        201,
    )
    await put(
        stack, sor, f"/cases/{world.case_a}/external-ids/{system}", {"value": keys["case"]}, 201
    )
    child = {
        "family_external_id": keys["family"],
        "role": "child",
        "given_name": f"Child {m.family_a.text}",
        "family_name": m.family_a.text,
        "date_of_birth": CHILD_A_BORN,
        "nhs_number": world.child_a_nhs,
    }
    linked = await put(stack, sor, f"/people/by-external-id/{system}/{keys['person']}", child, 200)
    assert linked["id"] == world.child_a, linked
    allocation = {
        "case_external_id": keys["case"],
        "practitioner_id": await announce_bystander(stack),
        "discipline": "family_support_worker",
        "starts_at": hour_ago(),
    }
    path = f"/allocations/by-external-id/{system}/{keys['allocation']}"
    await put(stack, sor, path, allocation, 201)
    # The same NHS number, another birth date and another key: a manager must decide.
    doubtful = {**child, "date_of_birth": "2019-05-05"}
    path = f"/people/by-external-id/{system}/MTXR{uuid.uuid4().hex[:12]}"
    world.review_a = (await put(stack, sor, path, doubtful, 202))["id"]
    extract = f"fami_family_id,family_name,owning_team_id\nMTXI{uuid.uuid4().hex[:12]},Import"
    response = await stack.call(
        sor,
        WORKBOOK,
        "POST",
        "/imports",
        params={"kind": "families", "system": system, "dry_run": "true"},
        headers={"Content-Type": "text/csv"},
        content=f"{extract},{world.team(p.TEAM_A)}\n".encode(),
    )
    world.import_a = ok(response, 202)["id"]


async def register_family(
    stack: Stack, world: World, team: str, name: str, members: list[dict[str, Any]]
) -> tuple[str, str, str]:
    """Register a family for team A or B as its manager: its id and first two members' ids."""
    manager = p.TEAM_MANAGER if team == p.TEAM_A else p.OTHER_TEAM_MANAGER
    body = {"name": name, "owning_team_id": str(world.team(team)), "members": members}
    family = await post(stack, manager, "/families", body)
    first, second = (str(m["id"]) for m in family["members"][:2])
    return str(family["id"]), first, second


async def relate(stack: Stack, family_id: str, parent: str, child: str) -> str:
    """Record that a parent is parent of a child, as team A's manager."""
    body = {"person_id": parent, "related_person_id": child, "type": "parent_of"}
    path = f"/families/{family_id}/relationships"
    return str((await post(stack, p.TEAM_MANAGER, path, body))["id"])


async def open_case(stack: Stack, world: World, team: str, family_id: str) -> str:
    """Open a case for a family, as the manager of team A or B."""
    manager = p.TEAM_MANAGER if team == p.TEAM_A else p.OTHER_TEAM_MANAGER
    body = {
        "family_id": family_id,
        "owning_team_id": str(world.team(team)),
        "reason": "Referral accepted at strategy discussion",
    }
    return str((await post(stack, manager, "/cases", body))["id"])


async def open_case_a(stack: Stack, world: World, family_id: str) -> str:
    """Open a team A case for a family."""
    return await open_case(stack, world, p.TEAM_A, family_id)


async def allocate(stack: Stack, manager: str, case_id: str, name: str, *, lead: bool) -> str:
    """Allocate a persona to a case in their own discipline (`lead`: as the social worker)."""
    principal = stack.principals[name]
    body = {
        "practitioner_id": str(principal.practitioner_id),
        "practitioner_name": principal.display_name,
        "discipline": principal.discipline,
        "is_allocated_social_worker": lead,
    }
    return str((await post(stack, manager, f"/cases/{case_id}/allocations", body))["id"])


async def allocate_case_a(stack: Stack, world: World, case_id: str) -> str:
    """Allocate the case A workers; return the social worker's allocation id."""
    ids = [
        await allocate(stack, p.TEAM_MANAGER, case_id, name, lead=name == p.SOCIAL_WORKER)
        for name in p.ALLOCATED_ON_CASE_A
    ]
    return ids[0]


async def entry(
    stack: Stack, persona: str, case_id: str, *, finalise: bool = True, **content: Any
) -> dict[str, Any]:
    """Record a significant entry (a home visit unless told otherwise)."""
    body = {"entry_type": "home_visit", "event_at": hour_ago(), "significant": True, **content}
    return await post(stack, persona, f"/cases/{case_id}/entries", {**body, "finalise": finalise})


async def amend(
    stack: Stack, persona: str, case_id: str, made: dict[str, Any], **change: Any
) -> None:
    """Amend a final entry with a reason."""
    path = f"/cases/{case_id}/entries/{made['id']}/amendments"
    await post(stack, persona, path, change, if_match=made["etag"], status=200)


async def record_case_a(stack: Stack, world: World) -> None:
    """Every kind of record on case A, each marked for its audience."""
    m, case, entries = world.markers, world.case_a, world.entries
    standard = await entry(stack, p.SOCIAL_WORKER, case, narrative=f"Seen {m.case_a.text}")
    entries["standard"] = standard["id"]
    restricted = await entry(
        stack,
        p.SPECIALIST,
        case,
        sensitivity="restricted",
        narrative=f"Relapse disclosed {m.restricted.text}",
        shareable_summary=f"Specialist work continuing {m.case_a.text}",
    )
    await amend(
        stack,
        p.SPECIALIST,
        case,
        restricted,
        reason="Detail",
        narrative=f"Detox {m.restricted.text}",
    )
    entries["restricted"] = restricted["id"]
    # Standard when written, restricted afterwards: its first revision must be withheld too.
    later = await entry(stack, p.SPECIALIST, case, narrative=f"Said too much {m.restricted.text}")
    await amend(
        stack,
        p.SPECIALIST,
        case,
        later,
        reason="Clinical detail",
        sensitivity="restricted",
        shareable_summary=f"Health update {m.case_a.text}",
    )
    entries["restricted after the fact"] = later["id"]
    other = await entry(
        stack,
        p.OTHER_DISCIPLINE,
        case,
        sensitivity="restricted",
        narrative=f"Safety planning detail {m.restricted_other.text}",
        shareable_summary=f"Safety work continuing {m.case_a.text}",
    )
    entries["another discipline's restricted"] = other["id"]
    fields = session_fields(world.config, world.specialist_discipline, m.restricted_field.text)
    session_log = await post(
        stack,
        p.SPECIALIST,
        f"/cases/{case}/sessions",
        {
            "event_at": hour_ago(),
            "person_ids": [world.parent_a],
            "significant": True,
            "narrative": f"Low mood {m.restricted.text}",
            "shareable_summary": f"Session attended {m.case_a.text}",
            "fields": fields,
            "finalise": True,
        },
    )
    entries["session log"] = world.sessions["session log"] = session_log["id"]
    draft = await entry(
        stack,
        p.SOCIAL_WORKER,
        case,
        finalise=False,
        narrative=f"Half-written {m.draft.text}",
        shareable_summary=f"Summary {m.draft.text}",
    )
    entries["draft"] = draft["id"]
    mistaken = await entry(
        stack, p.SOCIAL_WORKER, case, narrative=f"Wrong family {m.withdrawn.text}"
    )
    await post(
        stack,
        p.SOCIAL_WORKER,
        f"/cases/{case}/entries/{mistaken['id']}/withdraw",
        {"reason": "Recorded on the wrong case"},
        if_match=mistaken["etag"],
        status=200,
    )
    entries["withdrawn"] = mistaken["id"]
    await write_summaries_a(stack, world)


async def write_summaries_a(stack: Stack, world: World) -> None:
    """Episode 1 summaries: restricted (specialist), standard (other discipline), a draft."""
    m, base = world.markers, f"/cases/{world.case_a}/episodes/1/summaries"
    bodies = {
        "restricted": (
            p.SPECIALIST,
            {
                "narrative": f"Prescribing review {m.restricted_summary.text}",
                "sensitivity": "restricted",
                "shareable_summary": f"Engaging with services {m.case_a.text}",
                "finalise": True,
            },
        ),
        "standard": (
            p.OTHER_DISCIPLINE,
            {"narrative": f"Safety planning {m.case_a.text}", "finalise": True},
        ),
        "draft": (p.SOCIAL_WORKER, {"narrative": f"Not yet {m.draft.text}", "finalise": False}),
    }
    for label, (persona, body) in bodies.items():
        world.summaries[label] = (await post(stack, persona, base, body))["id"]


async def record_family_b(stack: Stack, world: World) -> None:
    """Team B's family, identifiers and case, all marked for team B."""
    m = world.markers
    child = member(
        "child",
        f"Child {m.family_b.text}",
        m.family_b.text,
        identifiers=[
            {"system": "nhs_number", "value": m.nhs_b.text},
            {"system": "upn", "value": m.upn_b.text},
        ],
    )
    parent = member(
        "parent",
        f"Parent {m.family_b.text}",
        m.family_b.text,
        identifiers=[{"system": "system_of_record", "value": m.record_id_b.text}],
    )
    world.family_b, _, _ = await register_family(
        stack, world, p.TEAM_B, f"Family {m.family_b.text}", [child, parent]
    )
    world.case_b = await open_case(stack, world, p.TEAM_B, world.family_b)
    for name in p.ALLOCATED_ON_CASE_B:
        await allocate(stack, p.OTHER_TEAM_MANAGER, world.case_b, name, lead=True)
    await entry(stack, p.OTHER_TEAM, world.case_b, narrative=f"Home visit {m.case_b.text}")
    await entry(
        stack, p.OTHER_TEAM, world.case_b, finalise=False, narrative=f"Draft {m.case_b.text}"
    )


# The only event type the matrix's webhook subscriptions take, published by nobody but it.
PROBE_EVENT_TYPE = "uk.gov.fsm.matrix.probe"
# Nothing listens there: a delivery fails on this machine and never leaves it.
PROBE_TARGET = "http://127.0.0.1:9/matrix"


async def subscribe(stack: Stack, unit: Unit) -> str:
    """A webhook subscription to a unit's probe events, made by the administrator."""
    body = {
        "name": f"Matrix {unit.name} {uuid.uuid4().hex[:12]}",
        "url": PROBE_TARGET,
        "event_types": [PROBE_EVENT_TYPE],
    }
    made = await post(stack, p.ADMINISTRATOR, "/webhooks/subscriptions", body, unit=unit)
    return str(made["id"])


async def probe_delivery(stack: Stack, unit: Unit, subscription_id: str) -> str:
    """A dead letter of the subscription: a probe event in the unit's outbox, given up on."""
    app = stack.apps[unit.name]
    kernel = app.state.kernel
    async with app.state.sessionmaker() as session, session.begin():
        event_id = await publish(
            session,
            kernel.outbox_event,
            type=PROBE_EVENT_TYPE,
            source=f"/{unit.name}",
            subject=None,
            data={"probe": "access matrix"},
            team_id=None,
        )
        delivery_id = await session.scalar(
            insert(kernel.outbox_delivery)
            .values(
                event_id=event_id,
                subscriber=subscriber_key(UUID(subscription_id)),
                attempts=1,
                last_error="dead: HTTP 410 after 1 attempts",
                next_attempt_at=literal_column("'infinity'::timestamptz"),
            )
            .returning(kernel.outbox_delivery.c.id)
        )
    return str(delivery_id)
