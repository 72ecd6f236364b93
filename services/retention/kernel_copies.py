"""A destroyed case's narrative in the kernel tables every schema carries, table by table.

- `outbox_event`: the one kind of event that carries words is a chronology contribution
  (services/event_contracts.py); its title and summary about the case are tombstoned, whether
  delivered already or not (one still waiting then reaches the workbook as a tombstone). Every
  other event carries ids, times, codes and flags by contract, so it is left.
- `idempotency_key`: stored responses are replayed bodies, narrative and all, and nothing
  expires them on a schedule, so every stored response whose path or body names the case, or
  names a record the unit tombstoned, is forgotten (a retry after that runs the request again,
  against a closed, destroyed case, and is refused).
- `inbox_event` holds event ids, types and sources only; `change_log` ids and scopes only (the
  tombstoning updates append to it, so change feeds send the tombstoned records again);
  `audit_log` holds ids, counts and field names by contract and is never deleted; webhook
  delivery attempts hold statuses and error codes. All are left.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Text, delete, exists, func, literal, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import CHRONOLOGY_SUFFIX
from services.kernel_tables import KernelTables

# ChronologyContribution's bound on a title: a tombstone must still read as a valid one.
_TITLE_MAX = 300


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def tombstone_outbox(
    session: AsyncSession, kernel: KernelTables, case_id: UUID, words: str
) -> int:
    """Tombstone the words of the case's chronology contributions in the outbox."""
    outbox = kernel.outbox_event
    data = outbox.c.data
    # The title always; the summary only where one was given (NULL stays NULL).
    summary = sql_case(
        (
            func.jsonb_typeof(data["summary"]) == "string",
            func.jsonb_build_object("summary", literal(words, Text)),
        ),
        else_=literal({}, JSONB),
    )
    patch = func.jsonb_build_object("title", literal(words[:_TITLE_MAX], Text)).op(
        "||", return_type=JSONB
    )(summary)
    result = await session.execute(
        update(outbox)
        .where(
            outbox.c.type.endswith(f".{CHRONOLOGY_SUFFIX}"),
            data["case_id"].astext == str(case_id),
        )
        .values(data=data.op("||", return_type=JSONB)(patch))
        .execution_options(synchronize_session=False)
    )
    return _rows(result)


async def forget_stored_responses(
    session: AsyncSession, kernel: KernelTables, ids: Iterable[UUID]
) -> int:
    """Forget every stored idempotent response whose path or body names one of `ids` (the
    case and the records tombstoned); one statement, the ids as an array."""
    table = kernel.idempotency_key
    names = sorted({str(i) for i in ids})
    if not names:
        return 0
    named = func.unnest(literal(names, ARRAY(Text))).table_valued("id").render_derived("named")
    # Bodies are JSON; `escape` reads any byte as text, so a stray byte cannot fail the search.
    body = func.encode(table.c.response_body, "escape")
    mentions = or_(func.strpos(table.c.path, named.c.id) > 0, func.strpos(body, named.c.id) > 0)
    result = await session.execute(delete(table).where(exists(select(named.c.id).where(mentions))))
    return _rows(result)
