"""The office's survey pages: list, a simple builder, open and close, posters, flagged answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from survey import organisation as org
from survey import rules
from survey.errors import N_, Invalid
from survey.rules import Action
from survey.surveys import service
from survey.surveys.definition import load_definition
from survey.surveys.models import QuestionKind, SurveyStatus
from survey.surveys.scales import ScaleKind
from survey.surveys.schemas import OptionIn, QuestionIn, SurveyCreate, SurveyUpdate
from survey.validation import problem_message
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/surveys", include_in_schema=False)


def _detail(request: Request, survey_id: int) -> RedirectResponse:
    return RedirectResponse(
        request.url_for("office_survey", survey_id=survey_id).path, status_code=303
    )


def _invalid(error: ValidationError) -> Invalid:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return Invalid(
        N_("The survey is not valid at %(where)s: %(problem)s"),
        field=where,
        where=where,
        problem=problem_message(first),
    )


@router.get("", name="office_surveys")
def surveys_page(request: Request, session: SessionDep, principal: OfficeViewer) -> Response:
    base = settings_of(request).public_base_url
    surveys = service.list_surveys(session, base)
    counts = {s.id: service.response_count(session, s.id) for s in surveys}
    evaluations = [
        e for e in org.list_evaluations(session) if rules.allowed_in(Action.set_up, e.status)
    ]
    return render(
        request,
        "office/surveys.html",
        {
            "principal": principal,
            "surveys": surveys,
            "counts": counts,
            "evaluations": evaluations,
            "categories": org.list_categories(session),
            "groups": service.group_codes_for_public(session),
            "scales": list(ScaleKind),
        },
    )


@router.post("", name="office_survey_create")
def create_survey(
    request: Request,
    session: SessionDep,
    actor: OfficeUser,
    evaluation_id: Annotated[int, Form()],
    title: Annotated[str, Form(max_length=200)],
    prompt: Annotated[str, Form(max_length=500)],
    period: Annotated[str, Form(max_length=16)] = "",
    scale: Annotated[str, Form()] = ScaleKind.satisfaction,
    categories: Annotated[list[str] | None, Form()] = None,
    groups: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        data = SurveyCreate(
            evaluation_id=evaluation_id,
            period=period or None,
            title=title,
            categories=categories or [],
            groups=groups or [],
            questions=[
                QuestionIn(
                    code="overall", kind=QuestionKind.rating, prompt=prompt, scale=ScaleKind(scale)
                )
            ],
        )
    except (ValidationError, ValueError) as error:
        raise _invalid(error) if isinstance(error, ValidationError) else Invalid() from None
    survey = service.create_survey(session, data, actor)
    assert survey.id is not None
    return _detail(request, survey.id)


@router.get("/{survey_id}", name="office_survey")
def survey_page(
    request: Request, survey_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    base = settings_of(request).public_base_url
    survey = service.get_survey(session, survey_id)
    public = service.survey_public(session, survey, base)
    return render(
        request,
        "office/survey.html",
        {
            "principal": principal,
            "survey": public,
            "definition": load_definition(session, survey),
            "count": service.response_count(session, survey_id),
            "flagged": service.flagged_responses(session, survey_id),
            "units": org.list_units(session, active=True),
            "categories": org.list_categories(session),
            "kinds": list(QuestionKind),
            "scales": list(ScaleKind),
            "editable": survey.status == SurveyStatus.draft,
            "public_url": service.public_url,
            "base": base,
        },
    )


@router.post("/{survey_id}/settings", name="office_survey_settings")
def survey_settings(
    request: Request,
    survey_id: int,
    session: SessionDep,
    actor: OfficeUser,
    title: Annotated[str, Form(max_length=200)],
    title_en: Annotated[str, Form(max_length=200)] = "",
    introduction: Annotated[str, Form(max_length=2000)] = "",
    introduction_en: Annotated[str, Form(max_length=2000)] = "",
    min_seconds: Annotated[int, Form(ge=0, le=600)] = 10,
    one_per_device: Annotated[bool, Form()] = False,
    unit_comments: Annotated[bool, Form()] = False,
) -> Response:
    survey = service.update_survey(
        session,
        survey_id,
        SurveyUpdate(
            title=title,
            title_en=title_en,
            introduction=introduction,
            introduction_en=introduction_en,
            min_seconds=min_seconds,
            one_per_device=one_per_device,
            unit_comments=unit_comments,
        ),
        actor,
    )
    request.app.state.definitions.forget(survey.slug)
    return _detail(request, survey_id)


@router.post("/{survey_id}/status", name="office_survey_status")
def survey_status(
    request: Request,
    survey_id: int,
    session: SessionDep,
    actor: OfficeUser,
    status: Annotated[SurveyStatus, Form()],
) -> Response:
    survey = service.update_survey(session, survey_id, SurveyUpdate(status=status), actor)
    request.app.state.definitions.forget(survey.slug)
    return _detail(request, survey_id)


def _edit(
    request: Request,
    survey_id: int,
    session: SessionDep,
    actor: OfficeUser,
    change: dict[str, object],
) -> Response:
    base = settings_of(request).public_base_url
    survey = service.get_survey(session, survey_id)
    current = service.survey_create_from(service.survey_public(session, survey, base))
    try:
        data = SurveyCreate.model_validate({**current.model_dump(), **change})
    except ValidationError as error:
        raise _invalid(error) from None
    service.replace_content(session, survey_id, data, actor)
    request.app.state.definitions.forget(survey.slug)
    return _detail(request, survey_id)


@router.post("/{survey_id}/targets", name="office_survey_targets")
def survey_targets(
    request: Request,
    survey_id: int,
    session: SessionDep,
    actor: OfficeUser,
    action: Annotated[str, Form()],
    unit: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
) -> Response:
    current = service.survey_create_from(
        service.survey_public(session, service.get_survey(session, survey_id), "")
    )
    units, categories = list(current.units), list(current.categories)
    if action == "add":
        units += [unit] if unit else []
        categories += [category] if category else []
    else:
        units = [u for u in units if u != unit]
        categories = [c for c in categories if c != category]
    return _edit(request, survey_id, session, actor, {"units": units, "categories": categories})


def parse_options(text: str) -> list[OptionIn]:
    """One option a line: ``code=label`` (or just a label, numbered automatically)."""
    options = []
    for number, line in enumerate(row.strip() for row in text.splitlines() if row.strip()):
        code, sep, label = line.partition("=")
        options.append(
            OptionIn(code=code.strip(), label=label.strip())
            if sep
            else OptionIn(code=f"o{number + 1}", label=line)
        )
    return options


@router.post("/{survey_id}/questions", name="office_survey_question_add")
def add_question(
    request: Request,
    survey_id: int,
    session: SessionDep,
    actor: OfficeUser,
    code: Annotated[str, Form(max_length=32)],
    kind: Annotated[QuestionKind, Form()],
    prompt: Annotated[str, Form(max_length=500)],
    scale: Annotated[str, Form()] = "",
    options: Annotated[str, Form(max_length=5000)] = "",
    variable: Annotated[str, Form(max_length=32)] = "",
    required: Annotated[bool, Form()] = False,
) -> Response:
    current = service.survey_create_from(
        service.survey_public(session, service.get_survey(session, survey_id), "")
    )
    try:
        question = QuestionIn(
            code=code,
            kind=kind,
            prompt=prompt,
            scale=ScaleKind(scale) if kind == QuestionKind.rating and scale else None,
            options=parse_options(options),
            variable=variable or None,
            required=required,
        )
    except ValidationError as error:
        raise _invalid(error) from None
    return _edit(request, survey_id, session, actor, {"questions": [*current.questions, question]})


@router.post("/{survey_id}/questions/{code}/delete", name="office_survey_question_delete")
def delete_question(
    request: Request, survey_id: int, code: str, session: SessionDep, actor: OfficeUser
) -> Response:
    current = service.survey_create_from(
        service.survey_public(session, service.get_survey(session, survey_id), "")
    )
    remaining = [q for q in current.questions if q.code != code]
    return _edit(request, survey_id, session, actor, {"questions": remaining})


@router.post("/{survey_id}/responses/{response_id}/quality", name="office_response_quality")
def response_quality(
    request: Request,
    survey_id: int,
    response_id: str,
    session: SessionDep,
    actor: OfficeUser,
    decision: Annotated[str, Form()] = "",
) -> Response:
    service.decide_quality(session, response_id, decision or None, actor, ip=client_ip(request))
    return _detail(request, survey_id)


@router.get("/{survey_id}/poster", name="office_survey_poster")
def poster(
    request: Request,
    survey_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    unit: str = "",
    group: str = "",
) -> Response:
    base = settings_of(request).public_base_url
    survey = service.get_survey(session, survey_id)
    definition = load_definition(session, survey)
    unit_item = definition.unit(unit) if unit else None
    group_item = definition.group(group) if group else None
    url = service.public_url(
        base,
        survey.slug,
        unit=unit_item.code if unit_item else None,
        group=group_item.code if group_item else None,
    )
    query = (
        f"?unit={unit_item.code}"
        if unit_item
        else (f"?group={group_item.code}" if group_item else "")
    )
    return render(
        request,
        "office/poster.html",
        {
            "survey": definition,
            "unit": unit_item,
            "group": group_item,
            "url": url,
            "qr_query": query,
        },
    )
