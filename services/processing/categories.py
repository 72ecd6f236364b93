"""The categories of data the system holds, each with its subjects and lawful basis."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """One category of personal data, as a record of processing describes it."""

    code: str
    name: str
    description: str
    data_subjects: str
    special_category: bool
    lawful_basis: str
    retention: str


PUBLIC_TASK = "UK GDPR Art 6(1)(e): the council's statutory functions (Children Act 1989 s17, s47)"
SAFEGUARDING = (
    "; Art 9(2)(g) and Art 10 with DPA 2018 Sch 1 para 6 (statutory purposes) and para 18"
    " (safeguarding of children and individuals at risk)"
)
SECURITY = (
    "UK GDPR Art 6(1)(c) and Art 32 (security of processing; DPA 2018 s62 as the model of"
    " logging); Art 6(1)(e)"
)

CATEGORIES: tuple[Category, ...] = (
    Category(
        "case_record",
        "Children's social care case records",
        "Families, people, cases, allocations, workbook entries, session logs, role summaries"
        " and chronologies: what practitioners recorded of their work with each family.",
        "Children, parents, carers and other family members; people named in records",
        True,
        PUBLIC_TASK + SAFEGUARDING,
        "By record kind, under the retention schedule below (child protection, looked-after"
        " children, adoption and early help, each as the council configured it)",
    ),
    Category(
        "workflow_record",
        "Workflow records about cases",
        "Group case supervision, the intervention programme and assessments: decisions and"
        " progress recorded about a family's case in the units that run those workflows.",
        "Children and family members; practitioners taking part",
        True,
        PUBLIC_TASK + SAFEGUARDING,
        "With the case they belong to, under the retention schedule",
    ),
    Category(
        "case_reference",
        "Copies of case and practitioner references for access control",
        "Each workflow unit's projection of cases, allocations, practitioners and teams (ids,"
        " dates, flags; no narrative), kept so it can apply the access rule locally.",
        "Practitioners; cases by id only",
        False,
        PUBLIC_TASK,
        "Replaced with every change; removed with the case",
    ),
    Category(
        "practitioner_directory",
        "Practitioner directory and identity",
        "Practitioners, teams, memberships, roles, disciplines and identity provider links.",
        "Council staff and contractors",
        False,
        "UK GDPR Art 6(1)(e) and Art 6(1)(b) (employment); Art 6(1)(c) for access control",
        "While the practitioner works for the council, then as the council's HR schedule says",
    ),
    Category(
        "security_audit",
        "Access log and security records",
        "Who consulted or changed what, when, why and with what outcome (hash-chained,"
        " append-only); failed sign-ins by address.",
        "Practitioners; data subjects by record id",
        False,
        SECURITY,
        "Never deleted: it is the evidence of every access (reviewed with the council's"
        " information governance policy)",
    ),
    Category(
        "integration",
        "Delivery and synchronisation records",
        "Events between units and to subscribers, their delivery attempts, idempotency keys,"
        " change feed positions, devices' sync operations and bulk import jobs: technical"
        " records that may carry copies of case data on its way.",
        "As the records they carry",
        True,
        PUBLIC_TASK + SAFEGUARDING,
        "Short-lived: kept while delivery, replay or audit needs them",
    ),
    Category(
        "retention_governance",
        "Retention governance",
        "Legal holds, retention reviews and destruction certificates.",
        "Data protection officer; cases by id only",
        False,
        "UK GDPR Art 6(1)(c) (Art 5(1)(e) storage limitation and Art 5(2) accountability)",
        "Certificates are kept permanently; holds and reviews with them",
    ),
    Category(
        "subject_access",
        "Subject access requests",
        "Subject access requests, the records gathered for each, the redactions reviewed and"
        " the bundles disclosed, with to whom and when.",
        "Data subjects and their requesters; people named in the records gathered",
        True,
        "UK GDPR Art 6(1)(c) (Art 15 right of access; Art 12(3) time limits); Art 9(2)(g) with"
        " DPA 2018 Sch 1 para 6 for the special category data a bundle carries",
        "Two years after the request is closed, as the records of a disclosure",
    ),
    Category(
        "configuration",
        "Published configuration",
        "Versions of what a council configures and records refer to: intervention programme"
        " catalogues, the continuum of need with its indicators and eligibility rule.",
        "None beyond the id of the administrator who published each version",
        False,
        PUBLIC_TASK,
        "Every version is kept while any record refers to it",
    ),
)
CATEGORY_CODES = frozenset(category.code for category in CATEGORIES)
