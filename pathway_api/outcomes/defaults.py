"""The frameworks a council starts from, until its administrators publish their own versions.

`norfolk` is the county's early help outcomes framework: four priority outcomes and 22
measures, transcribed in the county's words. Its published table does not say which priority
outcome each measure serves (the ticks were lost from the layout we hold), so each measure is
placed under the outcome it most plainly serves and its definition says so; the county's own
three process measures (universal access, stakeholders, partners) are stated there as aims
without a direction, so they are read as "maximise". `family_safeguarding` is the measures the
Family Safeguarding evaluation reported (child protection plans, care, repeat domestic abuse
call-outs, school attendance, adult A&E admissions).

Every figure counts families (the pathway holds families and cases, not each child), unless a
measure's `figure` is `total` (the sum of an imported value, such as days in care), which is
shown only where the families behind it are not a small number.
"""

from __future__ import annotations

from typing import Any, Final

PLACED = (
    " The framework's table does not say which priority outcome this serves; placed under the"
    " nearest."
)


def _computed(rule: str, area: str | None = None) -> dict[str, Any]:
    return {"kind": "computed", "rule": rule, "area": area}


def _imported(dataset: str, threshold: int = 1, figure: str = "families") -> dict[str, Any]:
    return {"kind": "import", "dataset": dataset, "threshold": threshold, "figure": figure}


def _measure(
    code: str, label: str, outcome: str, direction: str, definition: str, source: dict[str, Any]
) -> dict[str, Any]:
    return {
        "code": code,
        "label": label,
        "outcome": outcome,
        "direction": direction,
        "definition": definition,
        "source": source,
    }


HEALTHY, SAFE, LEARN, ADULT = "healthy_resilient", "safe_cared_for", "learn_achieve", "adult_life"

NORFOLK: dict[str, Any] = {
    "name": "Norfolk early help outcomes framework",
    "outcomes": [
        {"code": HEALTHY, "label": "Children and young people are healthy and resilient"},
        {"code": SAFE, "label": "Children and young people are safe and well cared for"},
        {"code": LEARN, "label": "Children and young people develop, learn and achieve"},
        {"code": ADULT, "label": "Children and young people are ready for adult life"},
    ],
    "measures": [
        _measure(
            "looked_after",
            "Minimise the number of children looked after",
            SAFE,
            "minimise",
            "Families with a child looked after in the month, from the council's data-matching"
            " return (the pathway holds no care episodes).",
            _imported("looked_after"),
        ),
        _measure(
            "poverty",
            "Minimise the number of children living in poverty",
            HEALTHY,
            "minimise",
            "Families open to early help at the month's end whose latest assessment found a"
            " need in financial stability (the framework names no poverty line)." + PLACED,
            _computed("assessed_need", "financial_stability"),
        ),
        _measure(
            "domestic_abuse",
            "Minimise the number of children and young people exposed to domestic abuse",
            SAFE,
            "minimise",
            "Families open to early help at the month's end whose latest assessment found a"
            " need in safety from domestic abuse.",
            _computed("assessed_need", "domestic_abuse"),
        ),
        _measure(
            "school_absence",
            "Minimise unplanned or unauthorised absence from school",
            LEARN,
            "minimise",
            "Families with a child with unauthorised absence in the month, from the schools'"
            " attendance return matched to the pathway's families.",
            _imported("school_absence"),
        ),
        _measure(
            "exclusions",
            "Minimise exclusions from schools",
            LEARN,
            "minimise",
            "Families with a child excluded (fixed term or permanently) in the month, from the"
            " exclusions return matched to the pathway's families.",
            _imported("exclusions"),
        ),
        _measure(
            "crime",
            "Minimise the number of young people involved in crime or at risk of crime",
            ADULT,
            "minimise",
            "Families open to early help at the month's end whose latest assessment found a"
            " need in crime prevention (the framework does not separate involvement from risk)."
            + PLACED,
            _computed("assessed_need", "crime"),
        ),
        _measure(
            "troubled_families",
            "Minimise the number of children living in Troubled Families",
            SAFE,
            "minimise",
            "Families open to early help at the month's end whose latest assessment met the"
            " Supporting Families eligibility rule of its configuration version (the programme"
            " once called Troubled Families)." + PLACED,
            _computed("supporting_families_eligible"),
        ),
        _measure(
            "eet",
            "Maximise the number of young people in education, employment and training",
            ADULT,
            "maximise",
            "Families with a young person in education, employment or training in the month,"
            " from the young people's activity (NEET) return matched to the pathway's families.",
            _imported("eet"),
        ),
        _measure(
            "health",
            "Maximise health outcomes for all children, young people and their families",
            HEALTHY,
            "maximise",
            "Families whose plan review in the month found a health target achieved (the"
            " framework names no health indicator).",
            _computed("target_achieved", "health"),
        ),
        _measure(
            "good_development",
            "Maximise the number of children achieving a good level of development at age 5",
            LEARN,
            "maximise",
            "Families with a child reaching a good level of development in the Early Years"
            " Foundation Stage profile, from the early years return.",
            _imported("early_years_development"),
        ),
        _measure(
            "child_protection",
            "Minimise the number of children subject to child protection",
            SAFE,
            "minimise",
            "Families with an open Family Safeguarding case at the month's end (the pathway"
            " counts families, not each child on a plan).",
            _computed("open_family_safeguarding"),
        ),
        _measure(
            "homelessness",
            "Minimise the number of children, young people and families who are homeless",
            SAFE,
            "minimise",
            "Families open to early help at the month's end whose latest assessment found a"
            " need in secure housing (homeless or at risk, as the descriptors say)." + PLACED,
            _computed("assessed_need", "housing"),
        ),
        _measure(
            "children_in_need",
            "Minimise the number of children in need",
            SAFE,
            "minimise",
            "Families whose level of need in force at the month's end is at a statutory level"
            " of its configuration version, on an open case.",
            _computed("statutory_level"),
        ),
        _measure(
            "emotional_wellbeing",
            "Maximise the emotional wellbeing of children and young people",
            HEALTHY,
            "maximise",
            "Families with a child whose wellbeing measure improved, from the wellbeing return"
            " (the framework names no scale; the return says which it used).",
            _imported("emotional_wellbeing"),
        ),
        _measure(
            "teenage_pregnancy",
            "Minimise the number of pregnancies in teenage years",
            HEALTHY,
            "minimise",
            "Families with a teenage pregnancy in the month, from the health return.",
            _imported("teenage_pregnancy"),
        ),
        _measure(
            "sen_attainment_gap",
            "Minimise the attainment gap between children with SEN and others",
            LEARN,
            "minimise",
            "Families with a child with special educational needs attaining below the expected"
            " standard, from the attainment return (the framework does not define the gap).",
            _imported("sen_attainment"),
        ),
        _measure(
            "sen_health",
            "Maximise the health of children with SEN",
            HEALTHY,
            "maximise",
            "Families with a child with special educational needs whose health needs are met,"
            " from the health return (the framework names no indicator).",
            _imported("sen_health"),
        ),
        _measure(
            "substance_misuse",
            "Minimise the prevalence of substance misuse",
            HEALTHY,
            "minimise",
            "Families open to early help at the month's end whose latest assessment found a"
            " need in substance use.",
            _computed("assessed_need", "substance_use"),
        ),
        _measure(
            "exploitation",
            "Minimise the numbers of young people subject to CSE",
            SAFE,
            "minimise",
            "Families open to early help at the month's end whose latest assessment found a"
            " need in safety from abuse and exploitation (wider than sexual exploitation).",
            _computed("assessed_need", "safe_from_abuse"),
        ),
        _measure(
            "universal_access",
            "Access to universal services is facilitated and cost effective",
            ADULT,
            "maximise",
            "Families whose plan review in the month found their needs met (returning to"
            " universal services). The framework states an aim without a direction or a"
            " count." + PLACED,
            _computed("needs_met"),
        ),
        _measure(
            "stakeholder_satisfaction",
            "Stakeholders are satisfied with service provision",
            ADULT,
            "maximise",
            "Families who said they were satisfied, from the council's feedback survey return."
            " The framework states an aim without a direction or a count." + PLACED,
            _imported("stakeholder_satisfaction"),
        ),
        _measure(
            "partner_engagement",
            "Partners are engaged in the development and delivery of the Early Help Offer",
            ADULT,
            "maximise",
            "Families open to early help at the month's end with a partner agency's member in"
            " their Team Around the Family. The framework states an aim without a direction or"
            " a count." + PLACED,
            _computed("taf_partner"),
        ),
    ],
}

FAMILY_SAFEGUARDING: dict[str, Any] = {
    "name": "Family Safeguarding evaluation measures",
    "outcomes": [
        {"code": "safety", "label": "Children safe at home, with fewer statutory interventions"},
        {"code": "parents", "label": "Parents' domestic abuse, health and wellbeing"},
        {"code": "education", "label": "Children in school"},
    ],
    "measures": [
        _measure(
            "child_protection_plans",
            "Children on child protection plans",
            "safety",
            "minimise",
            "Families with an open Family Safeguarding case at the month's end (families, not"
            " each child on a plan).",
            _computed("open_family_safeguarding"),
        ),
        _measure(
            "looked_after",
            "Looked-after children",
            "safety",
            "minimise",
            "Families with a child looked after in the month, from the data-matching return.",
            _imported("looked_after"),
        ),
        _measure(
            "days_in_care",
            "Days in care",
            "safety",
            "minimise",
            "Days children of the pathway's families spent in care in the month, summed from"
            " the data-matching return; shown only where the families behind it are not few.",
            _imported("days_in_care", figure="total"),
        ),
        _measure(
            "repeat_domestic_abuse_callouts",
            "Repeat domestic abuse police call-outs",
            "parents",
            "minimise",
            "Families with two or more domestic abuse call-outs in the month, from the police"
            " return matched to the pathway's families.",
            _imported("police_callouts", threshold=2),
        ),
        _measure(
            "school_attendance",
            "School attendance",
            "education",
            "minimise",
            "Families with a child with unauthorised absence in the month, from the schools'"
            " attendance return (fewer means better attendance).",
            _imported("school_absence"),
        ),
        _measure(
            "adult_ae_admissions",
            "Adult A&E admissions",
            "parents",
            "minimise",
            "Families with an adult admitted through A&E in the month, from the health return.",
            _imported("ae_admissions"),
        ),
    ],
}

DEFAULT_FRAMEWORKS: dict[str, dict[str, Any]] = {
    "norfolk": NORFOLK,
    "family_safeguarding": FAMILY_SAFEGUARDING,
}
DEFAULT_FRAMEWORK: Final = "norfolk"

# Reporting settings: the smallest count shown, and the council's localities (none until an
# administrator publishes them; teams without one are reported as "No locality set").
DEFAULT_SETTINGS: dict[str, Any] = {"minimum_cell_count": 5, "localities": []}
