"""MITI 4.2.1 summary measures and the published thresholds they are read against.

Moyers, Manuel and Ernst, Motivational Interviewing Treatment Integrity Coding Manual 4.2.1
(2014; thresholds in Moyers et al. 2016, J Subst Abuse Treat 65:36-42):
- technical global = (cultivating change talk + softening sustain talk) / 2: fair 3, good 4;
- relational global = (partnership + empathy) / 2: fair 3.5, good 4;
- % complex reflections = complex / (simple + complex): fair 40%, good 50%;
- reflection-to-question ratio = (simple + complex) / questions: fair 1, good 2;
- total MI-adherent = seeking collaboration + affirm + emphasizing autonomy, and total
  MI-non-adherent = confront + persuade (persuade with permission is neither), and the
  MI-adherent share = adherent / (adherent + non-adherent). MITI 4 publishes no thresholds for
  these three (MITI 3's "% MI-adherent" ones do not carry over); they are shown with none.
Over several codings (a worker's month, a team's), counts are summed before the ratios are
taken (a session with many utterances weighs more, as pooled coding does) and global scores
are averaged per coding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Rating = Literal["below_fair", "fair", "good"]


class Coding(Protocol):
    """What a MITI coding holds: four global scores and ten behaviour counts."""

    cultivating_change_talk: int
    softening_sustain_talk: int
    partnership: int
    empathy: int
    giving_information: int
    persuade: int
    persuade_with_permission: int
    question: int
    simple_reflection: int
    complex_reflection: int
    affirm: int
    seeking_collaboration: int
    emphasizing_autonomy: int
    confront: int


@dataclass(frozen=True)
class Threshold:
    """A published proficiency threshold: values at or above `good` are good, and so on."""

    fair: float
    good: float

    def rate(self, value: float | None) -> Rating | None:
        if value is None:
            return None
        if value >= self.good:
            return "good"
        if value >= self.fair:
            return "fair"
        return "below_fair"


TECHNICAL = Threshold(fair=3.0, good=4.0)
RELATIONAL = Threshold(fair=3.5, good=4.0)
PERCENT_COMPLEX_REFLECTIONS = Threshold(fair=40.0, good=50.0)
REFLECTION_TO_QUESTION = Threshold(fair=1.0, good=2.0)


@dataclass(frozen=True)
class Measures:
    """The summary measures of one coding, or of several pooled."""

    codings: int
    technical_global: float
    relational_global: float
    # None when nothing was reflected (no share to speak of) or nothing asked (no ratio).
    percent_complex_reflections: float | None
    reflection_to_question_ratio: float | None
    total_mi_adherent: int
    total_mi_non_adherent: int
    # None when neither kind of behaviour was coded.
    percent_mi_adherent: float | None


def measure(codings: Sequence[Coding]) -> Measures:
    """The measures of one or more codings (see the module docstring for the pooling)."""
    if not codings:
        raise ValueError("no codings to measure")
    n = len(codings)
    technical = sum(c.cultivating_change_talk + c.softening_sustain_talk for c in codings) / 2 / n
    relational = sum(c.partnership + c.empathy for c in codings) / 2 / n
    simple = sum(c.simple_reflection for c in codings)
    complex_ = sum(c.complex_reflection for c in codings)
    questions = sum(c.question for c in codings)
    reflections = simple + complex_
    adherent = sum(c.seeking_collaboration + c.affirm + c.emphasizing_autonomy for c in codings)
    non_adherent = sum(c.confront + c.persuade for c in codings)
    return Measures(
        codings=n,
        technical_global=round(technical, 3),
        relational_global=round(relational, 3),
        percent_complex_reflections=(
            round(100 * complex_ / reflections, 1) if reflections else None
        ),
        reflection_to_question_ratio=round(reflections / questions, 2) if questions else None,
        total_mi_adherent=adherent,
        total_mi_non_adherent=non_adherent,
        percent_mi_adherent=(
            round(100 * adherent / (adherent + non_adherent), 1)
            if adherent + non_adherent
            else None
        ),
    )
