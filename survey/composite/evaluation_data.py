"""The data of one evaluation that every category's computation draws on, read once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from survey.comments.rates import UnitRate, rectification_rates
from survey.composite.hard_values import HardStore
from survey.composite.models import CompositeAdjustment, ExcellenceGoal, QualitativeScore
from survey.models import Evaluation, Unit
from survey.satisfaction.scores import UnitScores, unit_scores


@dataclass
class Penalty:
    """A lead department's differentiation penalty: points and the checks it failed."""

    total: float = 0.0
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Inputs:
    """The evaluation's data, loaded once for all categories."""

    evaluation: Evaluation
    units: list[Unit]
    positions: dict[int, int]
    hard: HardStore
    previous: HardStore
    qualitative: dict[str, dict[int, tuple[float, int]]]
    excellence: dict[int, list[ExcellenceGoal]]
    adjustments: dict[int, list[CompositeAdjustment]]
    unit_codes: dict[int, str]
    members: dict[int, list[Unit]]
    satisfaction_cache: dict[tuple[str | None, str | None], UnitScores] = field(
        default_factory=dict
    )
    penalties: dict[int, Penalty] = field(default_factory=dict)
    lowest_penalty: float = 0.0
    # The categories computed (None: all); satisfaction is scored for their units alone.
    category_ids: Sequence[int] | None = None
    # Rectification rates per unit id, read on first use (survey.comments.rates).
    rectification_cache: dict[int, UnitRate] | None = None

    def rectification(self, session: Session) -> dict[int, UnitRate]:
        if self.rectification_cache is None:
            assert self.evaluation.id is not None
            self.rectification_cache = rectification_rates(session, self.evaluation.id)
        return self.rectification_cache

    def satisfaction(
        self, session: Session, period: str | None, question: str | None
    ) -> UnitScores:
        key = (period, question)
        if key not in self.satisfaction_cache:
            assert self.evaluation.id is not None
            self.satisfaction_cache[key] = _satisfaction_index(
                session, self.evaluation.id, period, question, self.units, self.category_ids
            )
        return self.satisfaction_cache[key]


def load_inputs(
    session: Session,
    evaluation: Evaluation,
    satisfaction_keys: Iterable[tuple[str | None, str | None]] = (),
    category_ids: Sequence[int] | None = None,
) -> Inputs:
    """Everything the categories draw on, read once."""
    assert evaluation.id is not None
    units = list(session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code))))
    positions = {u.id: k for k, u in enumerate(units) if u.id is not None}
    members: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.active:
            members[unit.category_id].append(unit)
    cache = {
        key: _satisfaction_index(session, evaluation.id, *key, units, category_ids)
        for key in satisfaction_keys
    }
    inputs = _other_inputs(session, evaluation, units, positions, members, cache)
    inputs.category_ids = category_ids
    inputs.hard = HardStore.load(session, evaluation.id, positions, category_ids)
    inputs.previous = HardStore.load(session, evaluation.previous_id, positions, category_ids)
    return inputs


def _satisfaction_index(
    session: Session,
    evaluation_id: int,
    period: str | None,
    question: str | None,
    units: list[Unit],
    category_ids: Sequence[int] | None,
) -> UnitScores:
    # Scores and standard errors only: no intervals, ranks or response models are needed.
    return unit_scores(
        session,
        evaluation_id,
        period=period,
        question=question,
        units=units,
        category_ids=category_ids,
    )


def _other_inputs(
    session: Session,
    evaluation: Evaluation,
    units: list[Unit],
    positions: dict[int, int],
    members: dict[int, list[Unit]],
    cache: dict[tuple[str | None, str | None], UnitScores],
) -> Inputs:
    qualitative: dict[str, dict[int, tuple[float, int]]] = defaultdict(dict)
    for row in session.exec(
        select(QualitativeScore).where(QualitativeScore.evaluation_id == evaluation.id)
    ):
        qualitative[row.item][row.unit_id] = (row.score, row.lead_unit_id)
    excellence: dict[int, list[ExcellenceGoal]] = defaultdict(list)
    for goal in session.exec(
        select(ExcellenceGoal)
        .where(ExcellenceGoal.evaluation_id == evaluation.id)
        .order_by(col(ExcellenceGoal.code))
    ):
        excellence[goal.unit_id].append(goal)
    adjustments: dict[int, list[CompositeAdjustment]] = defaultdict(list)
    for entry in session.exec(
        select(CompositeAdjustment)
        .where(CompositeAdjustment.evaluation_id == evaluation.id)
        .order_by(col(CompositeAdjustment.id))
    ):
        adjustments[entry.unit_id].append(entry)
    return Inputs(
        evaluation=evaluation,
        units=units,
        positions=positions,
        hard=HardStore(len(positions)),
        previous=HardStore(len(positions)),
        qualitative=dict(qualitative),
        excellence=dict(excellence),
        adjustments=dict(adjustments),
        unit_codes={u.id: u.code for u in units if u.id is not None},
        members=members,
        satisfaction_cache=cache,
    )
