"""The recording configuration: entry types and each discipline's session-log fields, as data.

A council words its disciplines and their structured fields its own way, so none of them is a
code branch: the service loads a versioned JSON document at startup (the shipped example, or the
file named by `FSM_WORKBOOK_RECORDING_CONFIG`) and validates session logs against it generically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "default_config.json"

# The entry type whose entries carry a discipline's structured session fields.
SESSION_ENTRY_TYPE = "mdt_session"

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Label = Annotated[str, Field(min_length=1, max_length=200)]


class _FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Label
    required: bool = False
    # Restricted values are stored apart and shown only to those who may see restricted detail.
    restricted: bool = False


class ChoiceField(_FieldSpec):
    """One value from a fixed list."""

    type: Literal["choice"]
    choices: list[Code] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices must be unique")
        return self


class MultiChoiceField(_FieldSpec):
    """Any number of distinct values from a fixed list."""

    type: Literal["multi_choice"]
    choices: list[Code] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices must be unique")
        return self


class BoolField(_FieldSpec):
    """Yes or no."""

    type: Literal["bool"]


class TextField(_FieldSpec):
    """Free text up to a length."""

    type: Literal["text"]
    max_length: int = Field(default=1000, ge=1, le=10_000)


class NumberField(_FieldSpec):
    """A number within optional bounds, optionally whole."""

    type: Literal["number"]
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum must not exceed maximum")
        return self


class DateField(_FieldSpec):
    """A calendar date (YYYY-MM-DD)."""

    type: Literal["date"]


FieldSpec = Annotated[
    ChoiceField | MultiChoiceField | BoolField | TextField | NumberField | DateField,
    Field(discriminator="type"),
]


class EntryTypeSpec(BaseModel):
    """One kind of workbook entry a worker may record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    label: Label


class DisciplineSpec(BaseModel):
    """A discipline that logs MDT sessions, and the fields its logs carry beyond the common ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Label
    fields: dict[Code, FieldSpec] = Field(default_factory=dict, max_length=100)


class RecordingConfig(BaseModel):
    """The versioned recording configuration a council loads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=2000)
    entry_types: list[EntryTypeSpec] = Field(min_length=1, max_length=100)
    common_session_fields: dict[Code, FieldSpec] = Field(default_factory=dict, max_length=100)
    disciplines: dict[Code, DisciplineSpec] = Field(default_factory=dict, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        codes = [t.code for t in self.entry_types]
        if len(set(codes)) != len(codes):
            raise ValueError("entry type codes must be unique")
        if SESSION_ENTRY_TYPE not in codes:
            raise ValueError(f"entry types must include {SESSION_ENTRY_TYPE!r}")
        for code, discipline in self.disciplines.items():
            clash = set(discipline.fields) & set(self.common_session_fields)
            if clash:
                raise ValueError(
                    f"discipline {code!r} redefines common fields: {', '.join(sorted(clash))}"
                )
        return self

    def entry_type_codes(self) -> frozenset[str]:
        """Codes of every configured entry type."""
        return frozenset(t.code for t in self.entry_types)

    def entry_type_label(self, code: str) -> str:
        """The display label of an entry type (the code itself if it is no longer configured)."""
        for entry_type in self.entry_types:
            if entry_type.code == code:
                return entry_type.label
        return code

    def session_fields(self, discipline: str) -> dict[str, FieldSpec] | None:
        """All fields a discipline's session log may carry, or None if it logs no sessions."""
        spec = self.disciplines.get(discipline)
        if spec is None:
            return None
        return {**self.common_session_fields, **spec.fields}


def load_recording_config(path: Path | None = None) -> RecordingConfig:
    """Read and validate the configuration; a broken file stops startup, not a request."""
    source = path or DEFAULT_CONFIG_PATH
    return RecordingConfig.model_validate_json(source.read_text(encoding="utf-8"))
