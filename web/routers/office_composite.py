"""The office's composite pages: results per category, one unit's explanation, schemes with
their versions, hard-indicator files, bonus and deduction entries, and publication."""

from __future__ import annotations

from collections.abc import Callable
from gettext import NullTranslations
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from survey import organisation as org
from survey import rules
from survey.composite import describe, indicators, inputs, naming, service
from survey.composite import scheme as schemes
from survey.composite.dashboard_charts import composite_charts
from survey.composite.schemas import AdjustmentCreate, UnitComposite
from survey.errors import N_, DomainError, Invalid, Message
from survey.import_problems import ImportRejected
from survey.rules import Action
from survey.unit_home.service import composite_released
from survey.validation import first_problem
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of, translations
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)
MAX_UPLOAD_BYTES = 20_000_000
SENSITIVITY_DRAWS = 1000


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def _messages(request: Request, error: DomainError) -> list[str]:
    """The error and each listed problem, translated."""
    language = _language(request)
    lines = [gettext(language, error.message, **error.params)]
    for problem in getattr(error, "errors", []):
        text = gettext(language, problem.message, **problem.params)
        if isinstance(error, ImportRejected):
            text = gettext(
                language,
                "Row %(row)s, column %(column)s: %(problem)s",
                row=problem.row,
                column=problem.column,
                problem=text,
            )
        lines.append(text)
    return lines


def _rules(session: SessionDep, evaluation_id: int, versions: dict[str, int]) -> dict[str, Any]:
    """Category -> its rules in words, from the scheme version the results were computed with."""
    return {
        category: describe.rules(
            schemes.spec_of(schemes.get_scheme(session, evaluation_id, category, version))
        )
        for category, version in versions.items()
    }


def differentiation_rules(
    session: SessionDep, evaluation_id: int, versions: dict[str, int]
) -> dict[str, Any]:
    """Category -> the differentiation limits its scheme version sets (each scheme its own)."""
    found: dict[str, Any] = {}
    for category, version in versions.items():
        spec = schemes.spec_of(schemes.get_scheme(session, evaluation_id, category, version))
        if spec.differentiation is not None:
            found[category] = spec.differentiation
    return found


def _back(request: Request, name: str, evaluation_id: int, **query: str) -> Response:
    url = request.url_for(name, evaluation_id=evaluation_id).path
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(url, status_code=303)


# Results -------------------------------------------------------------------------------------


@router.get("/{evaluation_id}/composite", name="office_composite")
def results_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    category: str = "",
    sensitivity: bool = False,
    draws: int = SENSITIVITY_DRAWS,
    seed: int = service.DEFAULT_SEED,
    published: str = "",
) -> Response:
    # One category at a time: all of a city's categories on one page took seconds and about
    # a megabyte. Without a choice, the first category with results, named in the address so
    # that the export links and a bookmark carry it.
    choices = service.result_categories(session, evaluation_id)
    if not category and choices:
        url = request.url.include_query_params(category=choices[0])
        return RedirectResponse(f"{url.path}?{url.query}", status_code=303)
    wanted = service.SensitivityRequest(draws=draws, seed=seed) if sensitivity else None
    results = service.composite_results(
        session,
        evaluation_id,
        viewer=principal,
        category=category or None,
        sensitivity=wanted,
    )
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    by_category: dict[str, list[Any]] = {}
    for unit in sorted(results.units, key=lambda u: (u.rank is None, u.rank or 0, u.unit)):
        by_category.setdefault(unit.category, []).append(unit)
    by_lead: dict[str, list[Any]] = {}
    for report in results.differentiation:
        by_lead.setdefault(report.lead, []).append(report)
    return render(
        request,
        "office/composite.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "results": results,
            "by_category": by_category,
            "by_lead": by_lead,
            "category_names": {c.code: c for c in org.list_categories(session)},
            "labels": naming.code_labels(session, evaluation_id),
            "periods": naming.period_labels(session, evaluation_id),
            "rules": _rules(
                session, evaluation_id, {c.category: c.scheme_version for c in results.categories}
            ),
            "differentiation_rules": differentiation_rules(
                session, evaluation_id, {c.category: c.scheme_version for c in results.categories}
            ),
            "category": category,
            "choices": choices,
            "sensitivity": sensitivity,
            "draws": draws,
            "seed": seed,
            "just_published": bool(published),
            "composite_released": composite_released(session, evaluation_id),
            "can_publish": rules.can(principal, Action.publish, evaluation.status)
            and not results.frozen,
            "charts": composite_charts(results, _unit_name(request), _catalog(request).gettext),
            "echarts_file": ECHARTS_FILE,
        },
    )


def _catalog(request: Request) -> NullTranslations:
    return translations(_language(request))


def _unit_name(request: Request) -> Callable[[UnitComposite], str]:
    english = _language(request) == "en"
    return lambda u: u.unit_name_en if english and u.unit_name_en else u.unit_name


@router.get("/{evaluation_id}/composite/units/{unit}", name="office_composite_unit")
def unit_page(
    request: Request,
    evaluation_id: int,
    unit: str,
    session: SessionDep,
    principal: OfficeViewer,
    sensitivity: bool = False,
    draws: int = SENSITIVITY_DRAWS,
    seed: int = service.DEFAULT_SEED,
) -> Response:
    explanation = service.explain_unit(session, evaluation_id, unit, viewer=principal)
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    band = None
    if sensitivity:
        # The unit's band comes from its category's draws (ranks are within the category),
        # with the category page's draws and seed, so both pages show the same band.
        category = service.composite_results(
            session,
            evaluation_id,
            viewer=principal,
            category=explanation["category"],
            sensitivity=service.SensitivityRequest(draws=draws, seed=seed),
        )
        band = next((u.sensitivity for u in category.units if u.unit == explanation["unit"]), None)
    return render(
        request,
        "office/composite_unit.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "x": explanation,
            "unit_label": SimpleNamespace(
                name=explanation["unit_name"], name_en=explanation["unit_name_en"]
            ),
            "result": explanation["result"],
            "recomputed": service.recompute_total(explanation),
            "groups": {g.code: g for g in org.list_groups(session)},
            "labels": naming.code_labels(session, evaluation_id),
            "periods": naming.period_labels(session, evaluation_id),
            "rules": _rules(
                session, evaluation_id, {explanation["category"]: explanation["scheme_version"]}
            )[explanation["category"]],
            "excellence_rule": describe.EXCELLENCE_RULE,
            "sensitivity": sensitivity,
            "band": band,
            "draws": draws,
        },
    )


@router.post("/{evaluation_id}/composite/publish", name="office_composite_publish")
def publish(
    request: Request, evaluation_id: int, session: SessionDep, actor: OfficeUser
) -> Response:
    service.publish_results(session, evaluation_id, actor, ip=client_ip(request))
    return _back(request, "office_composite", evaluation_id, published="1")


# Schemes and data ------------------------------------------------------------------------------


def _schemes_page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    *,
    text: str = "",
    messages: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
    show: str = "",
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    current = schemes.list_schemes(session, evaluation_id)
    histories = {s.category: schemes.history(session, evaluation_id, s.category) for s in current}
    shown = None
    if show:
        shown = schemes.get_scheme(session, evaluation_id, show)
    return render(
        request,
        "office/composite_schemes.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "schemes": current,
            "histories": histories,
            "categories": {c.code: c for c in org.list_categories(session)},
            "text": text,
            "messages": messages or [],
            "notice": notice,
            "shown": shown,
            "show": show,
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/composite/schemes", name="office_composite_schemes")
def schemes_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    show: str = "",
    notice: str = "",
) -> Response:
    return _schemes_page(request, session, evaluation_id, principal, show=show, notice=notice)


@router.post("/{evaluation_id}/composite/schemes", name="office_composite_schemes_save")
def schemes_save(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    text: Annotated[str, Form(max_length=500_000)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    action: Annotated[str, Form()] = "validate",
) -> Response:
    language = _language(request)
    if action == "validate":
        report = schemes.validate_text(
            session, text, lambda message, params: gettext(language, message, **params)
        )
        if report.valid:
            notice = gettext(
                language,
                "The file is valid: schemes for %(categories)s.",
                categories=", ".join(report.schemes),
            )
            return _schemes_page(request, session, evaluation_id, actor, text=text, notice=notice)
        return _schemes_page(
            request,
            session,
            evaluation_id,
            actor,
            text=text,
            messages=[p.message for p in report.problems],
            status_code=422,
        )
    try:
        stored = schemes.import_text(
            session, evaluation_id, text, actor, note=note, ip=client_ip(request)
        )
    except DomainError as error:
        return _schemes_page(
            request,
            session,
            evaluation_id,
            actor,
            text=text,
            messages=_messages(request, error),
            status_code=422 if isinstance(error, Invalid) else 409,
        )
    notice = gettext(
        language,
        "Stored %(schemes)s.",
        schemes=", ".join(f"{s.category} v{s.version}" for s in stored),
    )
    return _back(request, "office_composite_schemes", evaluation_id, notice=notice)


@router.post("/{evaluation_id}/composite/indicators", name="office_composite_indicators")
async def indicators_upload(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    language = _language(request)
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise Invalid(N_("What you sent is too large."))
        report = indicators.import_indicators(
            session,
            evaluation_id,
            data,
            file.filename or "upload.csv",
            actor=actor,
            ip=client_ip(request),
        )
    except DomainError as error:
        return _schemes_page(
            request,
            session,
            evaluation_id,
            actor,
            messages=_messages(request, error),
            status_code=422 if isinstance(error, Invalid) else 409,
        )
    notice = gettext(
        language,
        "Imported %(rows)s values: %(inserted)s new, %(updated)s changed, %(unchanged)s unchanged.",
        rows=report.rows,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    return _back(request, "office_composite_schemes", evaluation_id, notice=notice)


# Bonus and deduction ---------------------------------------------------------------------------

# Form fields as the page labels them, so that a problem names what the user sees.
_ADJUSTMENT_LABELS = {
    "unit": N_("Unit"),
    "item": N_("Item code (as the scheme lists it)"),
    "points": N_("Points (negative for a deduction)"),
    "reason": N_("Reason"),
    "approved_by": N_("Approved by"),
}


def _adjustments_page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    *,
    messages: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    return render(
        request,
        "office/composite_adjustments.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "composite_nav": True,
            "entries": inputs.list_adjustments(session, evaluation_id),
            "units": {u.code: u for u in org.list_units(session)},
            "messages": messages or [],
            "form": form or {},
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/composite/adjustments", name="office_composite_adjustments")
def adjustments_page(
    request: Request, evaluation_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    return _adjustments_page(request, session, evaluation_id, principal)


@router.post("/{evaluation_id}/composite/adjustments", name="office_composite_adjustment_add")
def adjustment_add(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    unit: Annotated[str, Form(max_length=32)] = "",
    item: Annotated[str, Form(max_length=32)] = "",
    points: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    approved_by: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = {
        "unit": unit,
        "item": item,
        "points": points,
        "reason": reason,
        "approved_by": approved_by,
    }
    try:
        try:
            value = float(points)
        except ValueError:
            raise Invalid(N_("The points must be a number."), field="points") from None
        try:
            data = AdjustmentCreate(
                unit=unit, item=item, points=value, reason=reason, approved_by=approved_by
            )
        except ValidationError as error:
            where, problem = first_problem(error)
            label = _ADJUSTMENT_LABELS.get(where)
            raise Invalid(
                N_("%(label)s: %(problem)s"),
                field=where,
                label=Message(label) if label else where,
                problem=problem,
            ) from None
        inputs.add_adjustment(session, evaluation_id, data, actor, ip=client_ip(request))
    except DomainError as error:
        return _adjustments_page(
            request,
            session,
            evaluation_id,
            actor,
            messages=_messages(request, error),
            form=form,
            status_code=422 if isinstance(error, Invalid) else 409,
        )
    return _back(request, "office_composite_adjustments", evaluation_id)


@router.post(
    "/{evaluation_id}/composite/adjustments/{adjustment_id}/delete",
    name="office_composite_adjustment_delete",
)
def adjustment_delete(
    request: Request,
    evaluation_id: int,
    adjustment_id: int,
    session: SessionDep,
    actor: OfficeUser,
) -> Response:
    inputs.delete_adjustment(session, evaluation_id, adjustment_id, actor, ip=client_ip(request))
    return _back(request, "office_composite_adjustments", evaluation_id)
