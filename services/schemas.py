"""Bases for request and response bodies, so every service maps models the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    """A request body: unknown members are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _WithExtras:
    """An object's attributes, with a few more (or overriding) values beside them."""

    __slots__ = ("_extras", "_source")

    def __init__(self, source: Any, extras: dict[str, Any]) -> None:
        self._source = source
        self._extras = extras

    def __getattr__(self, name: str) -> Any:
        if name in self._extras:
            return self._extras[name]
        return getattr(self._source, name)


class ReadModel(BaseModel):
    """A response body, read by attribute from an ORM object or a query row.

    The one way from models to responses: `Schema.of(obj)`, or `Schema.of(obj, name=value)`
    for what the object does not carry itself (a joined name, a count). Name the schema's
    fields as the model's attributes, or label the query's columns so; never build
    dictionaries by hand.
    """

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, source: Any, **extras: Any) -> Self:
        """Validate from `source`'s attributes, with `extras` beside or over them."""
        mapping = getattr(source, "_mapping", None)
        if mapping is not None:
            # A query row: its mapping validates as a dict, several times faster than
            # attribute by attribute (lists of rows are the hot path of every read).
            return cls.model_validate({**mapping, **extras})
        return cls.model_validate(_WithExtras(source, extras) if extras else source)


JsonSchemaExtra = Callable[[dict[str, Any], type[BaseModel]], None]


def drop_null(schema: dict[str, Any], names: Iterable[str]) -> None:
    """Document members that may be left out but are refused when sent as null."""
    properties = schema.get("properties", {})
    for name in names:
        member = properties.get(name)
        options = member.get("anyOf") if isinstance(member, dict) else None
        if not options:
            continue
        kept = [option for option in options if option.get("type") != "null"]
        del member["anyOf"]
        if len(kept) == 1:
            member.update(kept[0])
        else:
            member["anyOf"] = kept
        if "default" in member and member["default"] is None:
            del member["default"]


def not_nullable(*names: str) -> JsonSchemaExtra:
    """A `json_schema_extra` saying these optional members must not be sent as null."""

    def document(schema: dict[str, Any], model: type[BaseModel]) -> None:
        drop_null(schema, names)

    return document
