"""The office's pages for the soft inputs of composite scoring: qualitative scores that lead
departments give, with the differentiation check, and excellence goals with their expert
difficulty coefficient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from survey import organisation as org
from survey import rules
from survey.composite import inputs, service
from survey.composite.schemas import ExcellenceGoalIn, QualitativeScoreIn
from survey.errors import N_, Conflict, DomainError, Invalid, Message
from survey.rules import Action
from survey.validation import first_problem
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of
from web.routers import browser_router
from web.routers.office_composite import differentiation_rules
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)

# Form fields as the page labels them, so that a problem names what the user sees.
_LABELS = {
    "unit": N_("Unit"),
    "item": N_("Item"),
    "lead": N_("Lead department"),
    "score": N_("Score"),
    "code": N_("Goal code"),
    "title": N_("Goal"),
    "difficulty": N_("Difficulty coefficient"),
    "dimensions": N_("Appraisal"),
}
_DIMENSION_LABELS = dict(inputs.EXCELLENCE_DIMENSIONS)


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def _number(text: str, field: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise Invalid(
            N_("%(label)s: a number is expected."), field=field, label=Message(_LABELS[field])
        ) from None


def _validated(build: Callable[[], Any]) -> Any:
    """The schema built from the form, or an ``Invalid`` that names the field as labelled."""
    try:
        return build()
    except ValidationError as error:
        where, problem = first_problem(error)
        loc = error.errors()[0]["loc"]
        label: Message | str = where
        if loc and loc[0] == "dimensions" and len(loc) > 1:
            label = Message(_DIMENSION_LABELS.get(str(loc[1]), _LABELS["dimensions"]))
        elif loc and str(loc[0]) in _LABELS:
            label = Message(_LABELS[str(loc[0])])
        raise Invalid(
            N_("%(label)s: %(problem)s"), field=where, label=label, problem=problem
        ) from None


def _error_lines(request: Request, error: DomainError) -> list[str]:
    return [gettext(_language(request), error.message, **error.params)]


def _status(error: DomainError) -> int:
    return 409 if isinstance(error, Conflict) else 422


def _back(request: Request, name: str, evaluation_id: int, category: str) -> Response:
    url = request.url_for(name, evaluation_id=evaluation_id).path
    if category:
        url += "?" + urlencode({"category": category})
    return RedirectResponse(url, status_code=303)


def _common(session: SessionDep, evaluation_id: int, principal: Any) -> dict[str, Any]:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    units = org.list_units(session)
    return {
        "principal": principal,
        "evaluation": evaluation,
        "composite_nav": True,
        "units": {u.code: u for u in units},
        "categories": {c.code: c for c in org.list_categories(session)},
        "can_edit": rules.can(principal, Action.edit, evaluation.status),
    }


# Qualitative scores ----------------------------------------------------------------------------


def _qualitative_page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    *,
    category: str = "",
    form: dict[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    context = _common(session, evaluation_id, principal)
    units = context["units"]
    items = inputs.qualitative_items(session, evaluation_id)
    # One table per category and item, units in the office's order.
    order = {code: k for k, code in enumerate(units)}
    tables: dict[tuple[str, str], list[Any]] = {
        (i.category, i.item): [] for i in items if not category or i.category == category
    }
    for score in sorted(
        inputs.list_qualitative(session, evaluation_id), key=lambda s: order.get(s.unit, 0)
    ):
        unit = units.get(score.unit)
        cat = unit.category if unit else ""
        if category and cat != category:
            continue
        tables.setdefault((cat, score.item), []).append(score)
    item_names = {(i.category, i.item): i for i in items}
    # The same item (rule_of_law, say) is scored in several categories: offer it once.
    choices: dict[str, Any] = {}
    for i in items:
        if not category or i.category == category:
            choices.setdefault(i.item, i)
    differentiation: list[Any] = []
    limits: dict[str, Any] = {}
    differentiation_error: list[str] = []
    try:
        results = service.composite_results(session, evaluation_id, viewer=principal)
        differentiation = [
            r for r in results.differentiation if not category or r.category == category
        ]
        limits = differentiation_rules(
            session,
            evaluation_id,
            {
                c.category: c.scheme_version
                for c in results.categories
                if not category or c.category == category
            },
        )
    except DomainError as error:
        # A scheme that cannot be computed must not hide the scores; say why the check is absent.
        differentiation_error = _error_lines(request, error)
    return render(
        request,
        "office/composite_qualitative.html",
        {
            **context,
            "category": category,
            "items": items,
            "item_names": item_names,
            "item_choices": choices,
            "tables": tables,
            "differentiation": differentiation,
            "differentiation_error": differentiation_error,
            "differentiation_rules": limits,
            "category_names": context["categories"],
            "form": form or {},
            "messages": messages or [],
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/composite/qualitative", name="office_composite_qualitative")
def qualitative_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    category: str = "",
    unit: str = "",
    item: str = "",
) -> Response:
    form: dict[str, str] = {}
    if unit and item:
        # "Edit": the form starts from the stored score.
        for score in inputs.list_qualitative(session, evaluation_id):
            if score.unit == unit and score.item == item:
                form = {"unit": unit, "item": item, "lead": score.lead, "score": f"{score.score:g}"}
    return _qualitative_page(
        request, session, evaluation_id, principal, category=category, form=form
    )


@router.post("/{evaluation_id}/composite/qualitative", name="office_composite_qualitative_save")
def qualitative_save(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    unit: Annotated[str, Form(max_length=100)] = "",
    item: Annotated[str, Form(max_length=100)] = "",
    lead: Annotated[str, Form(max_length=100)] = "",
    score: Annotated[str, Form(max_length=100)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = {"unit": unit, "item": item, "lead": lead, "score": score}
    try:
        value = _number(score, "score")
        data = _validated(lambda: QualitativeScoreIn(unit=unit, item=item, lead=lead, score=value))
        inputs.enter_qualitative(session, evaluation_id, data, actor, ip=client_ip(request))
    except DomainError as error:
        return _qualitative_page(
            request,
            session,
            evaluation_id,
            actor,
            category=category,
            form=form,
            messages=_error_lines(request, error),
            status_code=_status(error),
        )
    return _back(request, "office_composite_qualitative", evaluation_id, category)


@router.post(
    "/{evaluation_id}/composite/qualitative/{unit}/{item}/delete",
    name="office_composite_qualitative_delete",
)
def qualitative_delete(
    request: Request,
    evaluation_id: int,
    unit: str,
    item: str,
    session: SessionDep,
    actor: OfficeUser,
    category: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    inputs.delete_qualitative(session, evaluation_id, unit, item, actor, ip=client_ip(request))
    return _back(request, "office_composite_qualitative", evaluation_id, category)


# Excellence goals ------------------------------------------------------------------------------


def _excellence_page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    *,
    category: str = "",
    form: dict[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    context = _common(session, evaluation_id, principal)
    units = context["units"]
    slots = inputs.excellence_slots(session, evaluation_id)
    shown = [s for s in slots if not category or s.category == category]
    goals: dict[str, list[Any]] = {s.category: [] for s in shown}
    order = {code: k for k, code in enumerate(units)}
    for goal in sorted(
        inputs.list_excellence(session, evaluation_id),
        key=lambda g: (order.get(g.unit, 0), g.code),
    ):
        unit = units.get(goal.unit)
        cat = unit.category if unit else ""
        if category and cat != category:
            continue
        goals.setdefault(cat, []).append(goal)
    return render(
        request,
        "office/composite_excellence.html",
        {
            **context,
            "category": category,
            "slots": {s.category: s for s in slots},
            "goals": goals,
            "dimensions": inputs.EXCELLENCE_DIMENSIONS,
            "form": form or {},
            "messages": messages or [],
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/composite/excellence", name="office_composite_excellence")
def excellence_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    category: str = "",
    unit: str = "",
    code: str = "",
) -> Response:
    form: dict[str, str] = {}
    if unit and code:
        for goal in inputs.list_excellence(session, evaluation_id):
            if goal.unit == unit and goal.code == code:
                form = {
                    "unit": unit,
                    "code": code,
                    "title": goal.title,
                    "difficulty": f"{goal.difficulty:g}",
                }
                for k, (name, _) in enumerate(inputs.EXCELLENCE_DIMENSIONS):
                    if name in goal.dimensions:
                        form[f"d{k}"] = f"{goal.dimensions[name]:g}"
    return _excellence_page(
        request, session, evaluation_id, principal, category=category, form=form
    )


@router.post("/{evaluation_id}/composite/excellence", name="office_composite_excellence_save")
def excellence_save(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    unit: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=100)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
    difficulty: Annotated[str, Form(max_length=100)] = "",
    d0: Annotated[str, Form(max_length=100)] = "",
    d1: Annotated[str, Form(max_length=100)] = "",
    d2: Annotated[str, Form(max_length=100)] = "",
    d3: Annotated[str, Form(max_length=100)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    marks = [d0, d1, d2, d3]
    form = {"unit": unit, "code": code, "title": title, "difficulty": difficulty}
    form.update({f"d{k}": v for k, v in enumerate(marks)})
    try:
        factor = _number(difficulty, "difficulty")
        dimensions: dict[str, float] = {}
        for (name, label), text in zip(inputs.EXCELLENCE_DIMENSIONS, marks, strict=True):
            try:
                dimensions[name] = float(text.strip())
            except ValueError:
                raise Invalid(
                    N_("%(label)s: a number is expected."),
                    field="dimensions",
                    label=Message(label),
                ) from None
        goal = _validated(
            lambda: ExcellenceGoalIn(
                unit=unit, code=code, title=title, difficulty=factor, dimensions=dimensions
            )
        )
        inputs.enter_excellence(session, evaluation_id, goal, actor, ip=client_ip(request))
    except DomainError as error:
        return _excellence_page(
            request,
            session,
            evaluation_id,
            actor,
            category=category,
            form=form,
            messages=_error_lines(request, error),
            status_code=_status(error),
        )
    return _back(request, "office_composite_excellence", evaluation_id, category)


@router.post(
    "/{evaluation_id}/composite/excellence/{unit}/{code}/delete",
    name="office_composite_excellence_delete",
)
def excellence_delete(
    request: Request,
    evaluation_id: int,
    unit: str,
    code: str,
    session: SessionDep,
    actor: OfficeUser,
    category: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    inputs.delete_excellence(session, evaluation_id, unit, code, actor, ip=client_ip(request))
    return _back(request, "office_composite_excellence", evaluation_id, category)
