"""The outcomes framework, reporting settings, imports and figures as the API carries them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from services.schemas import Input, ReadModel

Code = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
Label = Field(min_length=1, max_length=200)
Direction = Literal["minimise", "maximise"]
# What the pathway can count from its own records (repository.py has each as SQL).
ComputedRule = Literal[
    "assessed_need",
    "supporting_families_eligible",
    "open_family_safeguarding",
    "statutory_level",
    "target_achieved",
    "needs_met",
    "taf_partner",
]
RULES_WITH_AREA = frozenset({"assessed_need", "target_achieved"})
FrameworkCode = Literal["norfolk", "family_safeguarding"]
# A month as figures are reported by, this century's or the last's (YYYY-MM).
MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"


class PriorityOutcome(Input):
    """One of the framework's priority outcomes."""

    code: str = Code
    label: str = Label


class ComputedSource(Input):
    """Counted from the pathway's own records by a named rule."""

    kind: Literal["computed"]
    rule: ComputedRule
    area: str | None = Field(
        default=None,
        min_length=2,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The headline area, for the rules about one (assessed_need, target_achieved)"
        " and for no other",
    )


class ImportedSource(Input):
    """Read from the data-matching imports of one dataset, per period."""

    kind: Literal["import"]
    dataset: str = Code
    threshold: int = Field(
        default=1, ge=1, le=1000, description="A family counts when its value reaches this"
    )
    figure: Literal["families", "total"] = Field(
        default="families",
        description="families: how many families count; total: the sum of their values",
    )


class Measure(Input):
    """A measure: what it counts, which way is better, and where its figures come from."""

    code: str = Code
    label: str = Label
    outcome: str = Code
    direction: Direction
    definition: str = Field(min_length=10, max_length=1000)
    source: ComputedSource | ImportedSource = Field(discriminator="kind")


class FrameworkWrite(Input):
    """A new version of a framework; it is in force from its publication."""

    name: str = Label
    outcomes: list[PriorityOutcome] = Field(min_length=1, max_length=12)
    measures: list[Measure] = Field(min_length=1, max_length=60)
    note: str = Field(min_length=3, max_length=500, description="What changed, and why")

    @model_validator(mode="after")
    def _coherent(self) -> FrameworkWrite:
        outcomes = [o.code for o in self.outcomes]
        if len(set(outcomes)) != len(outcomes):
            raise ValueError("Priority outcome codes must be unique.")
        measures = [m.code for m in self.measures]
        if len(set(measures)) != len(measures):
            raise ValueError("Measure codes must be unique.")
        for measure in self.measures:
            if measure.outcome not in outcomes:
                raise ValueError(f"Measure {measure.code} names an outcome the framework lacks.")
            source = measure.source
            # Checked here, not on the source, so the fault is the framework's (a rule between
            # members) rather than one under the union's tag.
            if isinstance(source, ComputedSource) and (
                (source.rule in RULES_WITH_AREA) != (source.area is not None)
            ):
                raise ValueError(
                    f"Measure {measure.code}: rule {source.rule} takes an area exactly when it"
                    " is about one (assessed_need, target_achieved)."
                )
        return self


class FrameworkRead(ReadModel):
    """A version of a framework."""

    code: str
    version: int
    name: str
    outcomes: list[PriorityOutcome]
    measures: list[Measure]
    note: str
    published_by: UUID | None
    published_at: datetime


class FrameworkSummary(BaseModel):
    """A framework and its version in force."""

    code: str
    version: int
    name: str
    measures: int


class Locality(Input):
    """A locality and the teams in it."""

    code: str = Code
    label: str = Label
    team_ids: list[UUID] = Field(min_length=1, max_length=200)


class SettingsWrite(Input):
    """A new version of the reporting settings."""

    minimum_cell_count: int = Field(
        ge=2, le=100, description="No count below this is shown, in any output"
    )
    localities: list[Locality] = Field(max_length=50)
    note: str = Field(min_length=3, max_length=500, description="What changed, and why")

    @model_validator(mode="after")
    def _each_team_once(self) -> SettingsWrite:
        codes = [locality.code for locality in self.localities]
        if len(set(codes)) != len(codes):
            raise ValueError("Locality codes must be unique.")
        teams = [team for locality in self.localities for team in locality.team_ids]
        if len(set(teams)) != len(teams):
            raise ValueError("A team belongs to one locality at most.")
        return self


class SettingsRead(ReadModel):
    """A version of the reporting settings."""

    version: int
    minimum_cell_count: int
    localities: list[Locality]
    note: str
    published_by: UUID | None
    published_at: datetime


class ImportCreate(Input):
    """A data-matching return for one dataset and month: a CSV of `family_id,value` lines."""

    dataset: str = Code
    period: str = Field(pattern=MONTH_PATTERN, description="The month, YYYY-MM")
    source: str = Field(
        min_length=3, max_length=300, description="Where the matched data came from"
    )
    csv: str = Field(
        min_length=1,
        max_length=2_000_000,
        description="A header line `family_id,value`, then one line per matched family",
    )


class ImportRead(BaseModel):
    """A stored import: how many lines and families each team took (small counts withheld)."""

    id: UUID
    dataset: str
    period: str
    source: str
    rows: int | None
    teams: list[UUID]
    uploaded_by: UUID
    uploaded_at: datetime


class Cell(BaseModel):
    """One month's figure for one team, locality or the council, with where it came from."""

    month: str
    value: int | None = Field(description="None when withheld or when there is no figure")
    status: Literal["shown", "suppressed", "no_data"]
    source: str | None = Field(description="Where a shown figure came from; never None then")


class Trend(BaseModel):
    """The change between the first and last months shown, and whether it is for the better."""

    from_month: str
    to_month: str
    change: int
    better: bool | None


class Series(BaseModel):
    """A measure's figures by month for one team, locality or the whole council."""

    level: Literal["council", "locality", "team"]
    key: str
    label: str
    cells: list[Cell]
    trend: Trend | None


class MeasureFigures(BaseModel):
    """A measure, as defined in the framework version used, and its series."""

    code: str
    label: str
    outcome: str
    direction: Direction
    definition: str
    source: ComputedSource | ImportedSource
    definition_version: int
    series: list[Series]
    sources: list[str] = Field(description="Where the figures shown came from, in short")


class Figures(BaseModel):
    """A framework's figures by month, team and locality; small counts withheld."""

    framework: str
    framework_name: str
    framework_version: int
    settings_version: int
    minimum_cell_count: int
    months: list[str]
    generated_at: datetime
    scope: Literal["council", "teams"]
    measures: list[MeasureFigures]
