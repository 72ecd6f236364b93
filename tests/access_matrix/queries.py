"""Query strings for reads: required parameters from the fixture, and the variants that widen.

Besides the plain request, a read is replayed with every boolean flag set (include_withdrawn
and the like) and, on top of that, with each value of each enumerated parameter (status=draft,
format=csv, include=revisions, ...), since those are where withheld records could slip out; and
asking, by Accept, for each other media type the document says a success may come in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from tests.access_matrix.bodies import BuildError
from tests.access_matrix.operations import Operation
from tests.access_matrix.world import World

QueryValues = Callable[[World, dict[str, str]], list[str]]


def identifiers_of_family_b(world: World, chosen: dict[str, str]) -> list[str]:
    """Family B's identifier in the system being searched."""
    m = world.markers
    by_system = {
        "nhs_number": m.nhs_b.text,
        "upn": m.upn_b.text,
        "system_of_record": m.record_id_b.text,
    }
    return [by_system[chosen["identifier_system"]]]


# Required query parameters without an enum: every value listed is a variant of its own.
QUERY_VALUES: dict[str, QueryValues] = {
    # Search for every marker word: a hit outside the audience shows it in its snippet.
    "q": lambda world, chosen: world.markers.words(),
    "value": identifiers_of_family_b,
    # What a unit holds about case A, for subject access.
    "case_id": lambda world, chosen: [world.case_a],
}


def _schema(op: Operation, param: dict[str, Any]) -> dict[str, Any]:
    node = op.resolve(param.get("schema", {}))
    for option in node.get("anyOf", []):
        option = op.resolve(option)
        if option.get("type") != "null":
            return option
    return node


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def query_variants(op: Operation, world: World) -> list[dict[str, str]]:
    """Every query string the read is replayed with."""
    bases: list[dict[str, str]] = [{}]
    flags: dict[str, str] = {}
    enums: list[tuple[str, list[Any]]] = []
    for param in op.parameters("query"):
        name, schema = param["name"], _schema(op, param)
        if param.get("required"):
            bases = [
                {**base, name: _text(value)}
                for base in bases
                for value in _required_values(op, world, name, schema, base)
            ]
        elif schema.get("type") == "boolean":
            flags[name] = "true"
        elif "enum" in schema or "const" in schema:
            enums.append((name, schema.get("enum", [schema.get("const")])))
    variants: list[dict[str, str]] = []
    for base in bases:
        widened = {**base, **flags}
        candidates = [base, widened]
        candidates += [{**widened, name: _text(v)} for name, values in enums for v in values]
        for candidate in candidates:
            if candidate not in variants:
                variants.append(candidate)
    return variants


def accept_types(op: Operation) -> list[str]:
    """Media types other than JSON a successful answer may come in (CSV exports, say)."""
    types: list[str] = []
    for status, response in op.spec.get("responses", {}).items():
        if str(status).startswith("2"):
            for media in op.resolve(response).get("content", {}):
                if media != "application/json" and media not in types:
                    types.append(media)
    return types


def _required_values(
    op: Operation, world: World, name: str, schema: dict[str, Any], chosen: dict[str, str]
) -> list[Any]:
    if "enum" in schema or "const" in schema:
        return list(schema.get("enum", [schema.get("const")]))
    if name in QUERY_VALUES:
        return QUERY_VALUES[name](world, chosen)
    raise BuildError(
        f"{op.label}: required query parameter {name!r} has no value; teach QUERY_VALUES"
    )


def path_combinations(choices: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of one choice per path parameter."""
    names = list(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices.values())]
