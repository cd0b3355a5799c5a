"""The office's key-driver pages: each aspect's importance and performance, by unit or category."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from survey import organisation as org
from survey.satisfaction.drivers import QUADRANT_NAMES, DriverReport, drivers
from survey.satisfaction.drivers_charts import quadrant_chart
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import OfficeViewer, SessionDep
from web.i18n import language_of, translations
from web.routers import browser_router
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)


def _page(
    request: Request, session: SessionDep, principal: OfficeViewer, report: DriverReport
) -> Response:
    evaluation = org.evaluation_public(session, org.get_evaluation(session, report.evaluation_id))
    language = language_of(request, settings_of(request).default_language)
    word = translations(language).gettext
    english = language == "en"
    charts = {"chart-category": quadrant_chart(report.category, word, english)}
    if report.unit is not None:
        charts["chart-unit"] = quadrant_chart(report.unit, word, english)
    return render(
        request,
        "office/satisfaction_drivers.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "report": report,
            "charts": charts,
            "quadrant_names": QUADRANT_NAMES,
            "echarts_file": ECHARTS_FILE,
        },
    )


@router.get(
    "/{evaluation_id}/satisfaction/units/{unit}/drivers", name="office_satisfaction_unit_drivers"
)
def unit_drivers_page(
    request: Request, evaluation_id: int, unit: str, session: SessionDep, principal: OfficeViewer
) -> Response:
    report = drivers(session, evaluation_id, unit_code=unit)
    return _page(request, session, principal, report)


@router.get(
    "/{evaluation_id}/satisfaction/categories/{category}/drivers",
    name="office_satisfaction_category_drivers",
)
def category_drivers_page(
    request: Request,
    evaluation_id: int,
    category: str,
    session: SessionDep,
    principal: OfficeViewer,
) -> Response:
    report = drivers(session, evaluation_id, category_code=category)
    return _page(request, session, principal, report)
