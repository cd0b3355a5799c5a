"""A unit account's use cases: its evaluations, satisfaction, trend, composite and comments.

Everything here starts from the principal's own unit. Another unit's code, an evaluation the
unit does not take part in, a draft, or a composite the office has not released all raise
``NotFound``: to a unit, another unit's objects do not exist (404, never 403, so that a unit
cannot even learn which codes are real). Figures pass the disclosure rule of
:mod:`survey.satisfaction.disclosure` on top of the policy's small-cell suppression.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.composite.service import explain_unit
from survey.errors import N_, NotFound, NotPermitted
from survey.models import (
    Answer,
    Comment,
    Evaluation,
    EvaluationStatus,
    GroupWeight,
    RespondentGroup,
    Response,
    Role,
    Unit,
)
from survey.satisfaction.dashboard import Named
from survey.satisfaction.disclosure import Key, comment_group_visible, disclosed, respondent_cube
from survey.satisfaction.policy import current_version, scoring_policy, settings_of
from survey.satisfaction.schemas import SignificanceSettings, UnitResult
from survey.satisfaction.unit_view import Figure, TrendPoint, UnitView, unit_view
from survey.spreadsheet import Column, Reader, Table, Value
from survey.unit_home.models import CompositeRelease

_NO_SUCH_UNIT = N_("There is no such unit.")


# Whose unit -----------------------------------------------------------------------------------


def own_unit(session: Session, principal: Principal) -> Unit:
    """The unit a unit account belongs to; NotPermitted for any other account."""
    if principal.role != Role.unit or principal.unit_id is None:
        raise NotPermitted()
    unit = session.get(Unit, principal.unit_id)
    if unit is None:
        raise NotPermitted()
    return unit


def unit_of(session: Session, principal: Principal, code: str) -> Unit:
    """The principal's unit if ``code`` names it; NotFound for every other code."""
    unit = own_unit(session, principal)
    if code != unit.code:
        raise NotFound(_NO_SUCH_UNIT)
    return unit


def _takes_part(session: Session, evaluation_id: int, unit: Unit) -> bool:
    row = session.exec(
        select(GroupWeight.group_id).where(
            GroupWeight.evaluation_id == evaluation_id,
            GroupWeight.category_id == unit.category_id,
        )
    ).first()
    return row is not None


def unit_evaluations(session: Session, unit: Unit) -> list[Evaluation]:
    """The evaluations the unit takes part in that are past their draft, newest first."""
    rows = session.exec(
        select(Evaluation)
        .where(Evaluation.status != EvaluationStatus.draft)
        .order_by(col(Evaluation.year).desc(), col(Evaluation.id).desc())
    )
    return [e for e in rows if e.id is not None and _takes_part(session, e.id, unit)]


def unit_evaluation(session: Session, unit: Unit, evaluation_id: int) -> Evaluation:
    """One evaluation of the unit's; NotFound for drafts and evaluations it is not part of."""
    evaluation = session.get(Evaluation, evaluation_id)
    if (
        evaluation is None
        or evaluation.status == EvaluationStatus.draft
        or not _takes_part(session, evaluation_id, unit)
    ):
        raise NotFound(N_("There is no such evaluation."))
    return evaluation


# Composite release ----------------------------------------------------------------------------


def composite_released(session: Session, evaluation_id: int) -> bool:
    return session.get(CompositeRelease, evaluation_id) is not None


def composite_visible(session: Session, evaluation: Evaluation) -> bool:
    """Whether units read their composite results: released by the office, or published."""
    assert evaluation.id is not None
    return evaluation.status == EvaluationStatus.published or composite_released(
        session, evaluation.id
    )


def set_composite_release(
    session: Session, evaluation_id: int, released: bool, actor: Principal, *, ip: str
) -> bool:
    """Release the evaluation's composite explanations to the units, or take them back."""
    if not actor.has(Role.office):
        raise NotPermitted()
    org.get_evaluation(session, evaluation_id)
    row = session.get(CompositeRelease, evaluation_id)
    if released and row is None:
        session.add(CompositeRelease(evaluation_id=evaluation_id, released_by=actor.name))
    elif not released and row is not None:
        session.delete(row)
    else:
        return released
    audit.record(
        session,
        actor.name,
        "composite.release" if released else "composite.withdraw",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
    )
    session.commit()
    return released


def unit_composite(
    session: Session, principal: Principal, code: str, evaluation_id: int
) -> dict[str, Any]:
    """The unit's composite explanation tree, once the office has released it."""
    unit = unit_of(session, principal, code)
    evaluation = unit_evaluation(session, unit, evaluation_id)
    if not composite_visible(session, evaluation):
        raise NotFound(N_("The office has not released the composite results yet."))
    return explain_unit(session, evaluation_id, unit.code, viewer=principal)


# Satisfaction with the disclosure rule --------------------------------------------------------


@dataclass(frozen=True)
class UnitHome:
    """What the unit's pages show: the view (figures disclosed) and how it was protected."""

    view: UnitView
    evaluation: Evaluation
    minimum: int  # the numbers' minimum (the policy's suppression threshold)
    comment_minimum: int
    withheld: int  # figures withheld by the disclosure rule beyond the minimum
    composite_released: bool
    significance: SignificanceSettings  # how the result's comparisons were tested and flagged


def _policy_minimums(session: Session, evaluation_id: int) -> tuple[int, int, list[str], list[str]]:
    settings = settings_of(current_version(session, evaluation_id))
    levels = [level.code for level in settings.level_scores]
    return settings.suppression_threshold, settings.comment_threshold, levels, settings.questions


def _with_numbers(
    session: Session, evaluation_id: int, unit_id: int, levels: list[str]
) -> list[str]:
    """The scored levels and, under a numeric scale, the unit's numeric answers on it: the
    figures are made from both, so both count as respondents behind them."""
    settings = settings_of(current_version(session, evaluation_id))
    if settings.numeric_scale is None:
        return levels
    answered = session.exec(
        select(Answer.level)
        .where(Answer.evaluation_id == evaluation_id, Answer.unit_id == unit_id)
        .distinct()
    )
    scored = scoring_policy(settings, [code for code in answered if code is not None])
    return list(scored.level_scores)


def _withheld(figure: Figure) -> Figure:
    return Figure(None, None, None, figure.n_valid, True)


class _Gate:
    """Applies one evaluation's disclosed set to figures, counting what it withholds."""

    def __init__(self, session: Session, evaluation_id: int, unit: Unit) -> None:
        assert unit.id is not None
        minimum, _, levels, questions = _policy_minimums(session, evaluation_id)
        levels = _with_numbers(session, evaluation_id, unit.id, levels)
        self.counts = respondent_cube(
            session, evaluation_id, unit.id, levels=levels, questions=questions
        )
        self.shown = disclosed(self.counts, minimum)
        self.withheld = 0

    def hides(self, key: Key) -> bool:
        """Whether the rule withholds a figure over the respondents of ``key``."""
        return self.counts.get(key, 0) > 0 and key not in self.shown

    def figure(self, figure: Figure, key: Key) -> Figure:
        if figure.suppressed or figure.value is None:
            return figure
        if not self.hides(key):
            return figure
        self.withheld += 1
        return _withheld(figure)


# Everything on a unit's result that is worked out from its score: withheld with the score.
_FROM_THE_SCORE: dict[str, Any] = {
    "score": None,
    "se": None,
    "ci_low": None,
    "ci_high": None,
    "satisfied_rate": None,
    "rate_se": None,
    "rate_n_eff": None,
    "rate_ci_low": None,
    "rate_ci_high": None,
    "n_eff": None,
    "design_effect": None,
    "rank": None,
    "rank_interval": None,
    "tied_with_next": None,
    "p_beats_next": None,
    "cv": None,
    "reliability": None,
    "design_effect_high": None,
    "vs_category": None,
    "vs_previous": None,
    "suppressed": True,
}


class _Gates:
    """Each evaluation's gate for one unit, built once per page."""

    def __init__(self, session: Session, unit: Unit) -> None:
        self.session = session
        self.unit = unit
        self.built: dict[int, _Gate] = {}

    def of(self, evaluation_id: int) -> _Gate:
        if evaluation_id not in self.built:
            self.built[evaluation_id] = _Gate(self.session, evaluation_id, self.unit)
        return self.built[evaluation_id]


def _comparisons_shown(result: UnitResult, withheld_groups: set[str], gates: _Gates) -> UnitResult:
    """The result without a comparison that would reveal a withheld figure: last year's
    score when the rule withholds it in that evaluation, and group pairs with a withheld
    group (then the page says nothing about the groups unless other pairs still differ)."""
    update: dict[str, Any] = {}
    before = result.vs_previous
    if before is not None and gates.of(before["evaluation_id"]).hides(
        (None, before["period"], None)
    ):
        update["vs_previous"] = None
    if withheld_groups and result.group_pairs_tested is not None:
        kept = [
            c
            for c in result.group_disagreements
            if c["group"] not in withheld_groups and c["other"] not in withheld_groups
        ]
        update["group_disagreements"] = kept
        update["groups_disagree"] = True if kept else None
        update["group_pairs_tested"] = result.group_pairs_tested if kept else None
    return result.model_copy(update=update) if update else result


def unit_home(
    session: Session,
    principal: Principal,
    code: str,
    evaluation_id: int,
    *,
    group: str | None = None,
    period: str | None = None,
) -> UnitHome:
    """The unit's satisfaction in one evaluation, every figure through the disclosure rule."""
    unit = unit_of(session, principal, code)
    evaluation = unit_evaluation(session, unit, evaluation_id)
    view = unit_view(
        session, evaluation_id, unit.code, group=group, period=period, viewer=principal
    )
    gates = _Gates(session, unit)
    gate = gates.of(evaluation_id)
    focus = view.group.code if view.group is not None else None
    at = view.period

    result = view.result
    headline = gate.figure(
        Figure(result.score, result.ci_low, result.ci_high, result.n_valid, result.suppressed),
        (None, at, None),
    )
    if headline.suppressed and not result.suppressed:
        result = result.model_copy(update=_FROM_THE_SCORE)
    groups = []
    withheld_groups: set[str] = set()
    for row in view.groups:
        figure = gate.figure(row.figure, (row.group.code, at, None))
        if figure.suppressed and not row.figure.suppressed:
            withheld_groups.add(row.group.code)
        groups.append(
            replace(
                row,
                figure=figure,
                satisfied_rate=None if figure.suppressed else row.satisfied_rate,
            )
        )
    questions = [
        replace(q, figure=gate.figure(q.figure, (focus, at, q.question.code)))
        for q in view.questions
    ]
    periods = [
        replace(p, figure=gate.figure(p.figure, (focus, p.period.code if p.period else None, None)))
        for p in view.periods
    ]
    result = _comparisons_shown(result, withheld_groups, gates)
    years = _years(session, evaluation, view.years, gates, focus)
    released = composite_visible(session, evaluation)
    return UnitHome(
        view=replace(
            view,
            result=result,
            groups=groups,
            questions=questions,
            periods=periods,
            years=years,
            has_composite=view.has_composite and released,
        ),
        evaluation=evaluation,
        minimum=view.threshold,
        comment_minimum=_policy_minimums(session, evaluation_id)[1],
        withheld=gate.withheld,
        composite_released=released,
        significance=settings_of(current_version(session, evaluation_id)).significance,
    )


def _years(
    session: Session,
    evaluation: Evaluation,
    points: Sequence[TrendPoint],
    gates: _Gates,
    focus: str | None,
) -> list[TrendPoint]:
    """Earlier evaluations past their draft, each under its own evaluation's disclosure rule."""
    kept: list[TrendPoint] = []
    for point in points:
        if point.evaluation_id == evaluation.id:
            gate = gates.of(point.evaluation_id)
            kept.append(replace(point, figure=gate.figure(point.figure, (focus, None, None))))
            continue
        other = session.get(Evaluation, point.evaluation_id)
        if other is None or other.status == EvaluationStatus.draft:
            continue
        other_gate = gates.of(point.evaluation_id)
        kept.append(replace(point, figure=other_gate.figure(point.figure, (focus, None, None))))
    return kept


# Export ---------------------------------------------------------------------------------------


def _figure_cells(figure: Figure) -> list[Value]:
    return [figure.value, figure.ci_low, figure.ci_high, figure.n_valid]


def home_tables(home: UnitHome, reader: Reader) -> list[Table]:
    """The unit's own results as workbook sheets: groups, questions, periods and years."""
    view = home.view
    words = reader.words

    def figure_columns(first: str) -> list[Column]:
        return [
            Column(words(first)),
            Column(words(N_("Mean")) if view.group else words(N_("Score")), "0.00"),
            Column(words(N_("Lower bound")), "0.00"),
            Column(words(N_("Upper bound")), "0.00"),
            Column(words(N_("Valid answers")), "0"),
        ]

    def name(item: Named) -> str:
        return reader.named(item.name, item.name_en)

    r = view.result
    summary = Table(
        words(N_("Satisfaction")),
        [
            Column(words(N_("Unit"))),
            Column(words(N_("Score")), "0.00"),
            Column(words(N_("Lower bound")), "0.00"),
            Column(words(N_("Upper bound")), "0.00"),
            Column(words(N_("Rank")), "0"),
            Column(words(N_("Valid answers")), "0"),
        ],
        [[name(view.unit), r.score, r.ci_low, r.ci_high, r.rank, r.n_valid]],
    )
    groups = Table(
        words(N_("Groups")),
        figure_columns(N_("Group")),
        [[name(g.group), *_figure_cells(g.figure)] for g in view.groups],
    )
    questions = Table(
        words(N_("Questions")),
        figure_columns(N_("Question")),
        [[name(q.question), *_figure_cells(q.figure)] for q in view.questions],
    )
    periods = Table(
        words(N_("Periods")),
        figure_columns(N_("Period")),
        [[name(p.period) if p.period else "", *_figure_cells(p.figure)] for p in view.periods],
    )
    years = Table(
        words(N_("Years")),
        figure_columns(N_("Evaluation")),
        [[name(p.evaluation), *_figure_cells(p.figure)] for p in view.years],
    )
    return [summary, groups, questions, periods, years]


# Comments for the unit ------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitComment:
    """A comment as a unit may see it: the text and, at most, a group that meets the minimum.

    ``key`` (response id, position) lets services join their own rows (a rectification) to the
    comment; it identifies a response and must never be rendered or exported to a unit.
    """

    key: tuple[str, int]
    text: str
    question: str
    group: Named | None  # None: the group has too few comments for this unit to be named


def comments_for_unit_view(
    session: Session, evaluation_id: int, unit_id: int, *, comment_minimum: int | None = None
) -> list[UnitComment]:
    """The comments about one unit in one evaluation, stripped for the unit's eyes.

    The caller has checked that the unit is the viewer's own (``unit_of``). A comment names its
    respondent group only when at least ``comment_minimum`` (default: the policy's
    ``comment_threshold``) of this unit's comments in the evaluation come from that group; no
    channel, time, respondent or response is ever included. Ordered by text, not by arrival,
    so the order does not tell who wrote first.
    """
    if comment_minimum is None:
        comment_minimum = _policy_minimums(session, evaluation_id)[1]
    rows = session.exec(
        select(Comment, RespondentGroup)
        .join(Response, col(Response.id) == col(Comment.response_id))
        .join(RespondentGroup, col(RespondentGroup.id) == col(Response.group_id))
        .where(Comment.evaluation_id == evaluation_id, Comment.unit_id == unit_id)
    ).all()
    per_group = Counter(group.code for _, group in rows)
    found = [
        UnitComment(
            key=(comment.response_id, comment.seq),
            text=comment.text,
            question=comment.question or "",
            group=Named(group.code, group.name, group.name_en)
            if comment_group_visible(per_group[group.code], comment_minimum)
            else None,
        )
        for comment, group in rows
    ]
    return sorted(found, key=lambda c: (c.question, c.text))
