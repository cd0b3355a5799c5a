"""Closing an evaluation closes every channel: nothing submitted afterwards is stored.

Each channel is tried after the close (survey form, survey API, response import, ballot by
code over the form and the API, paper ballots): each is refused with a clear message in
Chinese and leaves the response store as it was.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from survey.ballots import codes, paper
from survey.ballots.errors import BatchClosed
from survey.errors import Conflict
from survey.models import BallotBatch, Evaluation, Response, Survey
from survey.organisation import lifecycle
from survey.publication import service as publication
from survey.satisfaction.importer import import_responses
from survey.surveys import service as surveys
from survey.surveys.schemas import SurveyUpdate
from tests.factories import ACTOR, make_ballot, make_survey
from web.i18n import gettext

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _stored(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Response)).one())


def _close(session: Session, evaluation_id: int) -> None:
    lifecycle.take_step(session, evaluation_id, lifecycle.Step.close, ACTOR)
    session.expire_all()


def test_closing_closes_the_surveys_and_the_form_and_api_refuse(
    client: TestClient, session: Session
) -> None:
    survey, units, _ = make_survey(session, units=2, min_seconds=0)
    page = client.get(f"/s/{survey.slug}")
    form = {
        **dict(HIDDEN.findall(page.text)),
        **{f"r.overall.{u.code}": "satisfied" for u in units},
    }
    before = _stored(session)
    _close(session, survey.evaluation_id)
    assert session.get(Survey, survey.id).status == "closed"  # type: ignore[union-attr]
    client.app.state.definitions.forget(survey.slug)  # type: ignore[attr-defined]
    posted = client.post(f"/s/{survey.slug}", data=form)
    assert posted.status_code == 410 and "本次问卷已结束" in posted.text
    api = client.post(
        f"/api/v1/surveys/{survey.id}/responses",
        json={
            "ratings": [
                {"unit": u.code, "question": "overall", "level": "satisfied"} for u in units
            ]
        },
        headers={"Idempotency-Key": "after-close"},
    )
    assert api.status_code == 409
    assert _stored(session) == before
    # A survey of a closed evaluation does not open again.
    with pytest.raises(Conflict):
        surveys.update_survey(session, survey.id, SurveyUpdate(status="open"), ACTOR)  # type: ignore[arg-type]


def test_the_writer_refuses_a_survey_left_open_in_a_closed_evaluation(
    client: TestClient, session: Session
) -> None:
    """Data from before this rule (an open survey under a closed evaluation) take nothing."""
    survey, units, _ = make_survey(session, units=1, min_seconds=0)
    page = client.get(f"/s/{survey.slug}")
    form = {**dict(HIDDEN.findall(page.text)), f"r.overall.{units[0].code}": "satisfied"}
    evaluation = session.get(Evaluation, survey.evaluation_id)
    assert evaluation is not None
    evaluation.status = "closed"  # behind the service's back: the survey stays open
    session.add(evaluation)
    session.commit()
    posted = client.post(f"/s/{survey.slug}", data=form)
    assert posted.status_code == 410 and "本问卷目前不接受答卷。" in posted.text
    assert _stored(session) == 0


def test_imports_are_refused_after_the_close(session: Session) -> None:
    survey, units, groups = make_survey(session, units=1)
    _close(session, survey.evaluation_id)
    rows = "respondent_id,group,unit,question,answer\n" + (
        f"r1,{groups[0].code},{units[0].code},overall,satisfied\n"
    )
    with pytest.raises(Conflict) as refused:
        import_responses(session, survey.evaluation_id, rows.encode(), "late.csv", actor=ACTOR)
    assert gettext("zh-CN", refused.value.message) == "本次考核已截止，不再接收答复。"
    assert _stored(session) == 0


def test_ballots_by_code_and_on_paper_are_refused_after_the_close(
    client: TestClient, session: Session
) -> None:
    batch, units, issued = make_ballot(session, units=2)
    assert batch.id is not None
    _close(session, batch.evaluation_id)
    assert session.get(BallotBatch, batch.id).status == "closed"  # type: ignore[union-attr]
    token = TOKEN.search(client.get("/b").text).group(1)  # type: ignore[union-attr]
    form = client.post("/b", data={"csrf_token": token, "code": codes.display(issued[0])})
    assert form.status_code == 409 and "本次测评已结束" in form.text
    api = client.post(
        "/api/v1/ballots",
        json={"code": issued[1], "answers": {u.code: "satisfied" for u in units}},
    )
    assert api.status_code == 409
    with pytest.raises(BatchClosed) as refused:
        paper.enter_sheet(
            session, batch.id, "0001", {u.code: "satisfied" for u in units}, {}, ACTOR
        )
    assert gettext("zh-CN", refused.value.message) == "本次测评已结束。"
    assert _stored(session) == 0


def test_a_published_evaluation_does_not_open_again(session: Session) -> None:
    survey, _, _ = make_survey(session, units=1)
    _close(session, survey.evaluation_id)
    publication.publish(session, survey.evaluation_id, ACTOR)
    publication.reopen_for_correction(session, survey.evaluation_id, ACTOR)
    with pytest.raises(Conflict) as refused:
        lifecycle.take_step(session, survey.evaluation_id, lifecycle.Step.open, ACTOR)
    assert (
        gettext("zh-CN", refused.value.message)
        == "已公布的考核不再接收答复；如需更正，请更正其输入数据。"
    )
