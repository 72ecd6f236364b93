"""A configuration as administrators publish it and everyone reads it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from services.schemas import Input, ReadModel

Code = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
Label = Field(min_length=1, max_length=200)
Tier = Literal["universal", "early_help", "statutory"]


class Indicator(Input):
    """Something a practitioner can point to when deciding a level."""

    code: str = Code
    label: str = Label


class Level(Input):
    """A level of need on the continuum."""

    code: str = Code
    label: str = Label
    rank: int = Field(ge=1, le=10, description="1 is the least need")
    tier: Tier = Field(description="Which services hold a family at this level")
    indicators: list[Indicator] = Field(min_length=1, max_length=40)


class HeadlineArea(Input):
    """A Supporting Families headline area, with what evidences a need in it."""

    code: str = Code
    label: str = Label
    descriptors: list[str] = Field(default_factory=list, max_length=20)


class EligibilityRule(Input):
    """Who the Supporting Families programme takes: the national rule is 3 areas with children."""

    min_areas: int = Field(ge=1, le=10)
    requires_dependent_children_or_expectant_parent: bool = True


class ConfigurationWrite(Input):
    """A new version of the continuum; it is in force from its publication."""

    levels: list[Level] = Field(min_length=2, max_length=10)
    headline_areas: list[HeadlineArea] = Field(min_length=1, max_length=20)
    eligibility: EligibilityRule
    review_interval_working_days: int = Field(
        ge=10, le=90, description="Working days between reviews of a family plan"
    )
    note: str = Field(min_length=3, max_length=500, description="What changed, and why")

    @model_validator(mode="after")
    def _coherent(self) -> ConfigurationWrite:
        codes = [level.code for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError("Level codes must be unique.")
        ranks = [level.rank for level in self.levels]
        if len(set(ranks)) != len(ranks):
            raise ValueError("Level ranks must be unique.")
        tiers = {level.tier for level in self.levels}
        if not {"early_help", "statutory"} <= tiers:
            raise ValueError("The continuum needs an early help level and a statutory level.")
        for level in self.levels:
            indicator_codes = [i.code for i in level.indicators]
            if len(set(indicator_codes)) != len(indicator_codes):
                raise ValueError(f"Indicator codes of level {level.code} must be unique.")
        areas = [area.code for area in self.headline_areas]
        if len(set(areas)) != len(areas):
            raise ValueError("Headline area codes must be unique.")
        if self.eligibility.min_areas > len(areas):
            raise ValueError("eligibility.min_areas is more than there are headline areas.")
        return self


class ConfigurationRead(ReadModel):
    """A version of the continuum."""

    version: int
    levels: list[Level]
    headline_areas: list[HeadlineArea]
    eligibility: EligibilityRule
    review_interval_working_days: int
    note: str
    published_by: UUID | None
    published_at: datetime


class Continuum(BaseModel):
    """A configuration as the service reasons with it (validated once, read often)."""

    version: int
    levels: list[Level]
    headline_areas: list[HeadlineArea]
    eligibility: EligibilityRule
    review_interval_working_days: int

    def level(self, code: str) -> Level | None:
        """The level with that code, if the continuum has it."""
        return next((level for level in self.levels if level.code == code), None)

    def first_statutory_level(self) -> Level:
        """The least statutory level: where an escalation to child protection puts a family."""
        return min((lv for lv in self.levels if lv.tier == "statutory"), key=lambda lv: lv.rank)

    def area_codes(self) -> set[str]:
        """The headline areas' codes."""
        return {area.code for area in self.headline_areas}
