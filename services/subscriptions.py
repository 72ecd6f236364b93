"""Who takes whose events: the one list `fsm run` configures and k8s/subscriptions.yaml mirrors.

The workbook is the record; the other units are workflows on its cases. They learn cases,
allocations and practitioners from events, and send back what belongs on the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.event_contracts import (
    PATHWAY_TRANSFER_ACCEPTED,
    PREFIX,
    WORKBOOK_ALLOCATION_EVENTS,
    WORKBOOK_CASE_EVENTS,
    chronology_type,
)
from services.inbox import INBOX_PATH
from services.registry import (
    BACKENDS,
    GATEWAY,
    INTERVENTION,
    PATHWAY,
    SUPERVISION,
    WORKBOOK,
    Unit,
)

DIRECTORY_EVENTS = f"{PREFIX}.directory."
# Case and allocation snapshots: every workflow service keeps the case projection from them
# (services/projection/), with the directory's events above.
CASE_EVENTS = (WORKBOOK_CASE_EVENTS, WORKBOOK_ALLOCATION_EVENTS)


@dataclass(frozen=True)
class Subscription:
    """One unit's relay delivering some of its events to another unit's inbox."""

    publisher: Unit
    receiver: Unit
    types: tuple[str, ...]


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    # Every service keeps its own projection of the practitioner directory.
    *(Subscription(GATEWAY, unit, (DIRECTORY_EVENTS,)) for unit in BACKENDS),
    # Supervision schedules group supervision for cases; intervention runs the programme on them.
    Subscription(WORKBOOK, SUPERVISION, CASE_EVENTS),
    Subscription(WORKBOOK, INTERVENTION, CASE_EVENTS),
    # The pathway runs early help's plan-do-review on early help cases.
    Subscription(WORKBOOK, PATHWAY, CASE_EVENTS),
    # What happens in a workflow that belongs on the record comes back to the workbook.
    Subscription(SUPERVISION, WORKBOOK, (f"{PREFIX}.supervision.",)),
    Subscription(INTERVENTION, WORKBOOK, (f"{PREFIX}.intervention.",)),
    # The pathway's chronology alone: its escalation alerts are for the team's managers, through
    # webhook subscriptions, not for the record.
    # A step up or down its receiving team accepted opens the family's new case on the record.
    Subscription(PATHWAY, WORKBOOK, (chronology_type(PATHWAY.name), PATHWAY_TRANSFER_ACCEPTED)),
)


def relay_subscribers(
    publisher: Unit, base_urls: Mapping[str, str], secrets: Mapping[str, str]
) -> list[dict[str, object]]:
    """`FSM_RELAY_SUBSCRIBERS` for one publishing unit, given where each receiver listens."""
    return [
        {
            "name": subscription.receiver.name,
            "url": base_urls[subscription.receiver.name] + INBOX_PATH,
            "secret": secrets[subscription.receiver.name],
            "types": list(subscription.types),
        }
        for subscription in SUBSCRIPTIONS
        if subscription.publisher is publisher and subscription.receiver.name in base_urls
    ]


def receivers() -> frozenset[str]:
    """The units that take events from others (each needs an inbox secret)."""
    return frozenset(subscription.receiver.name for subscription in SUBSCRIPTIONS)
