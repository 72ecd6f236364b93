"""External webhook subscriptions to this unit's events, for administrators.

Each unit that publishes events offers this API for its own events (`/workbook/webhooks/...`,
`/supervision/webhooks/...`): a subscription lives beside the outbox it reads, the relay that
delivers it and its dead letters, so nothing crosses a schema and no secret travels between
units. Deliveries are CloudEvents signed with Standard Webhooks, retried with backoff; each one
can be followed in the delivery log, and dead ones replayed.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.auditing import Audit, audited
from services.auth import require_any_role
from services.concurrency import IfMatch, check_if_match, set_etag
from services.errors import ProblemError, raises
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.registry import Unit
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession
from services.webhooks import service
from services.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    DeliveryStatus,
    Replayed,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from services.webhooks.service import Webhooks

ADMINISTRATOR_ROLE = "administrator"
Administrator = Annotated[Principal, Depends(require_any_role(ADMINISTRATOR_ROLE))]
SubscriptionId = Annotated[UUID, Path(description="The subscription")]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The delivery")]
BASE = "/webhooks/subscriptions"


def subscription_location(subscription_id: UUID) -> str:
    """A subscription's path as the unit mounts it (the gateway adds its prefix)."""
    return f"{BASE}/{subscription_id}"


@raises(404)
async def visible_subscription(
    subscription_id: SubscriptionId, admin: Administrator, session: DbSession, request: Request
) -> Any:
    """A subscription of this unit, for an administrator."""
    return await service.load(session, Webhooks.of(request), subscription_id)


@raises(404, 412, 428)
async def subscription_at_version(
    subscription_id: SubscriptionId,
    admin: Administrator,
    session: DbSession,
    request: Request,
    if_match: IfMatch = None,
) -> Any:
    """A subscription locked for a change, as of the version the caller last read."""
    row = await service.load(session, Webhooks.of(request), subscription_id, lock=True)
    check_if_match(if_match, row.id, row.version)
    return row


Subscription = Annotated[Any, Depends(visible_subscription)]
SubscriptionToChange = Annotated[Any, Depends(subscription_at_version)]


def _read(response: Response, row: Any) -> SubscriptionRead:
    set_etag(response, row.id, row.version)
    return SubscriptionRead.of(row)


def _with_secret(response: Response, row: Any, secret: str) -> SubscriptionWithSecret:
    set_etag(response, row.id, row.version)
    return SubscriptionWithSecret.of(row, secret=secret)


def _delivery(row: Any) -> DeliveryRead:
    return DeliveryRead.of(row)


def webhooks_router(unit: Unit) -> APIRouter:
    """The subscriptions API for one unit's events (operation ids carry the unit's name)."""
    router = kit_router(tags=["webhooks"])

    def oid(verb: str, noun: str) -> str:
        return f"{verb}_{unit.name}_{noun}"

    @router.post(
        BASE,
        status_code=201,
        summary="Subscribe an external system to events",
        operation_id=oid("create", "webhook_subscription"),
    )
    @audited("create", "webhook_subscription", resource="")
    @raises(409)
    async def create_subscription(
        body: SubscriptionCreate,
        admin: Administrator,
        request: Request,
        response: Response,
        session: DbSession,
        note: Audit,
    ) -> SubscriptionWithSecret:
        """Subscribe a target URL to event types, from now or from a point in the past; the
        signing secret is shown in this answer only."""
        row, secret = await service.create(session, Webhooks.of(request), admin.subject, body)
        note.resource_id = str(row.id)
        note.details.update(event_types=body.event_types, start_from=str(row.starts_at))
        created(response, subscription_location(row.id), row.id, row.version)
        return SubscriptionWithSecret.of(row, secret=secret)

    @router.get(
        BASE,
        summary="List webhook subscriptions",
        operation_id=oid("list", "webhook_subscriptions"),
    )
    async def list_subscriptions(
        admin: Administrator, request: Request, session: DbSession, page: PageQuery
    ) -> Page[SubscriptionRead]:
        """The subscriptions to this unit's events, newest first."""
        rows, next_cursor = await service.list_page(session, Webhooks.of(request), page)
        return Page[SubscriptionRead](
            items=[SubscriptionRead.of(row) for row in rows], next_cursor=next_cursor
        )

    @router.get(
        f"{BASE}/{{subscription_id}}",
        summary="Read a webhook subscription",
        operation_id=oid("get", "webhook_subscription"),
    )
    async def get_subscription(row: Subscription, response: Response) -> SubscriptionRead:
        """A subscription, with its ETag for changes."""
        return _read(response, row)

    @router.patch(
        f"{BASE}/{{subscription_id}}",
        summary="Change or pause a webhook subscription",
        operation_id=oid("update", "webhook_subscription"),
    )
    @audited("update", "webhook_subscription")
    async def update_subscription(
        body: SubscriptionUpdate,
        row: SubscriptionToChange,
        request: Request,
        response: Response,
        session: DbSession,
        note: Audit,
    ) -> SubscriptionRead:
        """Change the target, the event types or the description, or pause and resume (send
        If-Match); a paused subscription's events wait for it."""
        note.details["fields"] = sorted(body.model_fields_set)
        return _read(response, await service.change(session, Webhooks.of(request), row.id, body))

    @router.delete(
        f"{BASE}/{{subscription_id}}",
        status_code=204,
        summary="Delete a webhook subscription",
        operation_id=oid("delete", "webhook_subscription"),
    )
    @audited("delete", "webhook_subscription")
    async def delete_subscription(
        row: SubscriptionToChange, request: Request, session: DbSession
    ) -> Response:
        """Delete a subscription (send If-Match) with its queued deliveries and delivery log."""
        await service.remove(session, Webhooks.of(request), row.id)
        return Response(status_code=204)

    @router.post(
        f"{BASE}/{{subscription_id}}/rotate-secret",
        summary="Rotate a webhook subscription's secret",
        operation_id=oid("rotate", "webhook_secret"),
    )
    @audited("rotate_secret", "webhook_subscription")
    async def rotate_secret(
        body: SecretRotation,
        row: SubscriptionToChange,
        request: Request,
        response: Response,
        session: DbSession,
        note: Audit,
    ) -> SubscriptionWithSecret:
        """Issue a new signing secret (send If-Match), shown in this answer only; for the
        overlap, deliveries carry a signature with each, so receivers can switch over."""
        hooks = Webhooks.of(request)
        rotated, secret = await service.rotate(session, hooks, row.id, body)
        note.details["overlap_minutes"] = body.overlap_minutes
        return _with_secret(response, rotated, secret)

    @router.get(
        f"{BASE}/{{subscription_id}}/deliveries",
        summary="List a webhook subscription's deliveries",
        operation_id=oid("list", "webhook_deliveries"),
    )
    async def list_deliveries(
        row: Subscription,
        request: Request,
        session: DbSession,
        page: PageQuery,
        status: Annotated[
            DeliveryStatus | None, Query(description="`dead`: the dead letters")
        ] = None,
    ) -> Page[DeliveryRead]:
        """The delivery log: each event sent, newest first, with its attempts and last error."""
        rows, next_cursor = await service.deliveries_page(
            session, Webhooks.of(request), row.id, page, status
        )
        return Page[DeliveryRead](items=[_delivery(r) for r in rows], next_cursor=next_cursor)

    @router.get(
        f"{BASE}/{{subscription_id}}/deliveries/{{delivery_id}}",
        summary="Read a webhook delivery and its attempts",
        operation_id=oid("get", "webhook_delivery"),
    )
    @raises(404)
    async def get_delivery(
        delivery_id: DeliveryId, row: Subscription, request: Request, session: DbSession
    ) -> DeliveryDetail:
        """A delivery with every attempt: when, the subscriber's status, the error, how long."""
        found, attempts = await service.delivery(session, Webhooks.of(request), row.id, delivery_id)
        return DeliveryDetail.of(found, attempt_log=[AttemptRead.of(a) for a in attempts])

    @router.post(
        f"{BASE}/{{subscription_id}}/deliveries/{{delivery_id}}/replay",
        summary="Replay a dead webhook delivery",
        operation_id=oid("replay", "webhook_delivery"),
    )
    @audited("replay", "webhook_subscription", resource="subscription_id")
    @raises(404, 409)
    async def replay_delivery(
        delivery_id: DeliveryId, row: Subscription, request: Request, session: DbSession
    ) -> DeliveryRead:
        """Send a dead letter again, with a fresh round of attempts."""
        hooks = Webhooks.of(request)
        found, _ = await service.delivery(session, hooks, row.id, delivery_id)
        if found.status != "dead":
            raise ProblemError(409, "not-dead", "Only a dead delivery is replayed.")
        await service.replay(session, hooks, row.id, delivery_id)
        replayed, _ = await service.delivery(session, hooks, row.id, delivery_id)
        return _delivery(replayed)

    @router.post(
        f"{BASE}/{{subscription_id}}/replay-dead",
        summary="Replay every dead webhook delivery of a subscription",
        operation_id=oid("replay", "dead_webhook_deliveries"),
    )
    @audited("replay", "webhook_subscription")
    async def replay_dead(
        row: Subscription, request: Request, session: DbSession, note: Audit
    ) -> Replayed:
        """Send every dead letter of the subscription again."""
        count = await service.replay(session, Webhooks.of(request), row.id, None)
        note.details["count"] = count
        return Replayed(replayed=count)

    return router
