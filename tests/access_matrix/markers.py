"""Unique strings planted in every field with a restricted audience, and the scan for them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx

from tests.access_matrix import personas as p
from tests.workbook.factories import random_nhs_number, random_upn


@dataclass(frozen=True)
class Marker:
    """A string that may reach only its audience."""

    label: str
    text: str
    audience: p.Audience


def _word(label: str) -> str:
    # One lower-case alphanumeric token: full-text search indexes it whole, so `q=<text>`
    # finds exactly the records that carry it.
    return f"mtx{label.replace('_', '')}{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Markers:
    """The markers of one fixture, by what they mark."""

    case_a: Marker
    family_a: Marker
    restricted: Marker
    restricted_field: Marker
    restricted_summary: Marker
    restricted_other: Marker
    draft: Marker
    withdrawn: Marker
    justification: Marker
    case_b: Marker
    family_b: Marker
    nhs_b: Marker
    upn_b: Marker
    record_id_b: Marker
    team_b: Marker

    def __iter__(self) -> Iterator[Marker]:
        return iter(vars(self).values())

    def words(self) -> list[str]:
        """Markers that are search words (identifiers are matched elsewhere)."""
        return [m.text for m in self if m.text.startswith("mtx")]


def new_markers() -> Markers:
    """Fresh markers for one fixture."""

    def word(label: str, audience: p.Audience) -> Marker:
        return Marker(label, _word(label), audience)

    return Markers(
        case_a=word("case_a", p.CASE_A),
        family_a=word("family_a", p.CASE_A),
        restricted=word("restricted", p.RESTRICTED_A),
        restricted_field=word("restricted_field", p.RESTRICTED_A),
        restricted_summary=word("restricted_summary", p.RESTRICTED_A),
        restricted_other=word("restricted_other", p.RESTRICTED_OTHER_A),
        draft=word("draft", p.DRAFT_BY_SOCIAL_WORKER),
        withdrawn=word("withdrawn", p.WITHDRAWN_A),
        justification=word("justification", p.BREAK_GLASS_A),
        case_b=word("case_b", p.CASE_B),
        family_b=word("family_b", p.CASE_B),
        nhs_b=Marker("nhs_number_b", random_nhs_number(), p.CASE_B),
        upn_b=Marker("upn_b", random_upn(), p.CASE_B),
        record_id_b=Marker("system_of_record_id_b", f"MTX-{uuid.uuid4().hex[:16]}", p.CASE_B),
        team_b=word("team_b", p.TEAM_B_NAME),
    )


def response_text(response: httpx.Response) -> str:
    """Everything a response tells its reader: headers and the whole body, as text."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return headers + "\n" + response.content.decode("utf-8", errors="replace")


def leaked(markers: Iterable[Marker], persona: str, text: str) -> list[Marker]:
    """The markers in `text` that `persona` is outside the audience of."""
    return [m for m in markers if persona not in m.audience and m.text in text]


def seen(markers: Iterable[Marker], text: str) -> list[Marker]:
    """The markers present in `text`."""
    return [m for m in markers if m.text in text]
