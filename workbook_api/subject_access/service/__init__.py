"""Subject access behaviour: registering requests and their deadlines, starting exports,
reviewing the proposed redactions, asking for the bundle and recording the disclosure.

The gathering itself runs in the background (runner.py). What other units hold is read in
the request that starts an export, as the DPO who asked (exports.py).
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import ProblemError
from services.working_days import local_date


class Conflict(ProblemError):
    """The request or export is not in a state that allows this."""

    def __init__(self, detail: str) -> None:
        super().__init__(409, "conflict", detail)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (the month's last day when it has fewer)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def today(session: AsyncSession) -> date:
    """The transaction's day in England."""
    return local_date(await transaction_now(session))
