"""The configuration a council starts from, until its administrators publish their own.

The continuum is the four levels councils' family support pathways describe (universal,
early help from one agency, targeted multi-agency early help with a Team Around the Family,
specialist statutory social care), each with indicators a practitioner can point to. The ten
headline areas are the Supporting Families programme's, with descriptors. Eligibility is the
national rule (dependent children or an expectant parent, and needs in three or more areas);
councils that screen at two or more change `min_areas`. Reviews fall every 30 working days
(six weeks, the shortest early help cadence).
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIGURATION: dict[str, Any] = {
    "levels": [
        {
            "code": "universal",
            "label": "Level 1: Universal",
            "rank": 1,
            "tier": "universal",
            "indicators": [
                {"code": "needs_met_universally", "label": "Needs met by universal services"},
                {"code": "thriving", "label": "Child is healthy, safe and achieving"},
            ],
        },
        {
            "code": "early_help",
            "label": "Level 2: Early help (single agency, My Plan)",
            "rank": 2,
            "tier": "early_help",
            "indicators": [
                {"code": "emerging_need", "label": "Emerging need one agency can meet"},
                {"code": "attendance_concern", "label": "School attendance below expected"},
                {"code": "parenting_support", "label": "Parent asks for parenting support"},
            ],
        },
        {
            "code": "targeted",
            "label": "Level 3: Targeted early help (My Plan+, Team Around the Family)",
            "rank": 3,
            "tier": "early_help",
            "indicators": [
                {"code": "multiple_needs", "label": "Needs one agency cannot meet alone"},
                {"code": "domestic_abuse_history", "label": "History of domestic abuse"},
                {"code": "parental_mental_health", "label": "Parental mental ill health"},
                {"code": "substance_use", "label": "Parental substance use"},
            ],
        },
        {
            "code": "specialist",
            "label": "Level 4: Specialist (statutory social care)",
            "rank": 4,
            "tier": "statutory",
            "indicators": [
                {"code": "significant_harm", "label": "Child at risk of significant harm"},
                {"code": "child_in_need", "label": "Child in need of statutory services"},
            ],
        },
    ],
    "headline_areas": [
        {
            "code": "education",
            "label": "Getting a good education",
            "descriptors": ["Persistent absence", "Exclusion", "Not in education"],
        },
        {
            "code": "early_years",
            "label": "Good early years development",
            "descriptors": ["Developmental delay", "Not taking up early education"],
        },
        {
            "code": "health",
            "label": "Improved mental and physical health",
            "descriptors": ["Mental ill health", "Physical health need not met"],
        },
        {
            "code": "substance_use",
            "label": "Promoting recovery and reducing harm from substance use",
            "descriptors": ["Drug or alcohol misuse in the family"],
        },
        {
            "code": "family_relationships",
            "label": "Improved family relationships",
            "descriptors": ["Conflict between parents", "Parenting need"],
        },
        {
            "code": "safe_from_abuse",
            "label": "Children safe from abuse and exploitation",
            "descriptors": ["Risk of exploitation", "Missing episodes"],
        },
        {
            "code": "crime",
            "label": "Crime prevention and tackling crime",
            "descriptors": ["Offending", "Anti-social behaviour"],
        },
        {
            "code": "domestic_abuse",
            "label": "Safe from domestic abuse",
            "descriptors": ["Domestic abuse incident", "Controlling behaviour"],
        },
        {
            "code": "housing",
            "label": "Secure housing",
            "descriptors": ["Homeless or at risk", "Overcrowding", "Rent arrears"],
        },
        {
            "code": "financial_stability",
            "label": "Financial stability",
            "descriptors": ["Worklessness", "Problem debt"],
        },
    ],
    "eligibility": {"min_areas": 3, "requires_dependent_children_or_expectant_parent": True},
    "review_interval_working_days": 30,
}
