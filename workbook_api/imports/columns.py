"""The columns of each kind of extract, named as the Standard Safeguarding Dataset names them.

The Standard Safeguarding Dataset (SSD, data-to-insight/ssd-data-model) is the open,
vendor-neutral table model councils extract from Mosaic, Liquidlogic and Eclipse. Where it has
a name for a column we use it: `ssd_family.fami_family_id`, `ssd_person.pers_person_id`,
`pers_dob`, `pers_expected_dob`, `pers_sex`, `pers_gender`, `pers_common_child_id` (the NHS
number), `pers_legacy_id`, `ssd_cin_episodes.cine_referral_id`, `cine_referral_date`,
`cine_close_date`, `cine_close_reason`,
`ssd_involvements.invo_involvements_id`, `invo_referral_id`, `invo_involvement_start_date`,
`invo_involvement_end_date` and `invo_worker_change_reason`, with their code sets (sex F/M/U,
gender 00/01/02/09, closure RC1-RC9, worker change MANAGE...OTHERS). What the SSD leaves out,
or models differently, carries our own name: it holds no names of people (`given_name`,
`family_name`) or families (`family_name` in a families file), no role in a household
(`person_role`), keeps the UPN among linked identifiers (`upn`), names teams and workers by
the source system's ids where the workbook needs the directory's (`owning_team_id`,
`practitioner_id`, `discipline`, `is_allocated_social_worker`), and records CIN episodes per
child where a Family Safeguarding case is a family's (so a case row names its family,
`fami_family_id`). SSD datetimes carry no offset: they are read as Europe/London time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from workbook_api.external.schemas import (
    AllocationRecord,
    CaseRecord,
    FamilyRecord,
    PersonRecord,
)

LONDON = ZoneInfo("Europe/London")

# SSD code sets, and the words the workbook records for them.
SEX_CODES = {"F": "female", "M": "male", "U": "not_known"}
GENDER_CODES = {
    "00": "not known",
    "01": "man or boy",
    "02": "woman or girl",
    "09": "self-described",
}
CIN_CLOSURE_REASONS = {
    "RC1": "Adopted",
    "RC2": "Died",
    "RC3": "Child arrangements order",
    "RC4": "Special guardianship order",
    "RC5": "Transferred to services of another local authority",
    "RC6": "Transferred to adult social care services",
    "RC7": "Services ceased for any other reason, including child no longer in need",
    "RC8": "Case closed after assessment, no further action",
    "RC9": "Case closed after assessment, referred to early help",
}
WORKER_CHANGE_REASONS = {
    "MANAGE": "Managing caseloads",
    "FCONTA": "First contact or re-referral",
    "LEFTRL": "Previous social worker left role",
    "ORGRST": "New social worker assigned following organisational restructure",
    "TSPROC": "New social worker assigned following child transfer due to standard process",
    "ABSENC": "Absence cover or return from absence",
    "CHCHAN": "Child requested change from previous social worker",
    "PCCHAN": "Parent/carer requested change from previous social worker",
    "SWDIED": "Previous social worker died",
    "OTHERS": "Other reason",
}
_TRUE = {"y", "yes", "true", "1"}
_FALSE = {"n", "no", "false", "0"}


def text(value: str) -> str:
    """Text as given."""
    return value


def a_date(value: str) -> date:
    """A date, from a date or from a datetime (SSD dates are datetimes at midnight)."""
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError("Must be a date, YYYY-MM-DD.") from None


def a_datetime(value: str) -> datetime:
    """A moment: with an offset as given, without one as London time, a date as its start."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Must be a date or a date and time, YYYY-MM-DD[ HH:MM[:SS]].") from None
    if len(value) <= 10:
        parsed = datetime.combine(parsed.date(), time())
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=LONDON)


def a_flag(value: str) -> bool:
    """Y/N, yes/no, true/false or 1/0."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("Must be Y or N.")


def coded(codes: dict[str, str], *, words: bool = False) -> Callable[[str], str]:
    """A code from an SSD code set, as the workbook's word for it (or that word itself)."""

    def parse(value: str) -> str:
        code = value.upper()
        if code in codes:
            return codes[code]
        if words and value.lower() in codes.values():
            return value.lower()
        raise ValueError(f"Must be one of: {', '.join(codes)}.")

    return parse


def labelled(codes: dict[str, str]) -> Callable[[str], str]:
    """A code from an SSD code set with its meaning, or any other text as given."""

    def parse(value: str) -> str:
        code = value.upper()
        return f"{code}: {codes[code]}" if code in codes else value

    return parse


def gender(value: str) -> str:
    """An SSD gender code as words; other (local) codes and text as given."""
    return GENDER_CODES.get(value, value)


@dataclass(frozen=True)
class Column:
    """One column of an extract: the record member it fills and how its text is read."""

    name: str
    member: str
    parse: Callable[[str], Any] = text
    required: bool = False


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of extract; `key` holds each row's external id."""

    kind: str
    record: type[BaseModel]
    key: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> frozenset[str]:
        """Every column this kind of file may have."""
        return frozenset({self.key, *(column.name for column in self.columns)})

    @property
    def required(self) -> frozenset[str]:
        """The columns every file of this kind must have."""
        return frozenset({self.key, *(c.name for c in self.columns if c.required)})

    def column_for(self, member: str) -> str:
        """The column that fills a record member (the key column for the record's own id)."""
        for column in self.columns:
            if column.member == member:
                return column.name
        return self.key if member == "external_id" else member


FAMILIES = Layout(
    "families",
    FamilyRecord,
    key="fami_family_id",
    columns=(
        Column("family_name", "name", required=True),
        Column("owning_team_id", "owning_team_id", required=True),
    ),
)
PEOPLE = Layout(
    "people",
    PersonRecord,
    key="pers_person_id",
    columns=(
        Column("fami_family_id", "family_external_id", required=True),
        Column("person_role", "role", required=True),
        Column("given_name", "given_name", required=True),
        Column("family_name", "family_name", required=True),
        Column("pers_dob", "date_of_birth", a_date),
        Column("pers_expected_dob", "expected_date_of_birth", a_date),
        Column("pers_sex", "sex", coded(SEX_CODES, words=True)),
        Column("pers_gender", "gender", gender),
        Column("pers_common_child_id", "nhs_number"),
        Column("upn", "upn"),
        Column("pers_legacy_id", "local_id"),
    ),
)
CASES = Layout(
    "cases",
    CaseRecord,
    key="cine_referral_id",
    columns=(
        Column("fami_family_id", "family_external_id", required=True),
        Column("owning_team_id", "owning_team_id", required=True),
        # Not an SSD column: early help and Family Safeguarding are cases of their own kind.
        Column("case_kind", "kind"),
        Column("cine_referral_date", "opened_at", a_datetime, required=True),
        Column("opened_reason", "opened_reason"),
        Column("cine_close_date", "closed_at", a_datetime),
        Column("cine_close_reason", "closed_reason", labelled(CIN_CLOSURE_REASONS)),
    ),
)
ALLOCATIONS = Layout(
    "allocations",
    AllocationRecord,
    key="invo_involvements_id",
    columns=(
        Column("invo_referral_id", "case_external_id", required=True),
        Column("practitioner_id", "practitioner_id", required=True),
        Column("discipline", "discipline", required=True),
        Column("is_allocated_social_worker", "is_allocated_social_worker", a_flag),
        Column("invo_involvement_start_date", "starts_at", a_datetime, required=True),
        Column("invo_involvement_end_date", "ends_at", a_datetime),
        Column("invo_worker_change_reason", "ended_reason", labelled(WORKER_CHANGE_REASONS)),
    ),
)
LAYOUTS = {layout.kind: layout for layout in (FAMILIES, PEOPLE, CASES, ALLOCATIONS)}
