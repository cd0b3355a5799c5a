"""The office's comment topics page: the keyword rules of an evaluation (add, change, delete,
start from the suggested set or another evaluation's), the tagging pass, and what people
write about where (topics x units, as a chart and a table)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.routing import NoMatchFound

from survey import organisation as org
from survey import rules
from survey.comments import topics as service
from survey.comments.topic_charts import topic_unit_chart, totals_chart
from survey.comments.topic_models import (
    CODE_MAX_LENGTH,
    NAME_EN_MAX_LENGTH,
    NAME_MAX_LENGTH,
)
from survey.errors import DomainError, Invalid
from survey.rules import Action
from web.charts import ECHARTS_FILE
from web.context import settings_of
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.i18n import gettext, language_of, translations
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/evaluations", include_in_schema=False)
# Long enough for 40 keywords of the longest length with their separators.
KEYWORDS_FORM_LENGTH = 2000


def _language(request: Request) -> str:
    return language_of(request, settings_of(request).default_language)


def comments_url(request: Request, evaluation_id: int, **query: str) -> str:
    """The office's comment list, filtered (its ``topic`` parameter takes a topic's code)."""
    try:
        path = request.url_for("office_comments", evaluation_id=evaluation_id).path
    except NoMatchFound:
        # The list is its own page group; until it is installed, its address as documented.
        path = f"/office/evaluations/{evaluation_id}/comments"
    wanted = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(wanted)}" if wanted else path


def _page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    principal: Any,
    *,
    form: dict[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    table = service.topic_unit_table(session, evaluation_id, principal)
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    language = _language(request)
    catalog = translations(language)

    def topic_name(topic: service.TopicView) -> str:
        return topic.name_en if language == "en" and topic.name_en else topic.name

    def row_name(row: service.TopicUnitRow) -> str:
        if not row.unit:
            return catalog.gettext("About no unit")
        return row.unit_name_en if language == "en" and row.unit_name_en else row.unit_name

    charts = {
        "chart-topic-totals": totals_chart(table, topic_name, catalog.gettext),
        "chart-topic-units": topic_unit_chart(table, topic_name, row_name, catalog.gettext),
    }
    charts["chart-topic-totals"]["urls"] = [
        comments_url(request, evaluation_id, topic=t.code) for t in table.topics
    ]
    charts["chart-topic-units"]["urls"] = [
        comments_url(
            request,
            evaluation_id,
            topic=table.topics[x].code,
            unit=table.rows[y].unit,
        )
        for x, y, _n in charts["chart-topic-units"]["cells"]
    ]
    others = [e for e in org.list_evaluations(session) if e.id != evaluation_id]
    return render(
        request,
        "office/topics.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "table": table,
            "charts": charts,
            "echarts_file": ECHARTS_FILE,
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
            "others": others,
            "comments_url": lambda **q: comments_url(request, evaluation_id, **q),
            "row_name": row_name,
            "form": form or {},
            "messages": messages or [],
            "limits": {
                "code": CODE_MAX_LENGTH,
                "name": NAME_MAX_LENGTH,
                "name_en": NAME_EN_MAX_LENGTH,
                "keywords": KEYWORDS_FORM_LENGTH,
            },
        },
        status_code=status_code,
    )


def _error_lines(request: Request, error: DomainError) -> list[str]:
    return [gettext(_language(request), error.message, **error.params)]


def _back(request: Request, evaluation_id: int, anchor: str = "") -> Response:
    url = request.url_for("office_topics", evaluation_id=evaluation_id).path
    return RedirectResponse(url + anchor, status_code=303)


@router.get("/{evaluation_id}/topics", name="office_topics")
def topics_page(
    request: Request, evaluation_id: int, session: SessionDep, principal: OfficeViewer
) -> Response:
    return _page(request, session, evaluation_id, principal)


Text = Annotated[str, Form(max_length=200)]
Keywords = Annotated[str, Form(max_length=KEYWORDS_FORM_LENGTH)]


@router.post("/{evaluation_id}/topics", name="office_topics_create")
def topic_create(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    code: Text = "",
    name: Text = "",
    name_en: Text = "",
    keywords: Keywords = "",
) -> Response:
    data = service.TopicIn(code=code, name=name, name_en=name_en, keywords=keywords)
    try:
        service.create_topic(session, evaluation_id, data, actor, ip=client_ip(request))
    except Invalid as error:
        session.rollback()
        return _page(
            request,
            session,
            evaluation_id,
            actor,
            form={"code": code, "name": name, "name_en": name_en, "keywords": keywords},
            messages=_error_lines(request, error),
            status_code=422,
        )
    return _back(request, evaluation_id, "#rules")


@router.post("/{evaluation_id}/topics/defaults", name="office_topics_defaults")
def topics_defaults(
    request: Request, evaluation_id: int, session: SessionDep, actor: OfficeUser
) -> Response:
    service.load_default_topics(session, evaluation_id, actor, ip=client_ip(request))
    return _back(request, evaluation_id, "#rules")


@router.post("/{evaluation_id}/topics/copy", name="office_topics_copy")
def topics_copy(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    source: Annotated[int, Form()],
) -> Response:
    service.copy_topics(session, evaluation_id, source, actor, ip=client_ip(request))
    return _back(request, evaluation_id, "#rules")


@router.post("/{evaluation_id}/topics/tag", name="office_topics_tag")
def topics_tag(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    everything: Annotated[bool, Form()] = False,
) -> Response:
    service.tag_comments(
        session, evaluation_id, actor, everything=everything, ip=client_ip(request)
    )
    return _back(request, evaluation_id)


def _edit_page(
    request: Request,
    session: SessionDep,
    evaluation_id: int,
    topic_id: int,
    principal: Any,
    *,
    form: dict[str, str] | None = None,
    messages: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    topic = service.get_topic(session, evaluation_id, topic_id)
    evaluation = org.evaluation_public(session, org.get_evaluation(session, evaluation_id))
    shown = next(t for t in service.list_topics(session, evaluation_id) if t.id == topic_id)
    return render(
        request,
        "office/topic_edit.html",
        {
            "principal": principal,
            "evaluation": evaluation,
            "topic": shown,
            "can_edit": rules.can(principal, Action.edit, evaluation.status),
            "form": form
            or {
                "code": topic.code,
                "name": topic.name,
                "name_en": topic.name_en,
                "keywords": "\n".join(shown.keywords),
            },
            "messages": messages or [],
            "limits": {
                "code": CODE_MAX_LENGTH,
                "name": NAME_MAX_LENGTH,
                "name_en": NAME_EN_MAX_LENGTH,
                "keywords": KEYWORDS_FORM_LENGTH,
            },
        },
        status_code=status_code,
    )


@router.get("/{evaluation_id}/topics/{topic_id}", name="office_topic_edit")
def topic_edit(
    request: Request,
    evaluation_id: int,
    topic_id: int,
    session: SessionDep,
    principal: OfficeViewer,
) -> Response:
    return _edit_page(request, session, evaluation_id, topic_id, principal)


@router.post("/{evaluation_id}/topics/{topic_id}", name="office_topic_save")
def topic_save(
    request: Request,
    evaluation_id: int,
    topic_id: int,
    session: SessionDep,
    actor: OfficeUser,
    code: Text = "",
    name: Text = "",
    name_en: Text = "",
    keywords: Keywords = "",
) -> Response:
    data = service.TopicIn(code=code, name=name, name_en=name_en, keywords=keywords)
    try:
        service.update_topic(session, evaluation_id, topic_id, data, actor, ip=client_ip(request))
    except Invalid as error:
        session.rollback()
        return _edit_page(
            request,
            session,
            evaluation_id,
            topic_id,
            actor,
            form={"code": code, "name": name, "name_en": name_en, "keywords": keywords},
            messages=_error_lines(request, error),
            status_code=422,
        )
    return _back(request, evaluation_id, "#rules")


@router.post("/{evaluation_id}/topics/{topic_id}/delete", name="office_topic_delete")
def topic_delete(
    request: Request,
    evaluation_id: int,
    topic_id: int,
    session: SessionDep,
    actor: OfficeUser,
) -> Response:
    service.delete_topic(session, evaluation_id, topic_id, actor, ip=client_ip(request))
    return _back(request, evaluation_id, "#rules")
