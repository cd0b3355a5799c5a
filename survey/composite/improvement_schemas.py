"""What the improvement simulator answers for one unit (API and office page)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LeverPublic(BaseModel):
    key: str = Field(
        description="hard:<indicator>, satisfaction:<measure>:<period>:<question>:"
        "<groups>, qualitative:<item> or rectification:<measure>"
    )
    kind: str = Field(description="hard, satisfaction, qualitative or rectification_rate")
    code: str = Field(description="Indicator, question, item or measure code")
    name: str
    name_en: str
    period: str | None = Field(description="Period whose value is shown (hard indicators)")
    direction: str = Field(description="higher or lower: which way improves the unit")
    value: float | None = Field(description="The unit's value now")
    low: float | None
    high: float | None
    step: float = Field(description="The marginal step: one unit of the input")
    points_per_step: float | None = Field(
        description="Composite points one step buys: total(value + step) - total(value), the "
        "whole category evaluated again"
    )
    reachable: bool = Field(description="Whether this input alone can reach the next grade")
    change: float | None = Field(description="Least change found to reach the next grade")
    new_value: float | None
    new_total: float | None
    new_grade: str | None
    reasons: list[str] = Field(
        description="value_missing, step_outside_range, top_grade, not_graded, saturates, "
        "range_exhausted"
    )
    evaluations: int = Field(description="Times the category's composite was computed")
    method: str


class UnitImprovement(BaseModel):
    evaluation_id: int
    unit: str
    unit_name: str
    unit_name_en: str
    category: str
    scheme_version: int
    total: float | None
    grade: str | None
    target_grade: str | None = Field(description="The grade one better (None: best or none)")
    grades: list[str]
    levers: list[LeverPublic]
    method: str
