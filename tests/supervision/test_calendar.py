"""Calendar feeds: private and revocable, parsed with `icalendar`, updated in place on a move."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from icalendar import Calendar

from tests.supervision.conftest import Headers, MakePrincipal, Team, open_case
from tests.supervision.test_meetings import book, next_week

SERVICE_PATH_START = len("/supervision")


def events(document: bytes) -> list[Any]:
    return list(Calendar.from_ical(document).walk("VEVENT"))


async def issue(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/calendar/feed", headers=headers)
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    assert url.startswith("/supervision/feeds/calendar/")
    return url[SERVICE_PATH_START:]


async def test_a_feed_parses_and_a_moved_meeting_keeps_its_uid_with_a_higher_sequence(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id = await open_case(client, team)
    meeting = await book(client, as_, team, [case_id])
    feed = await issue(client, as_(team.social_worker))

    first = await client.get(feed)  # no credentials: the URL is the credential
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/calendar")
    [event] = events(first.content)
    uid = str(event["UID"])
    assert uid.startswith(meeting["id"])
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Meeting room 2"
    assert case_id.hex[:8].upper() in str(event["DESCRIPTION"])
    for name in (team.social_worker.display_name, team.manager.display_name, str(case_id)):
        assert name.encode() not in first.content

    url = f"/meetings/{meeting['id']}"
    etag = (await client.get(url, headers=as_(team.manager))).headers["etag"]
    later = next_week(hour=15)
    moved = await client.post(
        f"{url}/reschedule",
        json={
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(hours=1)).isoformat(),
            "reason": "Room double-booked.",
        },
        headers={**as_(team.manager), "If-Match": etag},
    )
    assert moved.status_code == 200, moved.text
    [event] = events((await client.get(feed)).content)
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == later

    await client.post(
        f"{url}/cancel",
        json={"reason": "Chair unwell."},
        headers={**as_(team.manager), "If-Match": moved.headers["etag"]},
    )
    [event] = events((await client.get(feed)).content)
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (uid, 2)
    assert str(event["STATUS"]) == "CANCELLED"


async def test_a_feed_is_private_to_its_practitioner_and_revocable(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    await book(client, as_, team, [await open_case(client, team)])
    old = await issue(client, as_(team.specialist))
    new = await issue(client, as_(team.specialist))
    assert (await client.get(old)).status_code == 404
    assert len(events((await client.get(new)).content)) == 1
    # The colleague's feed shows none of the specialist's meetings.
    assert events((await client.get(await issue(client, as_(team.colleague)))).content) == []

    status = await client.get("/calendar/feed", headers=as_(team.specialist))
    assert status.json()["active"]
    assert "url" not in status.json()
    assert (await client.delete("/calendar/feed", headers=as_(team.specialist))).status_code == 204
    assert (await client.get(new)).status_code == 404
    assert not (await client.get("/calendar/feed", headers=as_(team.specialist))).json()["active"]

    assert (await client.get("/feeds/calendar/not-a-feed")).status_code == 422
    auditor = make_principal(discipline="business_support", roles=("auditor",), teams=(team.id,))
    assert (await client.post("/calendar/feed", headers=as_(auditor))).status_code == 403
    assert (await client.post("/calendar/feed")).status_code == 401
