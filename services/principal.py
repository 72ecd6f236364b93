"""The authenticated practitioner a request acts for."""

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Principal:
    """The practitioner a request acts for, resolved by the gateway from the directory."""

    subject: str
    practitioner_id: UUID
    display_name: str
    discipline: str
    roles: frozenset[str]
    team_ids: frozenset[UUID]
    managed_team_ids: frozenset[UUID]

    def has_role(self, role: str) -> bool:
        return role in self.roles
