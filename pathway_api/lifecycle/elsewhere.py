"""Before an early help assessment starts: is one under way elsewhere on the family?

The pathway learns every case of the family from the workbook's events (the projection), and
keeps the early help involvements itself, so the check reads nothing outside this unit: an open
Family Safeguarding case means a statutory team holds the family and may be assessing it, and
another early help involvement at its assessment stage is assessing it. The refusal names where
(case, kind, team); the lead agrees with that team and names the case when moving on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.lifecycle import repository
from pathway_api.lifecycle.schemas import Transition
from services.errors import ProblemError, invalid
from services.projection import ProjectedCase

KIND_NAMES = {"family_safeguarding": "Family Safeguarding", "early_help": "early help"}


async def clear_of_assessments_elsewhere(
    session: AsyncSession, case: ProjectedCase, body: Transition
) -> str:
    """Refuse to start an assessment while another of the family's open cases may have one
    under way, unless the request names each as coordinated with; the reason to record.

    A family assessed twice at once tells its story twice, to two teams who may plan apart: the
    lead first agrees with the team holding the other case (during a step down both cases are
    open, and the early help assessment often starts before the statutory case closes).
    """
    elsewhere = await repository.assessments_elsewhere(session, case.family_id, case.id)
    held = {row.case_id: row for row in elsewhere}
    stray = [str(case_id) for case_id in body.coordinated_with if case_id not in held]
    if stray:
        raise invalid(
            "body",
            "coordinated_with",
            message="Not an open case of this family with an assessment under way: "
            + ", ".join(stray),
            code="not_held_elsewhere",
        )
    missing = [row for row in elsewhere if row.case_id not in set(body.coordinated_with)]
    if missing:
        raise ProblemError(
            409,
            "assessment-held-elsewhere",
            "The family has another open case where an assessment may be under way: "
            + "; ".join(_where(row) for row in missing)
            + ". Agree with that team before assessing here, then name the case in "
            "coordinated_with.",
            held_elsewhere=[
                {
                    "case_id": str(row.case_id),
                    "kind": row.kind,
                    "team_id": str(row.team_id),
                    "team_name": row.team_name,
                    "stage": row.stage,
                }
                for row in missing
            ],
        )
    if not elsewhere:
        return body.reason
    return f"{body.reason} (agreed with {'; '.join(_where(row) for row in elsewhere)})"


def _where(row: Any) -> str:
    team = row.team_name or f"team {row.team_id}"
    return f"{KIND_NAMES.get(row.kind, row.kind)} case {row.case_id} held by {team}"
