"""Which team owns each case, and which family it is for, as one unit knows them.

The auditor's rule and the family filter need it. The workbook holds the cases themselves; a
workflow unit holds the case projection (services/projection/), found in its metadata by the
projection's table name, so a new workflow unit gets the rule without saying anything. A unit
that knows no cases has no ownership: its rows about cases are the DPO's only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import MetaData, Select, String, Table, cast, select

from services.projection.tables import PROJECTED_CASE_TABLE


@dataclass(frozen=True)
class CaseOwnership:
    """A table of cases with `id`, `family_id` and `owning_team_id` columns, and, where the
    unit keeps them, the family's people (`id`, `family_id`): a row about a member is a row
    about the family."""

    cases: Table
    people: Table | None = None

    def cases_of_teams(self, team_ids: Collection[UUID]) -> Select[tuple[UUID]]:
        """The ids of the cases the teams own."""
        return select(self.cases.c.id).where(self.cases.c.owning_team_id.in_(list(team_ids)))

    def cases_of_family(self, family_id: UUID) -> Select[tuple[UUID]]:
        """The ids of the family's cases."""
        return select(self.cases.c.id).where(self.cases.c.family_id == family_id)

    def people_of_family(self, family_id: UUID) -> Select[Any] | None:
        """The family's people's ids as the audit log writes them (text), if the unit keeps
        people."""
        if self.people is None:
            return None
        return select(cast(self.people.c.id, String)).where(self.people.c.family_id == family_id)


def find_case_ownership(metadata: MetaData) -> CaseOwnership | None:
    """The case projection of a workflow unit's metadata, if it has one."""
    for table in metadata.tables.values():
        if table.name == PROJECTED_CASE_TABLE:
            return CaseOwnership(table)
    return None
