"""What a catalogue file must say: a programme, its modules (aims, suggested sessions, tools).

Strict: unknown members are refused, numbers are numbers, codes are lower-case identifiers, so
a typo in a council's file is an error naming its line, never a silently ignored field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ToolDefinition(_Strict):
    """A tool practitioners use within a module (a worksheet, an exercise, a scale)."""

    code: Code
    title: Title
    description: Prose | None = None


class ModuleDefinition(_Strict):
    """One module of the programme."""

    code: Code
    title: Title
    aims: list[Prose] = Field(min_length=1, max_length=20)
    suggested_sessions: int = Field(ge=1, le=52)
    tools: list[ToolDefinition] = Field(default_factory=list, max_length=60)


class ProgrammeDefinition(_Strict):
    """A programme as a catalogue file states it (the version is given when it is loaded)."""

    code: Code
    title: Title
    # Said to everyone who reads the catalogue: whether it is the council's own or an example.
    notice: Prose | None = None
    description: Prose | None = None
    modules: list[ModuleDefinition] = Field(min_length=1, max_length=30)
