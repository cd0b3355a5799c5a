"""Rating scales: the level codes a question accepts and what each is worth.

Level codes are what the answer rows store and what ``scoring`` counts; the labels are message
ids translated for the reader. ``dont_know`` (不了解) is on every scale and scores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from survey.errors import N_

DONT_KNOW = "dont_know"


class ScaleKind(StrEnum):
    satisfaction = "satisfaction"  # 满意 / 比较满意 / 基本满意 / 不满意
    five_point = "five_point"  # 1 (very dissatisfied) .. 5 (very satisfied)
    zero_ten = "zero_ten"  # 0 .. 10
    nps = "nps"  # 0 .. 10, "how likely to recommend"
    # The usual delegate ballots (民主测评票):
    satisfaction3 = "satisfaction3"  # 满意 / 基本满意 / 不满意
    grade4 = "grade4"  # 优秀 / 良好 / 一般 / 较差


@dataclass(frozen=True)
class Level:
    code: str
    label: str  # message id
    value: float | None  # the number stored with the answer (None for don't know)


@dataclass(frozen=True)
class Scale:
    kind: ScaleKind
    levels: tuple[Level, ...]  # best first, as the form shows them; don't know last
    low_label: str = ""
    high_label: str = ""

    def level(self, code: str) -> Level | None:
        return self._by_code.get(code)

    @cached_property
    def _by_code(self) -> dict[str, Level]:
        return {level.code: level for level in self.levels}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(level.code for level in self.levels)


_DONT_KNOW_LEVEL = Level(DONT_KNOW, N_("Don't know"), None)


def _numeric(low: int, high: int) -> tuple[Level, ...]:
    return tuple(Level(str(v), str(v), float(v)) for v in range(high, low - 1, -1))


SCALES: dict[ScaleKind, Scale] = {
    ScaleKind.satisfaction: Scale(
        ScaleKind.satisfaction,
        (
            Level("satisfied", N_("Satisfied"), 100.0),
            Level("fairly_satisfied", N_("Fairly satisfied"), 80.0),
            Level("basically_satisfied", N_("Basically satisfied"), 60.0),
            Level("dissatisfied", N_("Dissatisfied"), 0.0),
            _DONT_KNOW_LEVEL,
        ),
    ),
    ScaleKind.satisfaction3: Scale(
        ScaleKind.satisfaction3,
        (
            Level("satisfied", N_("Satisfied"), 100.0),
            Level("basically_satisfied", N_("Basically satisfied"), 60.0),
            Level("dissatisfied", N_("Dissatisfied"), 0.0),
            _DONT_KNOW_LEVEL,
        ),
    ),
    ScaleKind.grade4: Scale(
        ScaleKind.grade4,
        (
            Level("excellent", N_("Excellent"), 100.0),
            Level("good", N_("Good"), 80.0),
            Level("fair", N_("Fair"), 60.0),
            Level("poor", N_("Poor"), 0.0),
            _DONT_KNOW_LEVEL,
        ),
    ),
    ScaleKind.five_point: Scale(
        ScaleKind.five_point,
        (*_numeric(1, 5), _DONT_KNOW_LEVEL),
        low_label=N_("1 = very dissatisfied"),
        high_label=N_("5 = very satisfied"),
    ),
    ScaleKind.zero_ten: Scale(
        ScaleKind.zero_ten,
        (*_numeric(0, 10), _DONT_KNOW_LEVEL),
        low_label=N_("0 = very dissatisfied"),
        high_label=N_("10 = very satisfied"),
    ),
    ScaleKind.nps: Scale(
        ScaleKind.nps,
        (*_numeric(0, 10), _DONT_KNOW_LEVEL),
        low_label=N_("0 = not at all likely"),
        high_label=N_("10 = extremely likely"),
    ),
}


def scale(kind: str) -> Scale:
    return SCALES[ScaleKind(kind)]
