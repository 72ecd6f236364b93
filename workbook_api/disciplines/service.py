"""Validate a session log's structured fields against the loaded discipline configuration."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.errors import ProblemError
from workbook_api.disciplines.config import (
    BoolField,
    ChoiceField,
    DateField,
    FieldSpec,
    MultiChoiceField,
    NumberField,
    RecordingConfig,
    TextField,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SessionFields:
    """Validated values split by sensitivity, ready to store in their own columns."""

    shared: dict[str, Any]
    restricted: dict[str, Any] | None


def _error(name: str, message: str, code: str) -> dict[str, Any]:
    # Name the field, never echo the value: it may be clinical detail.
    return {"location": ["body", "fields", name], "message": message, "code": code}


def _check_value(name: str, spec: FieldSpec, value: Any) -> dict[str, Any] | None:
    if isinstance(spec, ChoiceField):
        if not isinstance(value, str) or value not in spec.choices:
            return _error(name, f"must be one of: {', '.join(spec.choices)}", "choice")
    elif isinstance(spec, MultiChoiceField):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return _error(name, "must be a list of choices", "multi_choice")
        unknown = [v for v in value if v not in spec.choices]
        if unknown:
            return _error(name, f"each value must be one of: {', '.join(spec.choices)}", "choice")
        if len(set(value)) != len(value):
            return _error(name, "must not repeat a choice", "multi_choice")
    elif isinstance(spec, BoolField):
        if not isinstance(value, bool):
            return _error(name, "must be true or false", "bool")
    elif isinstance(spec, TextField):
        if not isinstance(value, str):
            return _error(name, "must be text", "text")
        if len(value) > spec.max_length:
            return _error(name, f"must be at most {spec.max_length} characters", "text_length")
        if "\x00" in value:
            return _error(name, "must not contain NUL characters", "text")
    elif isinstance(spec, NumberField):
        return _check_number(name, spec, value)
    elif isinstance(spec, DateField):
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            return _error(name, "must be a date (YYYY-MM-DD)", "date")
        try:
            date.fromisoformat(value)
        except ValueError:
            return _error(name, "must be a date (YYYY-MM-DD)", "date")
    return None


def _check_number(name: str, spec: NumberField, value: Any) -> dict[str, Any] | None:
    # bool is an int subclass in Python; true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _error(name, "must be a number", "number")
    if isinstance(value, float) and not math.isfinite(value):
        return _error(name, "must be a finite number", "number")
    if spec.integer and not float(value).is_integer():
        return _error(name, "must be a whole number", "integer")
    if spec.minimum is not None and value < spec.minimum:
        return _error(name, f"must be at least {spec.minimum:g}", "minimum")
    if spec.maximum is not None and value > spec.maximum:
        return _error(name, f"must be at most {spec.maximum:g}", "maximum")
    return None


def validate_session_fields(
    config: RecordingConfig,
    discipline: str,
    fields: dict[str, Any],
    *,
    complete: bool,
) -> SessionFields:
    """Check every field against the discipline's configuration and split out restricted ones.

    `complete` is true when the log is being finalised: only then must required fields be present,
    so a worker on a visit can save a partial draft.
    """
    specs = config.session_fields(discipline)
    if specs is None:
        raise ProblemError(
            403,
            "discipline-not-configured",
            "Your discipline has no MDT session log configuration.",
        )
    errors: list[dict[str, Any]] = []
    shared: dict[str, Any] = {}
    restricted: dict[str, Any] = {}
    for name in sorted(fields):
        spec = specs.get(name)
        if spec is None:
            errors.append(
                _error(name, "is not a field of this discipline's session log", "unknown")
            )
            continue
        value = fields[name]
        if value is None:
            continue
        problem = _check_value(name, spec, value)
        if problem is not None:
            errors.append(problem)
            continue
        if isinstance(spec, NumberField) and spec.integer:
            value = int(value)
        (restricted if spec.restricted else shared)[name] = value
    if complete:
        for name, spec in specs.items():
            if spec.required and fields.get(name) is None:
                errors.append(_error(name, "is required", "missing"))
    if errors:
        raise ProblemError(
            422, "validation", "The session fields are not valid; see errors.", errors=errors
        )
    return SessionFields(shared=shared, restricted=restricted or None)


def merge_fields(
    shared: dict[str, Any] | None, restricted: dict[str, Any] | None
) -> dict[str, Any]:
    """Recombine stored values for re-validation when a log is finalised or amended."""
    return {**(shared or {}), **(restricted or {})}
