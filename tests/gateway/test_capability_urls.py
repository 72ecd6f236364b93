"""Capability URLs (a calendar feed): GETs the gateway forwards without a token, and nothing else.

A calendar program cannot sign in; the secret in the feed's path is its credential, which the
backend checks. The gateway forwards such a GET with no internal token (so no identity reaches
the backend), drops whatever Authorization the client sent, and treats every other method on
those paths, and every other path, as it always does.
"""

from __future__ import annotations

import httpx

from tests.gateway.upstreams import EchoUpstream

FEED = "/supervision/feeds/calendar/" + "A" * 43


async def test_a_capability_get_is_forwarded_without_any_identity(
    gateway: httpx.AsyncClient, echoes: dict[str, EchoUpstream]
) -> None:
    response = await gateway.get(FEED, headers={"Authorization": "Bearer not-checked-here"})
    assert response.status_code == 200, response.text
    (seen,) = echoes["supervision"].seen
    assert seen.path == "/feeds/calendar/" + "A" * 43
    assert seen.header("authorization") == []


async def test_other_methods_and_other_paths_still_need_a_token(
    gateway: httpx.AsyncClient, echoes: dict[str, EchoUpstream]
) -> None:
    assert (await gateway.post(FEED)).status_code == 401
    assert (await gateway.delete(FEED)).status_code == 401
    assert (await gateway.get("/supervision/meetings")).status_code == 401
    assert (await gateway.get("/supervision/calendar/feed")).status_code == 401
    assert echoes["supervision"].seen == []
