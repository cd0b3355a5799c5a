"""A unit's own pages: its home, satisfaction, trend, released composite and export.

Every page is about the signed-in account's own unit; any other unit code answers 404.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from survey import organisation as org
from survey.composite import describe, naming
from survey.composite.service import recompute_total
from survey.errors import N_, NotFound
from survey.satisfaction.dashboard import Named
from survey.satisfaction.unit_view_charts import trend_chart
from survey.spreadsheet import xlsx_bytes
from survey.unit_home import service
from survey.unit_home.service import UnitHome
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import SessionDep, UnitMember
from web.i18n import language_of, translations
from web.routers import browser_router
from web.routers.office_composite import _rules
from web.spreadsheets import download, reader
from web.templating import render

router = browser_router(prefix="/unit", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", name="unit_start")
def start(request: Request, session: SessionDep, principal: UnitMember) -> Response:
    unit = service.own_unit(session, principal)
    return RedirectResponse(request.url_for("unit_home", code=unit.code).path, 303)


def _evaluation_id(session: SessionDep, principal: UnitMember, code: str, evaluation: int) -> int:
    """The evaluation asked for, or the unit's newest; NotFound when it has none."""
    unit = service.unit_of(session, principal, code)
    if evaluation:
        return evaluation
    found = service.unit_evaluations(session, unit)
    if not found or found[0].id is None:
        raise NotFound(N_("There is no such evaluation."))
    return found[0].id


def _context(
    request: Request, session: SessionDep, principal: UnitMember, home: UnitHome, page: str
) -> dict[str, object]:
    unit = service.own_unit(session, principal)
    return {
        "principal": principal,
        "unit": unit,
        "home": home,
        "view": home.view,
        "evaluation": org.evaluation_public(session, home.evaluation),
        "evaluations": service.unit_evaluations(session, unit),
        "page": page,
    }


@router.get("/units/{code}", name="unit_home")
def home_page(
    request: Request, code: str, session: SessionDep, principal: UnitMember, evaluation: int = 0
) -> Response:
    evaluation_id = _evaluation_id(session, principal, code, evaluation)
    home = service.unit_home(session, principal, code, evaluation_id)
    return render(request, "unit/home.html", _context(request, session, principal, home, "home"))


@router.get("/units/{code}/satisfaction", name="unit_satisfaction")
def satisfaction_page(
    request: Request,
    code: str,
    session: SessionDep,
    principal: UnitMember,
    evaluation: int = 0,
    group: str = "",
    period: str = "",
) -> Response:
    evaluation_id = _evaluation_id(session, principal, code, evaluation)
    home = service.unit_home(
        session, principal, code, evaluation_id, group=group or None, period=period or None
    )
    context = _context(request, session, principal, home, "satisfaction")
    context.update({"group": group, "period": period})
    return render(request, "unit/satisfaction.html", context)


@router.get("/units/{code}/trend", name="unit_trend")
def trend_page(
    request: Request,
    code: str,
    session: SessionDep,
    principal: UnitMember,
    evaluation: int = 0,
    group: str = "",
) -> Response:
    evaluation_id = _evaluation_id(session, principal, code, evaluation)
    home = service.unit_home(session, principal, code, evaluation_id, group=group or None)
    view = home.view
    language = language_of(request, settings_of(request).default_language)
    word = translations(language).gettext

    def name(item: Named) -> str:
        return item.name_en if language == "en" and item.name_en else item.name

    axis = word(N_("Mean")) if view.group is not None else word(N_("Score"))
    charts = {
        "chart-years": trend_chart(
            view.years,
            [word(N_("Year %(year)s")) % {"year": p.year} for p in view.years],
            word,
            axis,
        ),
        "chart-periods": trend_chart(
            view.periods, [name(p.period) for p in view.periods if p.period], word, axis
        ),
    }
    context = _context(request, session, principal, home, "trend")
    context.update({"group": group, "charts": charts, "echarts_file": ECHARTS_FILE})
    return render(request, "unit/trend.html", context)


@router.get("/units/{code}/composite", name="unit_composite")
def composite_page(
    request: Request, code: str, session: SessionDep, principal: UnitMember, evaluation: int = 0
) -> Response:
    evaluation_id = _evaluation_id(session, principal, code, evaluation)
    explanation = service.unit_composite(session, principal, code, evaluation_id)
    home = service.unit_home(session, principal, code, evaluation_id)
    context = _context(request, session, principal, home, "composite")
    context.update(
        {
            "x": explanation,
            "unit_label": SimpleNamespace(
                name=explanation["unit_name"], name_en=explanation["unit_name_en"]
            ),
            "result": explanation["result"],
            "recomputed": recompute_total(explanation),
            "groups": {g.code: g for g in org.list_groups(session)},
            "labels": naming.code_labels(session, evaluation_id),
            "periods": naming.period_labels(session, evaluation_id),
            "rules": _rules(
                session, evaluation_id, {explanation["category"]: explanation["scheme_version"]}
            )[explanation["category"]],
            "excellence_rule": describe.EXCELLENCE_RULE,
        }
    )
    return render(request, "unit/composite.html", context)


@router.get("/units/{code}/satisfaction.xlsx", name="unit_satisfaction_export")
def satisfaction_export(
    request: Request,
    code: str,
    session: SessionDep,
    principal: UnitMember,
    evaluation: int = 0,
    group: str = "",
    period: str = "",
) -> Response:
    evaluation_id = _evaluation_id(session, principal, code, evaluation)
    home = service.unit_home(
        session, principal, code, evaluation_id, group=group or None, period=period or None
    )
    language = language_of(request, settings_of(request).default_language)
    tables = service.home_tables(home, reader(language))
    return download(xlsx_bytes(tables), f"{code}-{evaluation_id}-satisfaction.xlsx", XLSX)
