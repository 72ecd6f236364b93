"""Start-up of a unit's external webhooks: the secret box, the target policy, the relay's side."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from fastapi import FastAPI

from services.db import create_engine, create_sessionmaker
from services.webhooks.dispatch import WebhookDispatch
from services.webhooks.service import Webhooks
from services.webhooks.signing import SecretBox
from services.webhooks.targets import delivery_client

LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]


def webhooks_lifespan_hook() -> LifespanHook:
    """An `on_startup` hook that readies external subscriptions (before the relay starts)."""

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        settings = app.state.settings
        policy = settings.webhooks.policy_for(settings.environment)
        box = SecretBox.for_settings(settings)
        app.state.webhooks = Webhooks(app.state.kernel, box, policy, settings.webhooks)
        if not settings.webhooks.deliver:
            return
        client = delivery_client(policy)
        stack.push_async_callback(client.aclose)
        # The relay asks every round whether anyone subscribed: on a small engine of its own,
        # so an idle unit never takes a connection from its requests' pool for it.
        engine = create_engine(
            settings,
            application_name=f"fsm-{app.state.unit.name}-webhooks",
            pool_size=1,
            max_overflow=1,
        )
        stack.push_async_callback(engine.dispose)
        app.state.webhook_dispatch = WebhookDispatch(
            create_sessionmaker(engine),
            app.state.kernel,
            box,
            client,
            timeout=settings.webhooks.timeout_seconds,
        )

    return start
