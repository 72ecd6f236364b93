"""Managing external subscriptions: make, change, pause, rotate, delete; read and replay deliveries.

A subscription lives in the unit whose events it takes, beside that unit's outbox, relay and
dead letters (services/webhooks/__init__.py says why). Its secret is made here, shown once and
stored encrypted; its target is checked against the unit's target policy (targets.py); where
it starts reading the outbox is fixed when it is made (dispatch.py reads on from there).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import Request
from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import NotFound, ProblemError, invalid
from services.kernel_tables import KernelTables
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.webhooks.dispatch import subscriber_key
from services.webhooks.schemas import (
    DeliveryStatus,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from services.webhooks.settings import TargetPolicy, WebhookSettings
from services.webhooks.signing import SecretBox, new_secret
from services.webhooks.targets import TargetRefused, check_target

_LAST = 2**63 - 1
# A clock on the caller's side a little ahead of ours is not a start in the future.
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Webhooks:
    """What the API needs of the unit: its tables, its secret box, its rules."""

    tables: KernelTables
    box: SecretBox
    policy: TargetPolicy
    settings: WebhookSettings

    @staticmethod
    def of(request: Request) -> Webhooks:
        """The unit's webhooks, set up by its start-up (services/webhooks/lifespan.py)."""
        found: Webhooks = request.app.state.webhooks
        return found


def _subscription_columns(k: KernelTables) -> list[Any]:
    s = k.webhooks.subscription.c
    return [
        s.id,
        s.name,
        s.url,
        s.event_types,
        s.description,
        s.active,
        s.starts_at,
        s.previous_expires_at.label("previous_secret_expires_at"),
        s.created_by,
        s.created_at,
        s.updated_at,
        s.version,
    ]


async def _check_url(url: str, policy: TargetPolicy) -> None:
    try:
        await check_target(url, policy)
    except TargetRefused as refused:
        raise invalid("body", "url", message=str(refused), code="target") from refused


async def _name_taken(session: AsyncSession, hooks: Webhooks, name: str) -> bool:
    s = hooks.tables.webhooks.subscription.c
    return await session.scalar(select(s.id).where(s.name == name)) is not None


async def _start_position(session: AsyncSession, hooks: Webhooks, start: datetime) -> int:
    """The txid to read on from: below the first event at or after `start` (or below xmin)."""
    e = hooks.tables.outbox_event.c
    first = await session.scalar(select(func.min(e.txid)).where(e.time >= start))
    if first is not None:
        return int(first) - 1
    xmin = await session.scalar(select(text("pg_snapshot_xmin(pg_current_snapshot())::text")))
    return int(xmin or 1) - 1


async def create(
    session: AsyncSession, hooks: Webhooks, created_by: str, body: SubscriptionCreate
) -> tuple[Any, str]:
    """Make a subscription and its secret; the secret is returned to be shown once."""
    await _check_url(body.url, hooks.policy)
    now = await transaction_now(session)
    start = body.start_from or now
    earliest = now - timedelta(days=hooks.settings.max_replay_days)
    if start < earliest or start > now + _CLOCK_SKEW:
        raise invalid(
            "body",
            "start_from",
            message=f"must be within the last {hooks.settings.max_replay_days} days",
            code="start_from",
        )
    if await _name_taken(session, hooks, body.name):
        raise ProblemError(409, "name-taken", "A subscription with this name exists.")
    secret = new_secret()
    subscription_id = uuid.uuid4()
    await session.execute(
        insert(hooks.tables.webhooks.subscription).values(
            id=subscription_id,
            name=body.name,
            url=body.url,
            event_types=body.event_types,
            description=body.description,
            secret=hooks.box.seal(secret),
            starts_at=min(start, now),
            read_txid=await _start_position(session, hooks, min(start, now)),
            read_position=_LAST,
            created_by=created_by,
        )
    )
    return await load(session, hooks, subscription_id), secret


def _listing(hooks: Webhooks) -> Select[Any]:
    return select(*_subscription_columns(hooks.tables))


def subscription_order(hooks: Webhooks) -> Keyset:
    """Newest subscriptions first."""
    s = hooks.tables.webhooks.subscription.c
    return Keyset((s.created_at, aware_datetime), (s.id, uuid_value))


async def list_page(
    session: AsyncSession, hooks: Webhooks, page: PageRequest
) -> tuple[list[Any], str | None]:
    """A page of the unit's subscriptions."""
    order = subscription_order(hooks)
    rows = (await session.execute(order.apply(_listing(hooks), page))).all()
    return order.page(rows, page, lambda row: (row.created_at, row.id))


async def load(
    session: AsyncSession, hooks: Webhooks, subscription_id: UUID, *, lock: bool = False
) -> Any:
    """One subscription (locked for a change when asked), or 404."""
    s = hooks.tables.webhooks.subscription.c
    query = _listing(hooks).where(s.id == subscription_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise NotFound("subscription")
    return row


async def _bump(
    session: AsyncSession, hooks: Webhooks, subscription_id: UUID, **values: Any
) -> Any:
    table = hooks.tables.webhooks.subscription
    await session.execute(
        update(table)
        .where(table.c.id == subscription_id)
        .values(updated_at=func.now(), version=table.c.version + 1, **values)
    )
    return await load(session, hooks, subscription_id)


async def change(
    session: AsyncSession, hooks: Webhooks, subscription_id: UUID, body: SubscriptionUpdate
) -> Any:
    """Apply the members sent; a new target is checked like a first one."""
    values = body.model_dump(exclude_unset=True)
    for name in ("url", "event_types", "active"):
        if name in values and values[name] is None:
            raise invalid("body", name, message="must not be null", code="null")
    if body.url is not None:
        await _check_url(body.url, hooks.policy)
    if not values:
        raise invalid("body", message="send at least one member to change", code="no_change")
    return await _bump(session, hooks, subscription_id, **values)


async def rotate(
    session: AsyncSession, hooks: Webhooks, subscription_id: UUID, body: SecretRotation
) -> tuple[Any, str]:
    """A new secret; the current one keeps signing beside it until the overlap ends."""
    overlap = min(body.overlap_minutes, hooks.settings.max_overlap_hours * 60)
    table = hooks.tables.webhooks.subscription
    secret = new_secret()
    keep = overlap > 0
    now = await transaction_now(session)
    row = await _bump(
        session,
        hooks,
        subscription_id,
        secret=hooks.box.seal(secret),
        previous_secret=table.c.secret if keep else None,
        previous_expires_at=now + timedelta(minutes=overlap) if keep else None,
    )
    return row, secret


async def remove(session: AsyncSession, hooks: Webhooks, subscription_id: UUID) -> None:
    """Delete a subscription with its queue and delivery log."""
    key = subscriber_key(subscription_id)
    k = hooks.tables
    await session.execute(
        delete(k.webhooks.attempt).where(k.webhooks.attempt.c.subscription_id == subscription_id)
    )
    await session.execute(delete(k.outbox_delivery).where(k.outbox_delivery.c.subscriber == key))
    await session.execute(
        delete(k.webhooks.subscription).where(k.webhooks.subscription.c.id == subscription_id)
    )


# Deliveries ---------------------------------------------------------------------------------


def _dead(hooks: Webhooks) -> ColumnElement[bool]:
    d = hooks.tables.outbox_delivery.c
    return d.delivered_at.is_(None) & d.last_error.startswith("dead:", autoescape=True)


def _status(hooks: Webhooks) -> ColumnElement[str]:
    d = hooks.tables.outbox_delivery.c
    return case(
        (d.delivered_at.is_not(None), literal("delivered")),
        (_dead(hooks), literal("dead")),
        else_=literal("pending"),
    )


def _deliveries(hooks: Webhooks, subscription_id: UUID) -> Select[Any]:
    d, e = hooks.tables.outbox_delivery.c, hooks.tables.outbox_event.c
    infinite = d.next_attempt_at == literal_column("'infinity'::timestamptz")
    return (
        select(
            d.id,
            d.event_id,
            e.type.label("event_type"),
            e.time.label("event_time"),
            _status(hooks).label("status"),
            d.attempts,
            case((d.delivered_at.is_not(None) | infinite, None), else_=d.next_attempt_at).label(
                "next_attempt_at"
            ),
            d.delivered_at,
            d.last_error,
            d.created_at,
        )
        .join(hooks.tables.outbox_event, e.id == d.event_id)
        .where(d.subscriber == subscriber_key(subscription_id))
    )


async def deliveries_page(
    session: AsyncSession,
    hooks: Webhooks,
    subscription_id: UUID,
    page: PageRequest,
    status: DeliveryStatus | None,
) -> tuple[list[Any], str | None]:
    """A page of a subscription's deliveries, newest first."""
    d = hooks.tables.outbox_delivery.c
    order = Keyset((d.id, int))
    query = _deliveries(hooks, subscription_id)
    if status is not None:
        query = query.where(_status(hooks) == status)
    rows = (await session.execute(order.apply(query, page))).all()
    return order.page(rows, page, lambda row: (row.id,))


async def delivery(
    session: AsyncSession, hooks: Webhooks, subscription_id: UUID, delivery_id: int
) -> tuple[Any, list[Any]]:
    """One delivery of a subscription and its attempts, oldest first; or 404."""
    d = hooks.tables.outbox_delivery.c
    row = (
        await session.execute(_deliveries(hooks, subscription_id).where(d.id == delivery_id))
    ).one_or_none()
    if row is None:
        raise NotFound("delivery")
    a = hooks.tables.webhooks.attempt.c
    attempts = (
        await session.execute(
            select(a.attempted_at, a.status, a.error, a.duration_ms)
            .where(a.delivery_id == delivery_id)
            .order_by(a.id)
        )
    ).all()
    return row, list(attempts)


async def replay(
    session: AsyncSession, hooks: Webhooks, subscription_id: UUID, delivery_id: int | None
) -> int:
    """Schedule dead deliveries (one, or all of the subscription's) for new attempts."""
    table = hooks.tables.outbox_delivery
    d = table.c
    condition = (d.subscriber == subscriber_key(subscription_id)) & _dead(hooks)
    if delivery_id is not None:
        condition &= d.id == delivery_id
    result = await session.execute(
        update(table)
        .where(condition)
        .values(attempts=0, next_attempt_at=func.now(), last_error=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
