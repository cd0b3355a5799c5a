"""The office's satisfaction pages: results per category, and the policy form with history."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from survey import organisation as org
from survey.errors import N_, Invalid
from survey.satisfaction import policy as policy_service
from survey.satisfaction.dashboard import Named, satisfaction_dashboard
from survey.satisfaction.dashboard_charts import dashboard_charts
from survey.satisfaction.reasons import public_reason_message
from survey.satisfaction.schemas import LevelScore, SatisfactionPolicyPut
from survey.validation import problem_message
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of, translations
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)
# Blank rows under the current levels, so a level can be added without JavaScript.
SPARE_LEVEL_ROWS = 2


@router.get("/{evaluation_id}/satisfaction", name="office_satisfaction")
def satisfaction_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    category: str = "",
    group: str = "",
    period: str = "",
    question: str = "",
    channel: str = "",
) -> Response:
    dashboard = satisfaction_dashboard(
        session,
        evaluation_id,
        category=category or None,
        group=group or None,
        period=period or None,
        question=question or None,
        channel=channel or None,
        viewer=principal,
    )
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    language = language_of(request, settings_of(request).default_language)
    catalog = translations(language)

    def name(item: Named) -> str:
        return item.name_en if language == "en" and item.name_en else item.name

    charts = dashboard_charts(dashboard, name, catalog.gettext)
    # Each heat map cell opens its unit's page with the cell's group chosen (charts.js).
    charts["chart-heat"]["urls"] = [
        _unit_url(request, evaluation_id, c.unit, group=c.group) for c in dashboard.heat
    ]
    cells: dict[str, list[object]] = {}
    for cell in dashboard.results.cells:
        cells.setdefault(cell.unit, []).append(cell)
    return render(
        request,
        "office/satisfaction.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "dashboard": dashboard,
            "results": dashboard.results,
            "charts": charts,
            "echarts_file": ECHARTS_FILE,
            "cells": cells,
            "groups": {g.code: g for g in org.list_groups(session)},
            "category": dashboard.category.code if dashboard.category else "",
            "group": group,
            "period": period,
            "question": question,
            "channel": channel,
            # Reasons from the statistics travel as codes; the page words them in its language.
            "reason_message": public_reason_message,
        },
    )


def _unit_url(request: Request, evaluation_id: int, unit: str, *, group: str) -> str:
    path = request.url_for("office_satisfaction_unit", evaluation_id=evaluation_id, unit=unit).path
    return f"{path}?{urlencode({'group': group})}"


@router.get("/{evaluation_id}/satisfaction/policy", name="office_satisfaction_policy")
def policy_page(
    request: Request, evaluation_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    return _policy_form(request, session, evaluation_id, principal)


def _policy_form(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: object,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    current = policy_service.get_policy(session, evaluation_id)
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    levels = [*current.level_scores, *([None] * SPARE_LEVEL_ROWS)]
    return render(
        request,
        "office/satisfaction_policy.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "policy": current,
            "levels": levels,
            "margins_text": policy_service.format_margins(current.margins),
            "groups": org.list_groups(session),
            # The weight table names categories and groups as the office knows them.
            "category_names": {c.code: c for c in org.list_categories(session)},
            "group_names": {g.code: g for g in org.list_groups(session)},
            "history": policy_service.history(session, evaluation_id),
            "error": error,
        },
        status_code=status_code,
    )


def _numeric_scale(low: str, high: str, satisfied_from: str) -> dict[str, str | None] | None:
    """The form's numeric scale: none when both ends are empty; the model checks the numbers."""
    if not low.strip() and not high.strip():
        return None
    return {
        "low": low.strip(),
        "high": high.strip(),
        "satisfied_from": satisfied_from.strip() or None,
    }


@router.post("/{evaluation_id}/satisfaction/policy", name="office_satisfaction_policy_save")
def policy_save(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    level_code: Annotated[list[str] | None, Form()] = None,
    level_score: Annotated[list[str] | None, Form()] = None,
    satisfied: Annotated[list[int] | None, Form()] = None,
    dont_know_code: Annotated[str, Form(max_length=32)] = "",
    trim_k: Annotated[int, Form()] = 1,
    min_n: Annotated[int, Form()] = 5,
    confidence: Annotated[float, Form()] = 0.95,
    rate_ci_method: Annotated[str, Form()] = "wilson",
    combine_ci_method: Annotated[str, Form()] = "satterthwaite",
    suppression_threshold: Annotated[int, Form()] = 5,
    comment_threshold: Annotated[int, Form()] = 10,
    questions: Annotated[str, Form(max_length=2000)] = "",
    margins: Annotated[str, Form(max_length=20000)] = "",
    raked_groups: Annotated[list[str] | None, Form()] = None,
    rank_draws: Annotated[int, Form()] = 2000,
    rank_seed: Annotated[int, Form()] = 0,
    numeric_low: Annotated[str, Form(max_length=32)] = "",
    numeric_high: Annotated[str, Form(max_length=32)] = "",
    numeric_satisfied_from: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    sig_alpha: Annotated[float, Form()] = 0.05,
    sig_p_adjust: Annotated[str, Form(max_length=16)] = "holm",
    sig_cv_caution: Annotated[float, Form()] = 0.15,
    sig_cv_unreliable: Annotated[float, Form()] = 0.3,
    sig_design_effect: Annotated[float, Form()] = 2.0,
) -> Response:
    language = language_of(request, settings_of(request).default_language)
    try:
        chosen = set(satisfied or [])
        levels: list[LevelScore] = []
        satisfied_codes: list[str] = []
        for position, (code, score) in enumerate(
            zip(level_code or [], level_score or [], strict=False)
        ):
            if not code.strip():
                continue
            try:
                points = float(score)
            except ValueError:
                raise Invalid(
                    N_("The score of the level %(code)s must be a number."),
                    field="level_scores",
                    code=code.strip(),
                ) from None
            levels.append(LevelScore(code=code.strip(), score=points))
            if position in chosen:
                satisfied_codes.append(code.strip())
        data = SatisfactionPolicyPut.model_validate(
            {
                "level_scores": levels,
                "satisfied_levels": satisfied_codes,
                "dont_know_code": dont_know_code.strip() or None,
                "trim_k": trim_k,
                "min_n": min_n,
                "confidence": confidence,
                "rate_ci_method": rate_ci_method,
                "combine_ci_method": combine_ci_method,
                "suppression_threshold": suppression_threshold,
                "comment_threshold": comment_threshold,
                "questions": [q.strip() for q in questions.split(",") if q.strip()],
                "margins": policy_service.parse_margins(margins),
                "raked_groups": raked_groups or [],
                "rank_draws": rank_draws,
                "rank_seed": rank_seed,
                "numeric_scale": _numeric_scale(numeric_low, numeric_high, numeric_satisfied_from),
                "significance": {
                    "alpha": sig_alpha,
                    "p_adjust": sig_p_adjust,
                    "cv_caution": sig_cv_caution,
                    "cv_unreliable": sig_cv_unreliable,
                    "design_effect_flag": sig_design_effect,
                },
                "note": note,
            }
        )
        policy_service.set_policy(session, evaluation_id, data, actor, ip=client_ip(request))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = gettext(
            language,
            N_("The policy is not valid at %(where)s: %(problem)s"),
            where=where,
            problem=problem_message(first),
        )
        return _policy_form(request, session, evaluation_id, actor, error=message, status_code=422)
    except Invalid as error:
        message = gettext(language, error.message, **error.params)
        return _policy_form(request, session, evaluation_id, actor, error=message, status_code=422)
    return RedirectResponse(
        request.url_for("office_satisfaction_policy", evaluation_id=evaluation_id).path,
        status_code=303,
    )
