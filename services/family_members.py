"""Is this person a member of the case's family? Asked of the workbook as the caller.

The workflow units key what they record about a person (an enrolled parent, a family member's
consent) by the workbook's person id. The workbook is the record of who is in a family, so the
id is checked there, through its API as the request's caller (services/unit_calls.py): the
answer is fresh (a member added a minute ago is known, with no projection to wait for), the
workbook applies its own need-to-know rule and audits the read as the caller's, and a person
the caller may not see is, to the workflow, a person who is not there. Only the member's role
is used; nothing of them is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.errors import invalid
from services.registry import WORKBOOK
from services.unit_calls import AsCaller


@dataclass(frozen=True)
class FamilyMember:
    """What a workflow needs of a member: that they are one, and in what role."""

    person_id: UUID
    role: str

    @property
    def is_child(self) -> bool:
        return self.role == "child"


async def family_member(
    calls: AsCaller, family_id: UUID, person_id: UUID, *location: str
) -> FamilyMember:
    """The member of the family with this id, or a 422 naming the field at `location`."""
    answer = await calls.get(WORKBOOK, f"/families/{family_id}/members/{person_id}")
    body = answer.body if answer.ok and isinstance(answer.body, dict) else None
    role = body.get("role") if body is not None else None
    if body is None or str(body.get("id")) != str(person_id) or not isinstance(role, str):
        raise invalid(
            *location,
            message="No such member of the case's family, or not one you may see.",
            code="unknown_person",
        )
    return FamilyMember(person_id, role)
