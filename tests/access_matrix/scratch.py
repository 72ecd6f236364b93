"""Fresh records for write operations, so no write ever changes the world reads see.

Each write operation gets its own copy of case A's arrangement (same team, same allocations,
same break-glass grant, so the same audiences), built lazily when an id asks for it. Records
one persona's successful write would use up (an entry to withdraw, a grant to revoke) are
made afresh for every request; the rest are shared by the operation's requests. Scratch
records carry no markers: what a write finalises or shares must not change what the read
world's markers may reach.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.registry import GATEWAY, WORKBOOK, Unit
from tests.access_matrix import claims
from tests.access_matrix import personas as p
from tests.access_matrix.assessments import assessment
from tests.access_matrix.early_help import (
    EarlyHelpCase,
    add_contact,
    drive,
    give_consent,
    request_step_up,
)
from tests.access_matrix.early_help import today as early_help_today
from tests.access_matrix.stack import Stack, relay_case_events
from tests.access_matrix.world import (
    World,
    allocate_case_a,
    announce_bystander,
    entry,
    hour_ago,
    member,
    open_case_a,
    open_early_help_case_a,
    post,
    probe_delivery,
    put,
    register_family,
    relate,
    subscribe,
)
from tests.workbook.factories import random_nhs_number
from workbook_api.imports.service import create_job

NARRATIVE = "Scratch record written by the access matrix."
SYSTEM = "mosaic"


@dataclass(frozen=True)
class ScratchCase:
    """A copy of case A's arrangement: its family, members, relationship and case."""

    family_id: str
    parent_id: str
    child_id: str
    relationship_id: str
    case_id: str


class Scratch:
    """The fresh records of one write operation."""

    def __init__(self, stack: Stack, world: World) -> None:
        self.stack = stack
        self.world = world
        self._cases: dict[bool, ScratchCase] = {}
        self._summaries: dict[bool, str] = {}
        self._team: str | None = None
        self._practitioner: str | None = None
        self._subscriptions: dict[str, str] = {}
        self._family_key: str | None = None
        self._case_key: str | None = None
        self._lock = asyncio.Lock()
        # --- pathway: the operation's early help cases, by the stage they were driven to ---
        self._early_help: dict[str, EarlyHelpCase] = {}
        self._step_up: str | None = None
        # --- subject access: the export a write made, and its first record ---
        self.subject_access: dict[str, Any] = {}

    async def family(self) -> tuple[str, str, str]:
        """A new team A family without a case: its id, parent and child."""
        people = [member("parent", "Scratch", "Parent"), member("child", "Scratch", "Child")]
        return await register_family(self.stack, self.world, p.TEAM_A, "Scratch family", people)

    async def case(self, *, closed: bool = False) -> ScratchCase:
        """The operation's copy of case A (closed by its manager when asked)."""
        async with self._lock:
            if closed not in self._cases:
                self._cases[closed] = await self._new_case(closed)
            return self._cases[closed]

    async def fresh_case(self, *, closed: bool = False) -> ScratchCase:
        """A copy of case A of its own, for a write that uses its case up."""
        return await self._new_case(closed)

    async def _new_case(self, closed: bool) -> ScratchCase:
        family_id, parent, child = await self.family()
        relationship = await relate(self.stack, family_id, parent, child)
        case_id = await open_case_a(self.stack, self.world, family_id)
        await allocate_case_a(self.stack, self.world, case_id)
        await self._break_glass(case_id)
        if closed:
            reason = {"reason": "Closed so that the matrix can reopen it"}
            path = f"/cases/{case_id}/close"
            await post(self.stack, p.TEAM_MANAGER, path, reason, if_match="*", status=200)
        # The workflow units (intervention) learn the case from the workbook's events.
        await relay_case_events(self.stack)
        return ScratchCase(family_id, parent, child, relationship, case_id)

    async def _break_glass(self, case_id: str) -> str:
        body = {"justification": "Out-of-hours call about this family", "duration_minutes": 60}
        grant = await post(self.stack, p.BREAK_GLASS, f"/cases/{case_id}/break-glass", body)
        return str(grant["id"])

    async def entry(self, *, draft: bool) -> str:
        """A new entry: the social worker's draft, or the specialist's final entry."""
        case = await self.case()
        author = p.SOCIAL_WORKER if draft else p.SPECIALIST
        made = await entry(
            self.stack, author, case.case_id, finalise=not draft, narrative=NARRATIVE
        )
        return str(made["id"])

    async def summary(self, *, draft: bool) -> str:
        """Episode 1's summary: the social worker's draft, or the specialist's final one.

        One per author per episode, so the operation's requests share it.
        """
        case = await self.case()
        async with self._lock:
            if draft not in self._summaries:
                author = p.SOCIAL_WORKER if draft else p.SPECIALIST
                path = f"/cases/{case.case_id}/episodes/1/summaries"
                body = {"narrative": NARRATIVE, "finalise": not draft}
                self._summaries[draft] = str((await post(self.stack, author, path, body))["id"])
            return self._summaries[draft]

    async def assessment(self, state: str) -> str:
        """A new parenting assessment of the operation's case, in `state` (each is used up)."""
        return await assessment(self.stack, (await self.case()).case_id, state)

    async def bystander(self) -> str:
        """A practitioner who is none of the personas, announced to the workbook as the
        directory's relay would announce them (a signed snapshot to its inbox)."""
        return await announce_bystander(self.stack)

    async def family_key(self, *, fresh: bool = False) -> str:
        """A new team A family the system of record knows by a key (the operation's own, or
        a fresh one each call)."""
        async with self._lock:
            if fresh or self._family_key is None:
                key = f"MTXF{uuid.uuid4().hex[:12]}"
                body = {"name": "Scratch family", "owning_team_id": str(self.world.team(p.TEAM_A))}
                await put(
                    self.stack,
                    p.SYSTEM_OF_RECORD,
                    f"/families/by-external-id/{SYSTEM}/{key}",
                    body,
                    201,
                )
                if fresh:
                    return key
                self._family_key = key
            return self._family_key

    async def case_key(self) -> str:
        """An open team A case, on a family of its own, known by a key."""
        family = await self.family_key(fresh=True)
        async with self._lock:
            if self._case_key is None:
                key = f"MTXC{uuid.uuid4().hex[:12]}"
                body = {
                    "family_external_id": family,
                    "owning_team_id": str(self.world.team(p.TEAM_A)),
                    "opened_at": hour_ago(),
                }
                await put(
                    self.stack,
                    p.SYSTEM_OF_RECORD,
                    f"/cases/by-external-id/{SYSTEM}/{key}",
                    body,
                    201,
                )
                self._case_key = key
            return self._case_key

    async def review(self) -> str:
        """A new person match waiting for team A's manager: two keys, one NHS number."""
        family = await self.family_key(fresh=True)
        person = {
            "family_external_id": family,
            "role": "child",
            "given_name": "Scratch",
            "family_name": "Child",
            "nhs_number": random_nhs_number(),
        }
        for status in (201, 202):
            path = f"/people/by-external-id/{SYSTEM}/MTXP{uuid.uuid4().hex[:12]}"
            made = await put(self.stack, p.SYSTEM_OF_RECORD, path, person, status)
        return str(made["id"])

    async def held_import(self) -> str:
        """An import a runner elsewhere is working on (its lease held for an hour)."""
        sessions = self.stack.apps[WORKBOOK.name].state.sessionmaker
        async with sessions() as session, session.begin():
            job = await create_job(
                session,
                self.stack.principals[p.SYSTEM_OF_RECORD],
                kind="families",
                system=SYSTEM,
                dry_run=True,
                file_format="csv",
                content_encoding="identity",
                content=b"fami_family_id,family_name,owning_team_id\n",
                request_id="access-matrix",
                purpose="system_sync",
            )
            job.status, job.lease_owner = "running", "elsewhere"
            job.lease_expires_at = datetime.now(UTC) + timedelta(hours=1)
        return str(job.id)

    async def allocation(self) -> str:
        """A new allocation of a practitioner who is none of the personas."""
        case = await self.case()
        body = {
            "practitioner_id": await self.bystander(),
            "practitioner_name": "Scratch worker",
            "discipline": "family_support_worker",
        }
        path = f"/cases/{case.case_id}/allocations"
        return str((await post(self.stack, p.TEAM_MANAGER, path, body))["id"])

    async def grant(self) -> str:
        """A new break-glass grant on the case, held by the break-glass persona."""
        return await self._break_glass((await self.case()).case_id)

    async def member(self) -> str:
        """A new member of the operation's family."""
        case = await self.case()
        path = f"/families/{case.family_id}/members"
        body = member("other_adult", "Scratch", "Adult")
        return str((await post(self.stack, p.TEAM_MANAGER, path, body))["id"])

    async def subscription(self, unit: Unit) -> str:
        """The operation's webhook subscription on a unit (made by the administrator)."""
        async with self._lock:
            if unit.name not in self._subscriptions:
                self._subscriptions[unit.name] = await subscribe(self.stack, unit)
            return self._subscriptions[unit.name]

    async def dead_delivery(self, unit: Unit) -> str:
        """A new dead letter of the operation's subscription on a unit."""
        return await probe_delivery(self.stack, unit, await self.subscription(unit))

    async def hold(self) -> str:
        """A new legal hold on the operation's case, placed by the DPO."""
        case = await self.case()
        path = f"/retention/cases/{case.case_id}/holds"
        body = {"reason": "Scratch hold placed for the access matrix."}
        return str((await post(self.stack, p.DPO, path, body))["id"])

    async def classification(self) -> str:
        """A new adoption classification of the operation's case, recorded by the DPO."""
        case = await self.case()
        path = f"/retention/cases/{case.case_id}/classifications"
        body = {
            "kind": "adoption",
            "person_id": case.child_id,
            "effective_on": early_help_today(),
            "reason": "Scratch classification recorded for the access matrix.",
        }
        return str((await post(self.stack, p.DPO, path, body))["id"])

    async def team(self) -> str:
        """A directory team of the operation's own."""
        async with self._lock:
            if self._team is None:
                self._team = await self._new_team()
            return self._team

    async def _new_team(self) -> str:
        tag = uuid.uuid4().hex[:12]
        body = {"name": f"Scratch team {tag}", "code": f"SCR-{tag}"}
        return str((await self._admin("/directory/teams", body))["id"])

    async def practitioner(self) -> str:
        """A directory practitioner in team A who is none of the personas."""
        async with self._lock:
            if self._practitioner is None:
                tag = uuid.uuid4().hex[:12]
                body = {
                    "subject": f"scratch-{tag}",
                    "display_name": f"Scratch practitioner {tag}",
                    "discipline": "family_support_worker",
                }
                self._practitioner = str(
                    (await self._admin("/directory/practitioners", body))["id"]
                )
                await self._join(self._practitioner, str(self.world.team(p.TEAM_A)))
            return self._practitioner

    async def membership(self) -> str:
        """A new membership of the operation's practitioner, in a team of its own."""
        practitioner = await self.practitioner()
        return await self._join(practitioner, await self._new_team())

    async def _join(self, practitioner: str, team: str) -> str:
        path = f"/directory/practitioners/{practitioner}/memberships"
        return str((await self._admin(path, {"team_id": team}))["id"])

    async def _admin(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await post(self.stack, p.ADMINISTRATOR, path, body, unit=GATEWAY)

    # --- pathway ---------------------------------------------------------------------------

    async def early_help(self, stage: str, *, fresh: bool = False) -> EarlyHelpCase:
        """The operation's early help case driven to `stage` (a case of its own when fresh)."""
        if fresh:
            return await self._new_early_help(stage)
        async with self._lock:
            if stage not in self._early_help:
                self._early_help[stage] = await self._new_early_help(stage)
            return self._early_help[stage]

    async def _new_early_help(self, stage: str) -> EarlyHelpCase:
        family_id, parent, _ = await self.family()
        case_id = await open_early_help_case_a(self.stack, self.world, family_id)
        return await drive(self.stack, case_id, parent, stage)

    async def early_help_consent(self, stage: str) -> str:
        """A fresh consent on the operation's early help case (withdrawing uses one up)."""
        case = await self.early_help(stage)
        return await give_consent(self.stack, case.case_id, case.person_id)

    async def early_help_contact(self, stage: str) -> str:
        """A fresh TAF contact on the operation's early help case (ending uses one up)."""
        return await add_contact(self.stack, (await self.early_help(stage)).case_id)

    async def ready_to_claim(self) -> str:
        """A fresh early help case of team A whose family is ready to claim for."""
        family_id, parent, _ = await self.family()
        case_id = await open_early_help_case_a(self.stack, self.world, family_id)
        return await claims.make_ready(self.stack, case_id, parent)

    async def claim(self, *, sampled: bool) -> str:
        """A fresh claim of its own (drawn for audit when asked)."""
        case_id = await self.ready_to_claim()
        if sampled:
            return (await claims.sampled_claim(self.stack, case_id))[0]
        return str((await claims.claim(self.stack, case_id))["id"])

    async def claim_batch(self, *, submittable: bool) -> str:
        """A batch of its own holding one claim: undrawn, or assured, drawn and decided."""
        case_id = await self.ready_to_claim()
        if submittable:
            return await claims.submittable_batch(self.stack, case_id)
        return str((await claims.claim(self.stack, case_id))["batch_id"])

    async def step_up(self, *, fresh: bool) -> str:
        """A step up to team A, met about (a fresh case of its own when accepting uses it up)."""
        case = await (self._new_early_help("identified") if fresh else self.early_help("consent"))
        team_a = str(self.world.team(p.TEAM_A))
        if fresh:
            return await request_step_up(self.stack, case.case_id, team_a, meeting=True)
        async with self._lock:
            if self._step_up is None:
                self._step_up = await request_step_up(
                    self.stack, case.case_id, team_a, meeting=True
                )
            return self._step_up
