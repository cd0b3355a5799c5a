"""Survey services: create and edit definitions, open and close, counts, quality decisions."""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel import Session, col, delete, func, select, update

from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.models import (
    Answer,
    EvaluationStatus,
    Period,
    QualityFlag,
    RespondentGroup,
    Response,
    Survey,
    SurveyCategory,
    SurveyGroup,
    SurveyQuestion,
    SurveyUnit,
    Unit,
    UnitCategory,
)
from survey.models.responses import is_counted
from survey.rules import Action
from survey.surveys.definition import load_definition
from survey.surveys.models import SurveyStatus
from survey.surveys.schemas import (
    GroupRef,
    OptionIn,
    QuestionIn,
    ResponseCount,
    SurveyCreate,
    SurveyPublic,
    SurveySummary,
    SurveyUpdate,
    UnitRef,
)

_TRANSITIONS: dict[str, set[str]] = {
    SurveyStatus.draft: {SurveyStatus.open},
    SurveyStatus.open: {SurveyStatus.closed},
    SurveyStatus.closed: {SurveyStatus.open},
}
# Crockford-style alphabet without look-alikes, lower case so that URLs stay tidy.
_SLUG_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
SLUG_LENGTH = 8


def new_slug() -> str:
    return "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def public_url(
    base_url: str, slug: str, *, unit: str | None = None, group: str | None = None
) -> str:
    url = f"{base_url}/s/{slug}"
    if unit:
        return f"{url}?u={unit}"
    if group:
        return f"{url}?g={group}"
    return url


def get_survey(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(N_("No survey has the id %(id)s."), id=survey_id)
    return survey


def list_surveys(
    session: Session, base_url: str, *, evaluation_id: int | None = None
) -> list[SurveySummary]:
    query = select(Survey).order_by(col(Survey.id).desc())
    if evaluation_id is not None:
        query = query.where(Survey.evaluation_id == evaluation_id)
    return [_summary(session, s, base_url) for s in session.exec(query)]


def _summary(session: Session, survey: Survey, base_url: str) -> SurveySummary:
    assert survey.id is not None
    period = session.get(Period, survey.period_id) if survey.period_id else None
    return SurveySummary(
        id=survey.id,
        title=survey.title,
        status=survey.status,
        evaluation_id=survey.evaluation_id,
        period=period.code if period else None,
        public_url=public_url(base_url, survey.slug),
    )


def survey_public(session: Session, survey: Survey, base_url: str) -> SurveyPublic:
    assert survey.id is not None
    definition = load_definition(session, survey)
    summary = _summary(session, survey, base_url)
    unit_codes = session.exec(
        select(Unit.code)
        .join(SurveyUnit, col(SurveyUnit.unit_id) == Unit.id)
        .where(SurveyUnit.survey_id == survey.id)
        .order_by(col(Unit.code))
    ).all()
    category_codes = session.exec(
        select(UnitCategory.code)
        .join(SurveyCategory, col(SurveyCategory.category_id) == UnitCategory.id)
        .where(SurveyCategory.survey_id == survey.id)
        .order_by(col(UnitCategory.code))
    ).all()
    return SurveyPublic(
        **summary.model_dump(),
        slug=survey.slug,
        title_en=survey.title_en,
        introduction=survey.introduction,
        introduction_en=survey.introduction_en,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        unit_comments=survey.unit_comments,
        one_per_device=survey.one_per_device,
        min_seconds=survey.min_seconds,
        unit_codes=list(unit_codes),
        category_codes=list(category_codes),
        units=[
            UnitRef(code=u.code, name=u.name, name_en=u.name_en, category=u.category_code)
            for u in definition.units
        ],
        groups=[GroupRef(code=g.code, name=g.name, name_en=g.name_en) for g in definition.groups],
        questions=[
            QuestionIn(
                code=q.code,
                kind=q.kind,
                prompt=q.prompt,
                prompt_en=q.prompt_en,
                scale=q.scale.kind if q.scale else None,
                options=[
                    OptionIn(code=o.code, label=o.label, label_en=o.label_en) for o in q.options
                ],
                required=q.required,
                max_length=q.max_length,
                variable=q.variable,
                role=q.role,
            )
            for q in definition.questions
        ],
    )


def create_survey(session: Session, data: SurveyCreate, actor: Principal) -> Survey:
    evaluation = org.get_evaluation(session, data.evaluation_id)
    if not rules.allowed_in(Action.set_up, evaluation.status):
        raise Conflict(N_("Surveys can only be added to a draft or open evaluation."))
    period_id = None
    if data.period:
        period = session.exec(
            select(Period).where(
                Period.evaluation_id == data.evaluation_id, Period.code == data.period
            )
        ).first()
        if period is None:
            raise NotFound(N_("The evaluation has no period %(code)s."), code=data.period)
        period_id = period.id
    survey = Survey(
        evaluation_id=data.evaluation_id,
        period_id=period_id,
        slug=new_slug(),
        title=data.title,
        title_en=data.title_en,
        introduction=data.introduction,
        introduction_en=data.introduction_en,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        unit_comments=data.unit_comments,
        one_per_device=data.one_per_device,
        min_seconds=data.min_seconds,
    )
    session.add(survey)
    session.flush()
    assert survey.id is not None
    _set_targets(session, survey.id, data.units, data.categories)
    _set_groups(session, survey.id, data.groups)
    _set_questions(session, survey.id, data.questions)
    audit.record(
        session,
        actor.name,
        "survey.create",
        target_type="survey",
        target_id=survey.id,
        title=data.title,
    )
    session.commit()
    return survey


def _set_targets(session: Session, survey_id: int, units: list[str], categories: list[str]) -> None:
    session.exec(delete(SurveyUnit).where(col(SurveyUnit.survey_id) == survey_id))
    session.exec(delete(SurveyCategory).where(col(SurveyCategory.survey_id) == survey_id))
    for code in dict.fromkeys(units):
        unit = org.unit_by_code(session, code)
        assert unit.id is not None
        session.add(SurveyUnit(survey_id=survey_id, unit_id=unit.id))
    for code in dict.fromkeys(categories):
        category = org.category_by_code(session, code)
        assert category.id is not None
        session.add(SurveyCategory(survey_id=survey_id, category_id=category.id))


def _set_groups(session: Session, survey_id: int, codes: list[str]) -> None:
    session.exec(delete(SurveyGroup).where(col(SurveyGroup.survey_id) == survey_id))
    for code in dict.fromkeys(codes):
        group = org.group_by_code(session, code)
        if group.kind != "public":
            raise Invalid(
                N_("%(code)s is a delegate group; delegates answer on ballots, not surveys."),
                field="groups",
                code=code,
            )
        assert group.id is not None
        session.add(SurveyGroup(survey_id=survey_id, group_id=group.id))


def _set_questions(session: Session, survey_id: int, questions: list[QuestionIn]) -> None:
    session.exec(delete(SurveyQuestion).where(col(SurveyQuestion.survey_id) == survey_id))
    for order, question in enumerate(questions):
        session.add(
            SurveyQuestion(
                survey_id=survey_id,
                code=question.code,
                kind=question.kind,
                prompt=question.prompt,
                prompt_en=question.prompt_en,
                scale=question.scale,
                options=[o.model_dump() for o in question.options],
                required=question.required,
                sort_order=order,
                max_length=question.max_length,
                variable=question.variable,
                role=question.role,
            )
        )


def _has_responses(session: Session, survey_id: int) -> bool:
    return (
        session.exec(select(Response.id).where(Response.survey_id == survey_id)).first() is not None
    )


def update_survey(session: Session, survey_id: int, data: SurveyUpdate, actor: Principal) -> Survey:
    survey = get_survey(session, survey_id)
    changes = data.model_dump(exclude_unset=True)
    status = changes.get("status")
    if status is not None and status != survey.status:
        if status not in _TRANSITIONS[survey.status]:
            raise Conflict(
                N_("A survey cannot go from %(old)s to %(new)s."), old=survey.status, new=status
            )
        if status == SurveyStatus.open:
            evaluation = org.get_evaluation(session, survey.evaluation_id)
            if evaluation.status != EvaluationStatus.open:
                raise Conflict(N_("A survey can only open while its evaluation is open."))
            if not load_definition(session, survey).questions:
                raise Conflict(N_("A survey needs at least one question before it opens."))
    opens = changes.get("opens_at", survey.opens_at)
    closes = changes.get("closes_at", survey.closes_at)
    if opens and closes and closes <= opens:
        raise Invalid(N_("The closing time must be after the opening time."), field="closes_at")
    for key, value in changes.items():
        setattr(survey, key, value)
    session.add(survey)
    audit.record(
        session,
        actor.name,
        "survey.update",
        target_type="survey",
        target_id=survey_id,
        **{k: str(v) for k, v in changes.items()},
    )
    session.commit()
    return survey


def replace_content(
    session: Session, survey_id: int, data: SurveyCreate, actor: Principal
) -> Survey:
    """Replace units, groups and questions; only before any answer has arrived."""
    survey = get_survey(session, survey_id)
    if survey.status != SurveyStatus.draft or _has_responses(session, survey_id):
        raise Conflict(N_("Questions and units can only change while the survey is a draft."))
    _set_targets(session, survey_id, data.units, data.categories)
    _set_groups(session, survey_id, data.groups)
    _set_questions(session, survey_id, data.questions)
    for key in (
        "title",
        "title_en",
        "introduction",
        "introduction_en",
        "opens_at",
        "closes_at",
        "unit_comments",
        "one_per_device",
        "min_seconds",
    ):
        setattr(survey, key, getattr(data, key))
    session.add(survey)
    audit.record(session, actor.name, "survey.replace", target_type="survey", target_id=survey_id)
    session.commit()
    return survey


def survey_create_from(public: SurveyPublic) -> SurveyCreate:
    """The editable definition of an existing survey (for export and the builder)."""
    return SurveyCreate(
        evaluation_id=public.evaluation_id,
        period=public.period,
        title=public.title,
        title_en=public.title_en,
        introduction=public.introduction,
        introduction_en=public.introduction_en,
        opens_at=public.opens_at,
        closes_at=public.closes_at,
        units=public.unit_codes,
        categories=public.category_codes,
        groups=[g.code for g in public.groups],
        questions=public.questions,
        unit_comments=public.unit_comments,
        one_per_device=public.one_per_device,
        min_seconds=public.min_seconds,
    )


def export_yaml(session: Session, survey_id: int, base_url: str) -> str:
    public = survey_public(session, get_survey(session, survey_id), base_url)
    data = survey_create_from(public).model_dump(mode="json", exclude_defaults=False)
    data.pop("evaluation_id")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def parse_yaml(text: str, evaluation_id: int) -> SurveyCreate:
    """Read a survey file; problems are reported with their place in the file."""
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise Invalid(N_("The file is not valid YAML (line %(line)s)."), line=line) from None
    if not isinstance(raw, dict):
        raise Invalid(N_("The file must describe one survey as a mapping."))
    raw["evaluation_id"] = evaluation_id
    try:
        return SurveyCreate.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "-"
        raise Invalid(
            N_("The survey file is not valid at %(where)s: %(problem)s"),
            field=where,
            where=where,
            problem=first["msg"],
        ) from None


def response_count(session: Session, survey_id: int) -> ResponseCount:
    get_survey(session, survey_id)
    rows = session.exec(
        select(Response.quality_flags, Response.quality_decision, func.count())
        .where(Response.survey_id == survey_id)
        .group_by(col(Response.quality_flags), col(Response.quality_decision))
    ).all()
    total = counted = flagged = 0
    by_flag: Counter[str] = Counter()
    for flags, decision, n in rows:
        total += n
        if flags:
            flagged += n
            for flag in QualityFlag:
                if flags & flag:
                    by_flag[str(flag.name)] += n
        if is_counted(flags, decision):
            counted += n
    return ResponseCount(total=total, counted=counted, flagged=flagged, by_flag=dict(by_flag))


def flagged_responses(session: Session, survey_id: int, limit: int = 200) -> list[Response]:
    return list(
        session.exec(
            select(Response)
            .where(Response.survey_id == survey_id, Response.quality_flags != 0)
            .order_by(col(Response.submitted_at).desc())
            .limit(limit)
        )
    )


def decide_quality(
    session: Session, response_id: str, decision: str | None, actor: Principal, *, ip: str = ""
) -> Response:
    if decision not in ("include", "exclude", None):
        raise Invalid(N_("Choose include or exclude."), field="decision")
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound(N_("No such response."))
    response.quality_decision = decision
    session.add(response)
    # The answers carry whether their response counts; they change with it, in this commit.
    session.exec(
        update(Answer)
        .where(col(Answer.response_id) == response_id)
        .values(counted=is_counted(response.quality_flags, decision))
    )
    audit.record(
        session,
        actor.name,
        "response.quality",
        target_type="response",
        target_id=response_id,
        decision=decision or "default",
        flags=response.quality_flags,
        ip=ip,
    )
    session.commit()
    return response


def group_codes_for_public(session: Session) -> list[RespondentGroup]:
    return list(
        session.exec(
            select(RespondentGroup)
            .where(RespondentGroup.kind == "public")
            .order_by(col(RespondentGroup.sort_order))
        )
    )
