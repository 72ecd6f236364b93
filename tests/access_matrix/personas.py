"""Who replays the matrix, and the audiences (sets of personas) records and markers have.

The relationships between personas and records (who is allocated, who holds break-glass) are
facts the fixture makes true (world.py); the audiences below say what follows from them under
the rules in workbook_api/access/visibility.py and workbook_api/entries/repository.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbook_api.disciplines.config import RecordingConfig, TextField

# The teams the fixture creates: A owns the target family and case, B another family, and C is
# the break-glass holder's own team.
TEAM_A, TEAM_B, TEAM_C = "A", "B", "C"

SOCIAL_WORKER = "social_worker"
SPECIALIST = "specialist"
SPECIALIST_COLLEAGUE = "specialist_colleague"
OTHER_DISCIPLINE = "other_discipline"
TEAM_MANAGER = "team_manager"
UNALLOCATED = "unallocated_worker"
OTHER_TEAM = "other_team_worker"
OTHER_TEAM_MANAGER = "other_team_manager"
BREAK_GLASS = "break_glass_holder"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"
# The council's system of record: the `system` role, no team; it sees every case and family
# (it is their source), never restricted detail, drafts or withdrawn entries.
SYSTEM_OF_RECORD = "system_of_record"
# The council's data protection officer: the `dpo` role, no team; reads every unit's access
# log, never a case record.
DPO = "data_protection_officer"
# The council's Supporting Families team: the `supporting_families` role, no team; claims for
# every team's families, never a case record.
SUPPORTING_FAMILIES = "supporting_families_officer"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Persona:
    """A practitioner (or nobody) as the directory knows them."""

    name: str
    discipline: str
    roles: tuple[str, ...]
    member_of: tuple[str, ...] = ()
    manager_of: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        return self.name == ANONYMOUS


def specialist_disciplines(config: RecordingConfig) -> tuple[str, str]:
    """Two configured session-log disciplines: one with a restricted text field, and another.

    Restricted structured detail needs a free-text restricted field to carry a marker; the
    configuration decides which disciplines have one, so the fixture asks it.
    """
    with_text = [
        code
        for code, spec in config.disciplines.items()
        if any(isinstance(f, TextField) and f.restricted for f in spec.fields.values())
    ]
    assert with_text, "the recording configuration has no restricted text field to mark"
    others = [code for code in config.disciplines if code != with_text[0]]
    assert others, "the recording configuration needs a second session-log discipline"
    return with_text[0], others[0]


def personas(config: RecordingConfig) -> dict[str, Persona]:
    """Every persona the matrix replays operations as, by name."""
    specialist, other = specialist_disciplines(config)
    practitioner = ("practitioner",)
    manager = ("practitioner", "team_manager")
    people = [
        Persona(SOCIAL_WORKER, "social_worker", practitioner, member_of=(TEAM_A,)),
        Persona(SPECIALIST, specialist, practitioner, member_of=(TEAM_A,)),
        Persona(SPECIALIST_COLLEAGUE, specialist, practitioner, member_of=(TEAM_A,)),
        Persona(OTHER_DISCIPLINE, other, practitioner, member_of=(TEAM_A,)),
        Persona(TEAM_MANAGER, "team_manager", manager, manager_of=(TEAM_A,)),
        Persona(UNALLOCATED, "social_worker", practitioner, member_of=(TEAM_A,)),
        Persona(OTHER_TEAM, "social_worker", practitioner, member_of=(TEAM_B,)),
        Persona(OTHER_TEAM_MANAGER, "team_manager", manager, manager_of=(TEAM_B,)),
        Persona(BREAK_GLASS, "social_worker", practitioner, member_of=(TEAM_C,)),
        Persona(AUDITOR, "business_support", ("auditor",), member_of=(TEAM_A,)),
        Persona(ADMINISTRATOR, "business_support", ("administrator",)),
        Persona(SYSTEM_OF_RECORD, "business_support", ("system",)),
        Persona(DPO, "business_support", ("dpo",)),
        Persona(SUPPORTING_FAMILIES, "business_support", ("supporting_families",)),
        Persona(ANONYMOUS, "", ()),
    ]
    return {p.name: p for p in people}


# Relationships the fixture creates on the target case A (and on every scratch copy of it).
ALLOCATED_ON_CASE_A = (SOCIAL_WORKER, SPECIALIST, SPECIALIST_COLLEAGUE, OTHER_DISCIPLINE)
ALLOCATED_ON_CASE_B = (OTHER_TEAM,)

Audience = frozenset[str]

AUTHENTICATED: Audience = frozenset(
    {
        SOCIAL_WORKER,
        SPECIALIST,
        SPECIALIST_COLLEAGUE,
        OTHER_DISCIPLINE,
        TEAM_MANAGER,
        UNALLOCATED,
        OTHER_TEAM,
        OTHER_TEAM_MANAGER,
        BREAK_GLASS,
        AUDITOR,
        ADMINISTRATOR,
        SYSTEM_OF_RECORD,
        DPO,
        SUPPORTING_FAMILIES,
    }
)
EVERYONE: Audience = AUTHENTICATED | {ANONYMOUS}
PRACTITIONERS: Audience = AUTHENTICATED - {
    AUDITOR,
    ADMINISTRATOR,
    SYSTEM_OF_RECORD,
    DPO,
    SUPPORTING_FAMILIES,
}
# Roles that read no case record: the directory's administrators, the DPO and the Supporting
# Families team (it reads claims and their evidence in the pathway, not the record).
NO_CASE_READING: Audience = frozenset({ADMINISTRATOR, DPO, SUPPORTING_FAMILIES})
MANAGERS: Audience = frozenset({TEAM_MANAGER, OTHER_TEAM_MANAGER})

# Case A (and its family): allocated workers, the owning team's manager, the break-glass
# holder, the owning team's auditor and the system of record.
CASE_A: Audience = frozenset(
    {*ALLOCATED_ON_CASE_A, TEAM_MANAGER, BREAK_GLASS, AUDITOR, SYSTEM_OF_RECORD},
)
# Restricted detail of the specialist's discipline: author, same discipline, allocated social
# worker, owning team's manager; never break-glass, another discipline or an auditor.
RESTRICTED_A: Audience = frozenset({SPECIALIST, SPECIALIST_COLLEAGUE, SOCIAL_WORKER, TEAM_MANAGER})
# The other discipline's restricted detail: its author, the allocated social worker and the
# manager; not the specialists of the first discipline.
RESTRICTED_OTHER_A: Audience = frozenset({OTHER_DISCIPLINE, SOCIAL_WORKER, TEAM_MANAGER})
# A draft exists only for its author (the social worker, in the fixture).
DRAFT_BY_SOCIAL_WORKER: Audience = frozenset({SOCIAL_WORKER})
# A withdrawn entry: its author (the social worker), the owning team's manager and auditors.
WITHDRAWN_A: Audience = frozenset({SOCIAL_WORKER, TEAM_MANAGER, AUDITOR})
# Break-glass use on case A: listed to the owning team's manager; its holder wrote it.
BREAK_GLASS_A: Audience = frozenset({TEAM_MANAGER, BREAK_GLASS})
# Case B and its family belong to team B (and are the system of record's, as every case is).
CASE_B: Audience = frozenset({*ALLOCATED_ON_CASE_B, OTHER_TEAM_MANAGER, SYSTEM_OF_RECORD})
# What only the system of record reaches: records by its own keys.
SYSTEM_ONLY: Audience = frozenset({SYSTEM_OF_RECORD})
# Imports: the system of record's and the administrators'.
IMPORTERS: Audience = frozenset({SYSTEM_OF_RECORD, ADMINISTRATOR})
# A person match review on family A: team A's manager decides it; the system of record sent it.
REVIEW_A: Audience = frozenset({TEAM_MANAGER, SYSTEM_OF_RECORD})
# Directory records of team A: administrators and team A's manager.
DIRECTORY_A: Audience = frozenset({ADMINISTRATOR, TEAM_MANAGER})
# A unit's webhook subscriptions and their deliveries: administrators only.
WEBHOOKS: Audience = frozenset({ADMINISTRATOR})
# Retention (the schedule, what fell due, legal holds, reviews): the DPO only.
DPO_ONLY: Audience = frozenset({DPO})
# Team B's name: administrators, its manager, and its member (through /me).
TEAM_B_NAME: Audience = frozenset({ADMINISTRATOR, OTHER_TEAM_MANAGER, OTHER_TEAM})

# --- intervention (issue 9) -------------------------------------------------------------------
# Case A's records in a workflow unit: the projection applies the workbook's rule without
# break-glass, which stays a workbook matter (services/projection/access.py).
PROJECTED_CASE_A: Audience = CASE_A - {BREAK_GLASS}
# --- end intervention ---------------------------------------------------------------------
# A parenting assessment of case A (intervention): the case's allocated workers, its team's
# manager and auditor; never break-glass (a workbook matter), nor the system of record.
ASSESSMENT_A: Audience = frozenset({*ALLOCATED_ON_CASE_A, TEAM_MANAGER, AUDITOR})
# --- pathway (pathway_api) ---
# An early help case of family A with case A's allocations: the projection's rule, which has
# no break-glass (that stays a workbook matter).
EARLY_HELP_A: Audience = CASE_A - {BREAK_GLASS}
# The continuum's configuration: every signed-in caller reads it.
CONFIGURATION: Audience = AUTHENTICATED
