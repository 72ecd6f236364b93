"""How the workbook's demo is described: fixed ids, the directory's people, a demo family.

Ids are fixed so reruns change nothing and other demos can refer to them. Practitioner and
team ids repeat the directory's demo constants (gateway/directory/demo.py): services never
import each other, so they are copied here, and the workbook's tests check them.
NHS numbers are in the 999 range the NHS sets aside for testing, with valid check digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final
from uuid import UUID

from services.event_contracts import FAMILY_SAFEGUARDING
from workbook_api.families.identifiers import nhs_check_digit, upn_check_letter

# Copied from gateway/directory/demo.py (the directory owns them).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
TEAM_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000002")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
SOCIAL_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
DA_VICTIM_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000103")
RECOVERY_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000104")
MENTAL_HEALTH_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000105")
MANAGER_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000201")
SOCIAL_WORKER_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000202")

DEMO_PRACTITIONERS: Final = {
    SOCIAL_WORKER_NORTH: ("Demo Social Worker (Team North)", "social_worker"),
    DA_VICTIM_WORKER_NORTH: ("Demo DA Victim Worker (Team North)", "da_victim_worker"),
    RECOVERY_WORKER_NORTH: ("Demo Recovery Worker (Team North)", "recovery_worker"),
    MENTAL_HEALTH_NORTH: (
        "Demo Mental Health Practitioner (Team North)",
        "mental_health_practitioner",
    ),
    SOCIAL_WORKER_SOUTH: ("Demo Social Worker (Team South)", "social_worker"),
}


def demo_id(kind: int, number: int) -> UUID:
    """A fixed workbook demo id: kind 1 family, 2 person, 3 case, 4 allocation, 5 episode."""
    return UUID(f"d3a0f5e1-0001-4000-8{kind:03d}-{number:012d}")


def demo_nhs_number(serial: int) -> str:
    """The serial-th valid NHS number in the 999 test range."""
    candidate = serial
    while True:
        first_nine = f"999{candidate:06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
        candidate += 1000


def demo_upn(serial: int) -> str:
    """A valid UPN for a synthetic pupil (LA code 999 is not a real authority)."""
    digits = f"999000{serial:06d}"
    return upn_check_letter(digits) + digits


@dataclass(frozen=True)
class DemoMember:
    number: int
    role: str
    given_name: str
    born: date | None = None
    expected: date | None = None
    sex: str | None = None
    upn: bool = False


@dataclass(frozen=True)
class DemoEarlyHelp:
    """An early help case beside a family's main case: stepped up from, or down to."""

    opened_days_ago: int
    closed_days_ago: int | None
    # The first is the lead practitioner (the case's allocated worker).
    allocated: tuple[UUID, ...]
    reason: str


@dataclass(frozen=True)
class DemoFamily:
    number: int
    surname: str
    team_id: UUID
    members: tuple[DemoMember, ...]
    # (parent member number, child member number) pairs with parental responsibility.
    parents_of: tuple[tuple[int, int], ...]
    allocated: tuple[UUID, ...]
    closed: bool = False
    kind: str = FAMILY_SAFEGUARDING
    early_help: DemoEarlyHelp | None = None
    # When the main case opened and (if closed) closed; by default 45 days ago, or 90 and 30.
    opened_days_ago: int | None = None
    closed_days_ago: int = 30


def early_help_case_id(family_number: int) -> UUID:
    """The fixed id of a demo family's second (early help) case."""
    return demo_id(3, 100 + family_number)
