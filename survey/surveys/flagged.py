"""Reviewing flagged responses: why each was flagged, what it answered, and the office's
decisions in bulk, with their effect on what is counted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select, update

from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.errors import N_, Invalid
from survey.models import (
    Answer,
    Comment,
    QualityFlag,
    RespondentGroup,
    Response,
    Survey,
    Unit,
)
from survey.models.responses import is_counted
from survey.rules import Action
from survey.surveys.definition import Question, load_definition
from survey.surveys.scales import SCALES

PAGE_SIZE = 20
MAX_REASON = 500
DECISIONS = ("include", "exclude", "default")
WAITING = "waiting"

# Why a response was flagged, in words (message ids), in the order the page lists them.
FLAG_WORDS: dict[QualityFlag, str] = {
    QualityFlag.too_fast: N_("Answered faster than the survey's minimum time"),
    QualityFlag.repeat_device: N_("The same phone or browser had answered before"),
    QualityFlag.rate_limited: N_("Sent when one address sent very many answers"),
    QualityFlag.straight_lined: N_("The same rating for every unit"),
    QualityFlag.honeypot: N_("Filled in the hidden field that only robots see"),
}


def flag_reasons(flags: int) -> list[str]:
    """The message ids of the reasons ``flags`` holds."""
    return [words for flag, words in FLAG_WORDS.items() if flags & flag]


@dataclass(frozen=True)
class QualityCounts:
    """Responses of an evaluation by the office's review."""

    responses: int = 0
    counted: int = 0  # responses whose answers the results count
    flagged: int = 0
    waiting: int = 0  # flagged, no decision yet (not counted)
    included: int = 0
    excluded: int = 0
    counted_answers: int = 0


def quality_counts(session: Session, evaluation_id: int) -> QualityCounts:
    rows = session.exec(
        select(Response.quality_flags, Response.quality_decision, func.count())
        .where(Response.evaluation_id == evaluation_id)
        .group_by(col(Response.quality_flags), col(Response.quality_decision))
    ).all()
    totals: dict[str, int] = defaultdict(int)
    for flags, decision, n in rows:
        totals["responses"] += n
        totals["counted"] += n if is_counted(flags, decision) else 0
        if flags:
            totals["flagged"] += n
            totals[{"include": "included", "exclude": "excluded"}.get(decision or "", WAITING)] += n
        elif decision == "exclude":
            totals["excluded"] += n
    answers = session.exec(
        select(func.count())
        .select_from(Answer)
        .where(Answer.evaluation_id == evaluation_id, col(Answer.counted).is_(True))
    ).one()
    return QualityCounts(counted_answers=answers, **totals)


@dataclass(frozen=True)
class FlaggedFilter:
    survey_id: int | None = None
    reason: str = ""  # a QualityFlag name
    decision: str = ""  # "waiting", "include", "exclude" or "" (all)

    def conditions(self, evaluation_id: int) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [
            col(Response.evaluation_id) == evaluation_id,
            col(Response.quality_flags) != 0,
        ]
        if self.survey_id is not None:
            found.append(col(Response.survey_id) == self.survey_id)
        if self.reason:
            if self.reason not in QualityFlag.__members__:
                raise Invalid(N_("Choose a reason from the list."), field="reason")
            flag = int(QualityFlag[self.reason])
            found.append(col(Response.quality_flags).op("&")(flag) != 0)
        if self.decision == WAITING:
            found.append(col(Response.quality_decision).is_(None))
        elif self.decision in ("include", "exclude"):
            found.append(col(Response.quality_decision) == self.decision)
        elif self.decision:
            raise Invalid(N_("Choose a decision from the list."), field="decision")
        return found


@dataclass(frozen=True)
class ShownAnswer:
    unit: Unit | None
    question: str  # the question's prompt, or its code when the survey is unknown
    question_en: str
    level: str  # a message id (a scale's level or a choice) or the stored code
    level_en: str = ""


@dataclass(frozen=True)
class ShownComment:
    unit: Unit | None
    question: str
    question_en: str
    text: str


@dataclass(frozen=True)
class FlaggedResponse:
    id: str
    submitted_at: datetime
    time_precision: str
    channel: str
    survey_title: str
    group: RespondentGroup | None
    reasons: list[str]
    decision: str | None
    counted: bool
    answers: list[ShownAnswer] = field(default_factory=list)
    comments: list[ShownComment] = field(default_factory=list)


@dataclass(frozen=True)
class FlaggedPage:
    responses: list[FlaggedResponse]
    total: int
    page: int
    pages: int


# Level codes of imported answers (no survey to ask) worded from the built-in scales.
_SCALE_LEVELS = {level.code: level.label for scale in SCALES.values() for level in scale.levels}


def flagged_page(
    session: Session,
    evaluation_id: int,
    wanted: FlaggedFilter,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> FlaggedPage:
    """One page of the evaluation's flagged responses with their answers, newest first."""
    conditions = wanted.conditions(evaluation_id)
    total = session.exec(select(func.count()).select_from(Response).where(*conditions)).one()
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    rows = session.exec(
        select(Response)
        .where(*conditions)
        .order_by(col(Response.submitted_at).desc(), col(Response.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    ids = [r.id for r in rows]
    answers: dict[str, list[Answer]] = defaultdict(list)
    comments: dict[str, list[Comment]] = defaultdict(list)
    if ids:
        for answer in session.exec(
            select(Answer).where(col(Answer.response_id).in_(ids)).order_by(col(Answer.seq))
        ):
            answers[answer.response_id].append(answer)
        for comment in session.exec(
            select(Comment).where(col(Comment.response_id).in_(ids)).order_by(col(Comment.seq))
        ):
            comments[comment.response_id].append(comment)
    unit_ids = {a.unit_id for lst in answers.values() for a in lst} | {
        c.unit_id for lst in comments.values() for c in lst
    }
    units: dict[int, Unit] = {
        u.id: u
        for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids - {None})))
        if u.id is not None
    }
    groups = {g.id: g for g in session.exec(select(RespondentGroup))}
    surveys: dict[int, tuple[str, dict[str, Question]]] = {}
    for survey_id in {r.survey_id for r in rows if r.survey_id is not None}:
        survey = session.get(Survey, survey_id)
        if survey is not None:
            definition = load_definition(session, survey)
            surveys[survey_id] = (survey.title, {q.code: q for q in definition.questions})
    shown = []
    for response in rows:
        title, questions = surveys.get(response.survey_id or 0, ("", {}))
        shown.append(
            FlaggedResponse(
                id=response.id,
                submitted_at=response.submitted_at,
                time_precision=response.time_precision,
                channel=response.channel,
                survey_title=title,
                group=groups.get(response.group_id),
                reasons=flag_reasons(response.quality_flags),
                decision=response.quality_decision,
                counted=is_counted(response.quality_flags, response.quality_decision),
                answers=[
                    _shown_answer(a, questions.get(a.question), units) for a in answers[response.id]
                ],
                comments=[
                    ShownComment(
                        unit=units.get(c.unit_id) if c.unit_id else None,
                        question=questions[c.question].prompt
                        if c.question in questions
                        else (c.question or ""),
                        question_en=questions[c.question].prompt_en
                        if c.question in questions
                        else "",
                        text=c.text,
                    )
                    for c in comments[response.id]
                ],
            )
        )
    return FlaggedPage(shown, total, page, pages)


def _shown_answer(answer: Answer, question: Question | None, units: dict[int, Unit]) -> ShownAnswer:
    level = answer.level or ("" if answer.value is None else f"{answer.value:g}")
    level_en = ""
    if question is not None and question.scale is not None and answer.level:
        found = question.scale.level(answer.level)
        level = found.label if found else level
    elif question is not None and answer.level and question.option(answer.level):
        option = question.option(answer.level)
        assert option is not None
        level, level_en = option.label, option.label_en
    elif answer.level in _SCALE_LEVELS:
        level = _SCALE_LEVELS[answer.level]
    return ShownAnswer(
        unit=units.get(answer.unit_id) if answer.unit_id else None,
        question=question.prompt if question else answer.question,
        question_en=question.prompt_en if question else "",
        level=level,
        level_en=level_en,
    )


@dataclass(frozen=True)
class DecisionEffect:
    changed: int  # responses whose decision this changed
    before: QualityCounts
    after: QualityCounts


def decide_flagged(
    session: Session,
    evaluation_id: int,
    response_ids: list[str],
    decision: str,
    reason: str,
    actor: Principal,
    *,
    ip: str = "",
) -> DecisionEffect:
    """Include or exclude flagged responses (or return them to the flags' verdict) with a
    reason, in one audited commit; nothing changes when any id is not a flagged response of
    the evaluation."""
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(actor, Action.edit, evaluation.status)
    if decision not in DECISIONS:
        raise Invalid(
            N_("Choose include, exclude or back to the flags' verdict."), field="decision"
        )
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("Give the reason for this decision."), field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid(
            N_("The reason may have at most %(n)s characters."), field="reason", n=MAX_REASON
        )
    chosen = sorted(set(response_ids))
    if not chosen:
        raise Invalid(N_("Choose at least one response."), field="response")
    rows = session.exec(
        select(Response).where(
            col(Response.id).in_(chosen),
            Response.evaluation_id == evaluation_id,
            col(Response.quality_flags) != 0,
        )
    ).all()
    if len(rows) != len(chosen):
        raise Invalid(
            N_("Only flagged responses of this evaluation can be decided here."),
            field="response",
        )
    before = quality_counts(session, evaluation_id)
    stored = None if decision == "default" else decision
    changed = [r for r in rows if r.quality_decision != stored]
    for response in changed:
        response.quality_decision = stored
        session.add(response)
        # The answers carry whether their response counts; they change with it, in this commit.
        session.exec(
            update(Answer)
            .where(col(Answer.response_id) == response.id)
            .values(counted=is_counted(response.quality_flags, stored))
        )
    session.flush()
    after = quality_counts(session, evaluation_id)
    audit.record(
        session,
        actor.name,
        "responses.quality",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        decision=decision,
        reason=reason,
        responses=[r.id for r in changed],
        counted_before=before.counted,
        counted_after=after.counted,
    )
    session.commit()
    return DecisionEffect(changed=len(changed), before=before, after=after)


def evaluations_with_flags(session: Session) -> dict[int, QualityCounts]:
    """The review counts of every evaluation that has flagged responses."""
    with_flags = session.exec(
        select(Response.evaluation_id).where(col(Response.quality_flags) != 0).distinct()
    ).all()
    return {evaluation_id: quality_counts(session, evaluation_id) for evaluation_id in with_flags}
