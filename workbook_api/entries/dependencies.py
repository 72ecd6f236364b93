"""Load-or-404 dependencies for an entry being changed, with who may change it.

Drafts are their author's alone; final entries are corrected or withdrawn by their author or
the team manager. Each dependency loads the entry within the (already visible) case, checks
the caller, then the version they saw; the service then applies the lifecycle's own rules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from services.concurrency import IfMatch, check_if_match
from services.errors import Forbidden, NotFound, raises
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import Recorder, VisibleCase
from workbook_api.access.repository import CaseAccess
from workbook_api.cases import repository as cases
from workbook_api.entries import repository
from workbook_api.entries.repository import EntryTarget

EntryId = Annotated[UUID, Path(description="The entry")]
SummaryId = Annotated[UUID, Path(description="The role summary")]
EpisodeNumber = Annotated[int, Path(ge=1, le=100_000, description="The episode's number")]


def _allow(target: EntryTarget, *, managers_too: bool) -> EntryTarget:
    me = target.access.principal.practitioner_id
    if target.entry.author_id == me:
        return target
    if managers_too and target.access.manages:
        return target
    raise Forbidden(
        "Only the author or the team manager may correct this entry."
        if managers_too
        else "Only the author may change this."
    )


async def _load(
    session: DbSession, access: CaseAccess, entry_id: UUID, *, summary: bool, what: str
) -> EntryTarget:
    found = await repository.load_entry_for_change(session, access, entry_id, summary=summary)
    if found is None:
        raise NotFound(what)
    return found


def _entry_dependency(*, managers_too: bool) -> Callable[..., Awaitable[EntryTarget]]:
    @raises(403, 404, 412, 428)
    async def dependency(
        entry_id: EntryId,
        principal: Recorder,
        access: VisibleCase,
        session: DbSession,
        if_match: IfMatch = None,
    ) -> EntryTarget:
        target = _allow(
            await _load(session, access, entry_id, summary=False, what="entry"),
            managers_too=managers_too,
        )
        check_if_match(if_match, target.entry.id, target.entry.version)
        return target

    return dependency


def _summary_dependency(*, managers_too: bool) -> Callable[..., Awaitable[EntryTarget]]:
    @raises(403, 404, 412, 428)
    async def dependency(
        number: EpisodeNumber,
        summary_id: SummaryId,
        principal: Recorder,
        access: VisibleCase,
        session: DbSession,
        if_match: IfMatch = None,
    ) -> EntryTarget:
        episode = await cases.load_episode_or_404(session, access.case.id, number)
        target = await _load(session, access, summary_id, summary=True, what="summary")
        if target.entry.episode_id != episode.id:
            raise NotFound("summary")
        target = _allow(target, managers_too=managers_too)
        check_if_match(if_match, target.entry.id, target.entry.version)
        return target

    return dependency


# A draft (or a summary) its author edits or finalises.
AuthorsEntry = Annotated[EntryTarget, Depends(_entry_dependency(managers_too=False))]
# A final entry its author or the team manager amends or withdraws.
CorrectableEntry = Annotated[EntryTarget, Depends(_entry_dependency(managers_too=True))]
AuthorsSummary = Annotated[EntryTarget, Depends(_summary_dependency(managers_too=False))]
CorrectableSummary = Annotated[EntryTarget, Depends(_summary_dependency(managers_too=True))]
