"""The lifecycle as an explicit state machine: which stage may follow which.

identified -> consent -> assessment -> plan -> do -> review -> (do | plan) ... -> closed.
Closing is possible from any open stage (a family may end early help at any time), but only
through closing, which records why and that the family was told. What each step needs beyond
its place in the machine (consent, an assessment, a lead practitioner, SMART targets) is
checked by the lifecycle service, which names what is missing.
"""

from __future__ import annotations

from typing import Literal

Stage = Literal["identified", "consent", "assessment", "plan", "do", "review", "closed"]
OpenStage = Literal["consent", "assessment", "plan", "do", "review"]
STAGES: tuple[str, ...] = ("identified", "consent", "assessment", "plan", "do", "review", "closed")

NEXT: dict[str, frozenset[str]] = {
    "identified": frozenset({"consent"}),
    "consent": frozenset({"assessment"}),
    "assessment": frozenset({"plan"}),
    "plan": frozenset({"do"}),
    "do": frozenset({"review"}),
    # After a review the plan goes on, or is amended.
    "review": frozenset({"do", "plan"}),
    "closed": frozenset(),
}
# Where reviews may be recorded: once the plan is being carried out.
REVIEWABLE = frozenset({"do", "review"})
# Where the plan's targets may be set or changed.
PLANNING = frozenset({"plan", "do", "review"})


def may_move(current: str, to: str) -> bool:
    """True when `to` may follow `current` in the machine."""
    return to in NEXT.get(current, frozenset())
