"""How an incoming person record is matched to people the workbook already holds.

A person the system of record's key does not name yet is looked for by NHS number, UPN and
local id (its `local_id`, and its own key, which someone may have typed in as a local id).
Each person found is a candidate, with what matched and what disagrees. The record is linked
to a candidate only when there is exactly one and nothing disagrees: the same family, no
different NHS number, UPN or date of birth, and no other key of the same system (which would
make it another of the source's records). Anything less certain goes to a manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from workbook_api.external.schemas import PersonRecord
from workbook_api.families.models import Person

# Record member -> the identifier system the workbook stores it under.
IDENTIFIER_FIELDS = (("nhs_number", "nhs_number"), ("upn", "upn"), ("local_id", "system_of_record"))
# What a match is said to be "on", strongest first.
BASES = ("nhs_number", "upn", "local_id")
_BASIS_OF_SYSTEM = {"nhs_number": "nhs_number", "upn": "upn", "system_of_record": "local_id"}
# Identifier systems a person holds at most one value of.
SINGLE_VALUED = ("nhs_number", "upn")


def record_identifiers(record: PersonRecord) -> list[tuple[str, str, str]]:
    """The identifiers a record carries: (record member, identifier system, value)."""
    found = []
    for member, system in IDENTIFIER_FIELDS:
        value = getattr(record, member)
        if value is not None:
            found.append((member, system, value))
    return found


def match_identifiers(record: PersonRecord, key: str) -> list[tuple[str, str]]:
    """Every (system, value) a candidate may be found by."""
    found = [(system, value) for _, system, value in record_identifiers(record)]
    if ("system_of_record", key) not in found:
        found.append(("system_of_record", key))
    return found


def basis_of(system: str) -> str:
    """What a match on an identifier of this system is called."""
    return _BASIS_OF_SYSTEM[system]


@dataclass(frozen=True)
class Candidate:
    """A person an incoming record may be, what matched, and what disagrees."""

    person_id: UUID
    family_id: UUID | None
    owning_team_id: UUID | None
    matched_on: tuple[str, ...]
    conflicts: tuple[str, ...]

    @property
    def certain(self) -> bool:
        """Nothing disagrees."""
        return not self.conflicts

    @property
    def basis(self) -> str:
        """The strongest identifier that matched."""
        return next(b for b in BASES if b in self.matched_on)

    def as_json(self) -> dict[str, Any]:
        """The candidate as the review queue keeps it: ids and identifier kinds only."""
        return {
            "person_id": str(self.person_id),
            "family_id": str(self.family_id) if self.family_id else None,
            "owning_team_id": str(self.owning_team_id) if self.owning_team_id else None,
            "matched_on": list(self.matched_on),
            "conflicts": list(self.conflicts),
        }


def _held(person: Person, system: str) -> set[str]:
    return {i.value for i in person.identifiers if i.system == system}


def judge(
    person: Person,
    owning_team_id: UUID,
    record: PersonRecord,
    family_id: UUID,
    matched: set[str],
    *,
    has_other_key: bool,
) -> Candidate:
    """Weigh one person the record's identifiers found."""
    conflicts = []
    if person.family_id != family_id:
        conflicts.append("family")
    for member, system in IDENTIFIER_FIELDS:
        value = getattr(record, member)
        if system in SINGLE_VALUED and value is not None:
            held = _held(person, system)
            if held and value not in held:
                conflicts.append(member)
    if (
        record.date_of_birth is not None
        and person.date_of_birth is not None
        and record.date_of_birth != person.date_of_birth
    ):
        conflicts.append("date_of_birth")
    if has_other_key:
        conflicts.append("external_id")
    return Candidate(
        person_id=person.id,
        family_id=person.family_id,
        owning_team_id=owning_team_id,
        matched_on=tuple(b for b in BASES if b in matched),
        conflicts=tuple(conflicts),
    )


def planned_candidate(person_id: UUID, family_id: UUID | None, matched: set[str]) -> Candidate:
    """A person an earlier record of the same job is creating or linked: another source record."""
    return Candidate(
        person_id=person_id,
        family_id=family_id,
        owning_team_id=None,
        matched_on=tuple(b for b in BASES if b in matched),
        conflicts=("external_id",),
    )
