"""Loading a catalogue file as a programme's next version, and reading the catalogue."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.programmes import repository
from intervention_api.programmes.catalogue_file import read_catalogue
from intervention_api.programmes.definition import ModuleDefinition, ProgrammeDefinition
from intervention_api.programmes.models import ProgrammeVersion
from intervention_api.programmes.schemas import ProgrammeRead, ProgrammeSummary
from services.errors import NotFound
from services.principal import Principal


class ProgrammeNotFound(NotFound):
    """No such programme version."""

    def __init__(self) -> None:
        super().__init__("programme")


async def load_catalogue(
    session: AsyncSession, principal: Principal, content: bytes, source_format: str
) -> ProgrammeVersion:
    """Store the file's programme as the next version of its code (InvalidCatalogue if not)."""
    definition = read_catalogue(content)
    await repository.lock_code(session, definition.code)
    number = await repository.latest_version_number(session, definition.code) + 1
    programme = ProgrammeVersion(
        code=definition.code,
        version=number,
        title=definition.title,
        notice=definition.notice,
        definition=definition.model_dump(mode="json"),
        source_format=source_format,
        loaded_by=principal.practitioner_id,
    )
    session.add(programme)
    await session.flush()
    await session.refresh(programme, ["loaded_at"])
    return programme


def definition_of(programme: ProgrammeVersion) -> ProgrammeDefinition:
    """The programme's definition as it was loaded."""
    return ProgrammeDefinition.model_validate(programme.definition)


def module_of(programme: ProgrammeVersion, code: str) -> ModuleDefinition | None:
    """One module of a version by code."""
    return next((m for m in definition_of(programme).modules if m.code == code), None)


def summary(programme: ProgrammeVersion) -> ProgrammeSummary:
    """A version for a list."""
    return ProgrammeSummary.of(programme, module_count=len(programme.definition["modules"]))


def read(programme: ProgrammeVersion) -> ProgrammeRead:
    """A version with its modules."""
    definition = definition_of(programme)
    return ProgrammeRead.of(
        programme,
        module_count=len(definition.modules),
        description=definition.description,
        modules=definition.modules,
    )


async def get_programme(session: AsyncSession, programme_id: UUID) -> ProgrammeVersion:
    """A version by id, or 404."""
    programme = await repository.get(session, programme_id)
    if programme is None:
        raise ProgrammeNotFound()
    return programme
