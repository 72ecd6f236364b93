"""Versioned configuration: a council publishes a new version of a settings document.

Every version is kept for good, so a decision, claim or figure that names the version it was
made under keeps its meaning; the highest version is in force from its publication. Nobody has
published anything on a fresh install, so the built-in defaults become version 1 the first time
the configuration is asked for (a concurrent first read loses the race quietly). Some documents
come in several independent series (one per framework code): `scope` names the column that
tells them apart, and each series is numbered and locked on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    DateTime,
    Integer,
    String,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.errors import NotFound


class PublishedVersion:
    """The columns every versioned configuration table has, besides its document's own."""

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(String(500))
    # None for the built-in defaults and the demo's (nobody published them).
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


def version_positive() -> CheckConstraint:
    """The check each table carries (a constraint belongs to one table, so one each)."""
    return CheckConstraint("version >= 1", name="version_positive")


Row = TypeVar("Row", bound=PublishedVersion)
# The document's values, as stored, for a series (None when the table has one series).
Defaults = Callable[[str | None], Mapping[str, Any]]


@dataclass(frozen=True)
class VersionedConfig(Generic[Row]):
    """Reading and publishing the versions of one configuration table."""

    model: type[Row]
    # What a missing version is called in the 404 ("configuration version").
    missing: str
    # The built-in defaults of a series, stored as its version 1 when it is first asked for.
    defaults: Defaults
    # The column that divides the table into independent series, if it is divided.
    scope: str | None = None

    def _in_series(self, key: str | None) -> list[ColumnElement[bool]]:
        if self.scope is None:
            return []
        return [getattr(self.model, self.scope) == key]

    def _series_values(self, key: str | None) -> dict[str, Any]:
        return {} if self.scope is None else {self.scope: key}

    async def _latest(self, session: AsyncSession, key: str | None) -> Row | None:
        found: Row | None = await session.scalar(
            select(self.model)
            .where(*self._in_series(key))
            .order_by(self.model.version.desc())
            .limit(1)
        )
        return found

    async def current(self, session: AsyncSession, key: str | None = None) -> Row:
        """The version in force: the highest (the defaults stored as version 1 if none)."""
        found = await self._latest(session, key)
        if found is not None:
            return found
        values = {**self._series_values(key), "version": 1, **self.defaults(key)}
        await session.execute(insert(self.model).values(**values).on_conflict_do_nothing())
        stored = await self._latest(session, key)
        assert stored is not None
        return stored

    async def version(self, session: AsyncSession, number: int, key: str | None = None) -> Row:
        """A published version, or 404 (version 1 always exists: the defaults, if nobody's)."""
        if number == 1:
            await self.current(session, key)
        found: Row | None = await session.scalar(
            select(self.model).where(*self._in_series(key), self.model.version == number)
        )
        if found is None:
            raise NotFound(self.missing)
        return found

    async def publish(
        self,
        session: AsyncSession,
        values: Mapping[str, Any],
        published_by: uuid.UUID | None,
        key: str | None = None,
    ) -> Row:
        """Store the next version; it is in force at once, and earlier ones stay as they were."""
        # The defaults first, so a council's first publication is version 2, never 1.
        await self.current(session, key)
        highest = await self._lock_series(session, key)
        row = self.model()
        for name, value in {**self._series_values(key), **values}.items():
            setattr(row, name, value)
        row.version = highest + 1
        row.published_by = published_by
        session.add(row)
        await session.flush()
        await session.refresh(row)
        return row

    async def _lock_series(self, session: AsyncSession, key: str | None) -> int:
        """Serialise publications in a series until the transaction ends; its highest version.

        Two administrators publishing at once would otherwise both number theirs highest + 1;
        the loser would fail on the primary key rather than become the next version."""
        table = self.model.__table__  # type: ignore[attr-defined]
        name = table.fullname if key is None else f"{table.fullname}:{key}"
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
        highest: int | None = await session.scalar(
            select(func.max(self.model.version)).where(*self._in_series(key))
        )
        return highest or 0
