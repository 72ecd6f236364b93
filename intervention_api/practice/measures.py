"""MITI measures as the API shows them: each value with its thresholds and rating."""

from __future__ import annotations

from collections.abc import Sequence

from intervention_api.practice import miti
from intervention_api.practice.schemas import Measure, MitiSummary


def _against(value: float | None, threshold: miti.Threshold | None) -> Measure:
    if threshold is None:
        return Measure(value=value, fair=None, good=None, rating=None)
    return Measure(
        value=value, fair=threshold.fair, good=threshold.good, rating=threshold.rate(value)
    )


def summarise(codings: Sequence[miti.Coding]) -> MitiSummary:
    """The summary of one or more codings, each measure against its published thresholds."""
    m = miti.measure(codings)
    return MitiSummary(
        codings=m.codings,
        technical_global=_against(m.technical_global, miti.TECHNICAL),
        relational_global=_against(m.relational_global, miti.RELATIONAL),
        percent_complex_reflections=_against(
            m.percent_complex_reflections, miti.PERCENT_COMPLEX_REFLECTIONS
        ),
        reflection_to_question_ratio=_against(
            m.reflection_to_question_ratio, miti.REFLECTION_TO_QUESTION
        ),
        total_mi_adherent=_against(m.total_mi_adherent, None),
        total_mi_non_adherent=_against(m.total_mi_non_adherent, None),
        percent_mi_adherent=_against(m.percent_mi_adherent, None),
    )
