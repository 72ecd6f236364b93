"""Which units call which on behalf of the person who asked: the one list the gateway signs by.

A workflow sometimes needs the record as the caller is allowed to see it (supervision's agenda
shows each worker's latest role summary; an assessment's evidence must be an entry its author
can read). It then calls the workbook's API directly with the caller's own internal token, so
the workbook applies its access rules and writes its audit exactly as if the caller had asked.
For that, the gateway addresses each internal token to the unit it forwards to and to the units
that one may call; a unit not listed here can never present a caller's token anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.auth import DPO_ROLE
from services.registry import INTERVENTION, PATHWAY, SUPERVISION, WORKBOOK, Unit


@dataclass(frozen=True)
class DelegatedCall:
    """One unit reading another's API as its caller, and why it needs to; when `roles` is
    given, only for callers holding one of them (the token of anyone else stays the caller
    unit's alone)."""

    caller: Unit
    callee: Unit
    why: str
    roles: frozenset[str] | None = None


_DPO = frozenset({DPO_ROLE})
DELEGATED_CALLS: tuple[DelegatedCall, ...] = (
    DelegatedCall(SUPERVISION, WORKBOOK, "a meeting's agenda shows each worker's role summary"),
    DelegatedCall(
        INTERVENTION,
        WORKBOOK,
        "an assessment's evidence must be on the record; an enrolled parent, in the family",
    ),
    DelegatedCall(PATHWAY, WORKBOOK, "a consent names a member of the family on the record"),
    # A subject access export reads what each unit holds about the family, as the DPO: only
    # the DPO's tokens to the workbook reach the others.
    DelegatedCall(WORKBOOK, SUPERVISION, "a subject access export gathers GCS records", _DPO),
    DelegatedCall(WORKBOOK, INTERVENTION, "a subject access export gathers programmes", _DPO),
    DelegatedCall(WORKBOOK, PATHWAY, "a subject access export gathers early help records", _DPO),
)


def callees_of(unit_name: str) -> tuple[str, ...]:
    """The units `unit_name` may call with some caller's token."""
    return tuple(call.callee.name for call in DELEGATED_CALLS if call.caller.name == unit_name)


def callees_for(unit_name: str, roles: frozenset[str]) -> tuple[str, ...]:
    """The units `unit_name` may call with the token of a caller holding `roles`."""
    return tuple(
        call.callee.name
        for call in DELEGATED_CALLS
        if call.caller.name == unit_name and (call.roles is None or call.roles & roles)
    )
