"""The office's page for one unit's satisfaction: score, ranks, breakdowns and trend."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from survey import organisation as org
from survey.errors import N_
from survey.satisfaction.dashboard import Named
from survey.satisfaction.drivers import has_drivers
from survey.satisfaction.policy import get_policy
from survey.satisfaction.unit_view import unit_view
from survey.satisfaction.unit_view_charts import trend_chart
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import OfficeViewer, SessionDep
from web.i18n import language_of, translations
from web.routers import browser_router
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)


@router.get("/{evaluation_id}/satisfaction/units/{unit}", name="office_satisfaction_unit")
def unit_page(
    request: Request,
    evaluation_id: int,
    unit: str,
    session: SessionDep,
    principal: OfficeViewer,
    group: str = "",
    period: str = "",
) -> Response:
    view = unit_view(
        session,
        evaluation_id,
        unit,
        group=group or None,
        period=period or None,
        viewer=principal,
    )
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
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
    return render(
        request,
        "office/satisfaction_unit.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "view": view,
            "charts": charts,
            "echarts_file": ECHARTS_FILE,
            "group": group,
            "period": period,
            "has_drivers": has_drivers(session, evaluation_id, view.unit.code),
            # The significance settings, for the legend of the marks.
            "results_policy": get_policy(session, evaluation_id),
        },
    )
