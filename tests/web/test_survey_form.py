"""The citizen form over plain HTTP, as a browser without JavaScript uses it."""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from survey.config import Settings
from survey.models import Answer, Comment, QualityFlag, Response
from survey.surveys import service
from survey.surveys.schemas import SurveyUpdate
from survey.timeutil import utcnow
from tests.factories import ACTOR, make_survey

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def _form(client: TestClient, slug: str, **query: str) -> dict[str, str]:
    page = client.get(f"/s/{slug}", params=query)
    assert page.status_code == 200, page.text
    return dict(HIDDEN.findall(page.text))


def _fill(hidden: dict[str, str], units: list, level: str = "satisfied") -> dict[str, str]:
    return {**hidden, **{f"r.overall.{u.code}": level for u in units}}


def _responses(session: Session) -> list[Response]:
    session.expire_all()
    return list(session.exec(select(Response)))


@pytest.fixture
def quick(session: Session):
    """An open survey that accepts instant answers (min_seconds 0)."""
    return make_survey(session, units=3, min_seconds=0)


def test_fill_and_submit_without_javascript(client: TestClient, session: Session, quick) -> None:
    survey, units, _ = quick
    page = client.get(f"/s/{survey.slug}")
    assert "<script" not in page.text  # the form needs no script at all
    assert f'name="r.overall.{units[0].code}" value="dont_know"' in page.text
    data = _fill(dict(HIDDEN.findall(page.text)), units)
    data[f"c.{units[0].code}"] = "<script>alert('x')</script>服务很好"
    submitted = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
    assert submitted.status_code == 303
    thanks = client.get(submitted.headers["location"])
    receipt = re.search(r'id="receipt">([A-Z0-9-]+)<', thanks.text)
    assert receipt and "感谢您的参与" in thanks.text
    [stored] = _responses(session)
    assert stored.channel == "qr" and stored.quality_flags == 0
    assert receipt.group(1).replace("-", "") == stored.id[-10:].upper()
    comment = session.exec(select(Comment)).one()
    assert comment.text == "<script>alert('x')</script>服务很好"


def test_a_retried_post_returns_the_same_receipt(
    client: TestClient, session: Session, quick
) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    receipts = []
    for _ in range(2):
        posted = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
        thanks = client.get(posted.headers["location"])
        receipts.append(re.search(r'id="receipt">([A-Z0-9-]+)<', thanks.text).group(1))  # type: ignore[union-attr]
    assert receipts[0] == receipts[1]
    assert len(_responses(session)) == 1


def test_the_receipt_is_in_no_address_and_no_log_line(
    client: TestClient, session: Session, quick, caplog: pytest.LogCaptureFixture
) -> None:
    """The receipt reaches the thank-you page in a signed, short-lived cookie for that page
    alone; survey and ballot lines of the access log carry no client address."""
    import logging

    from web.access_log import HideRespondents
    from web.survey_tokens import RECEIPT_SECONDS, receipt_cookie, receipt_from_cookie

    survey, units, _ = quick
    posted = client.post(
        f"/s/{survey.slug}", data=_fill(_form(client, survey.slug), units), follow_redirects=False
    )
    [stored] = _responses(session)
    receipt = stored.id[-10:].upper()[:5] + "-" + stored.id[-5:].upper()
    assert posted.headers["location"] == f"/s/{survey.slug}/thanks"
    cookie = posted.headers["set-cookie"]
    assert f"Path=/s/{survey.slug}/thanks" in cookie and "HttpOnly" in cookie
    assert receipt in client.get(posted.headers["location"]).text
    # Forged, another survey's, or stale: no receipt shown.
    secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
    assert receipt_from_cookie(secret, survey.slug, "x" + cookie) == ""
    minted = receipt_cookie(secret, survey.slug, receipt, now=1000.0)
    assert receipt_from_cookie(secret, survey.slug, minted, now=1000.0 + RECEIPT_SECONDS) == receipt
    assert receipt_from_cookie(secret, survey.slug, minted, now=1001.0 + RECEIPT_SECONDS) == ""
    assert receipt_from_cookie(secret, "other", minted, now=1000.0) == ""

    logger = logging.getLogger("pingyi.test.access")
    logger.addFilter(HideRespondents())
    with caplog.at_level(logging.INFO, logger="pingyi.test.access"):
        for path in (f"/s/{survey.slug}", "/b/submit", "/b", "/office"):
            logger.info('%s - "%s %s HTTP/%s" %d', "203.0.113.9:5555", "POST", path, "1.1", 303)
    lines = [r.getMessage() for r in caplog.records]
    assert [("203.0.113.9" in line) for line in lines] == [False, False, False, True]


def test_missing_answers_come_back_inline_with_what_was_typed(
    client: TestClient,
    session: Session,
    quick,
) -> None:
    survey, units, _ = quick
    data = {
        **_form(client, survey.slug),
        f"r.overall.{units[0].code}": "satisfied",
        f"c.{units[0].code}": "<b>bold</b> & more",
    }
    page = client.post(f"/s/{survey.slug}", data=data)
    assert page.status_code == 422
    assert "有些题目还需要您补充或修改" in page.text
    assert page.text.count("请选择一个答案") >= 2 * 2  # summary and inline, for two units
    assert f'name="r.overall.{units[0].code}" value="satisfied" checked' in page.text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page.text and "<b>bold</b>" not in page.text
    assert _responses(session) == []


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"r.overall.{u0}": "ecstatic"}, 422, "该答案不在量表范围内"),
        ({"r.overall.ZZZ": "satisfied"}, 422, "该单位不在本问卷中"),
        ({"c.{u0}": "长" * 100_000}, 422, "请控制在 500 字以内"),
        ({"c.{u0}": "x" * 1_200_000}, 413, "提交的内容过大"),
    ],
)
def test_bad_input_stores_nothing(
    client: TestClient,
    session: Session,
    quick,
    change: dict[str, str],
    status: int,
    message: str,
) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    data.update({k.format(u0=units[0].code): v for k, v in change.items()})
    response = client.post(f"/s/{survey.slug}", data=data)
    assert response.status_code == status
    assert message in response.text
    assert _responses(session) == []


def test_invalid_utf8_is_refused_in_the_users_language(
    client: TestClient,
    session: Session,
    quick,
) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    body = "&".join(f"{k}={v}" for k, v in data.items()) + f"&c.{units[0].code}=%FF%FE%80"
    client.cookies.set("pingyi_lang", "en")
    response = client.post(
        f"/s/{survey.slug}",
        content=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "characters that could not be read" in response.text
    assert _responses(session) == []


def test_closed_and_unopened_surveys_show_a_clear_page(
    client: TestClient, session: Session
) -> None:
    survey, units, _ = make_survey(session, units=1, min_seconds=0)
    data = _fill(_form(client, survey.slug), units)
    service.update_survey(session, survey.id, SurveyUpdate(status="closed"), ACTOR)  # type: ignore[arg-type]
    client.app.state.definitions.forget(survey.slug)  # type: ignore[attr-defined]
    closed = client.get(f"/s/{survey.slug}")
    assert closed.status_code == 410 and "本次问卷已结束" in closed.text
    posted = client.post(f"/s/{survey.slug}", data=data)
    assert posted.status_code == 410
    later, _, _ = make_survey(session, units=1, opens_at=utcnow() + timedelta(days=1))
    assert client.get(f"/s/{later.slug}").status_code == 403
    assert client.get("/s/nosuchsurvey").status_code == 404
    assert _responses(session) == []


def test_suspicious_answers_are_kept_with_flags(client: TestClient, session: Session) -> None:
    survey, units, _ = make_survey(session, units=2, min_seconds=30)
    too_fast = _fill(_form(client, survey.slug), units)
    client.post(f"/s/{survey.slug}", data=too_fast)
    client.cookies.clear()
    bot = {**_fill(_form(client, survey.slug), units), "website": "http://spam"}
    client.post(f"/s/{survey.slug}", data=bot)
    flags = sorted(r.quality_flags for r in _responses(session))
    assert flags == [QualityFlag.too_fast, QualityFlag.too_fast | QualityFlag.honeypot]


def test_one_response_per_device(client: TestClient, session: Session, quick) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    client.post(f"/s/{survey.slug}", data=data)
    again = client.get(f"/s/{survey.slug}")
    assert "您已在这部手机上填写过本问卷" in again.text
    # Posting anyway (another tab) is stored, flagged for the office, not silently dropped.
    client.post(f"/s/{survey.slug}", data={**data, "key": "another-key"})
    flags = sorted(r.quality_flags for r in _responses(session))
    assert flags == [0, QualityFlag.repeat_device]


def test_a_stale_csrf_token_keeps_the_answers(client: TestClient, session: Session, quick) -> None:
    survey, units, _ = quick
    data = {**_fill(_form(client, survey.slug), units), "csrf_token": "0" * 64}
    page = client.post(f"/s/{survey.slug}", data=data)
    assert page.status_code == 403
    assert "表单已过期" in page.text
    assert f'name="r.overall.{units[0].code}" value="satisfied" checked' in page.text
    fresh = dict(HIDDEN.findall(page.text))
    assert fresh["csrf_token"] != "0" * 64
    ok = client.post(f"/s/{survey.slug}", data={**data, **fresh}, follow_redirects=False)
    assert ok.status_code == 303
    assert len(_responses(session)) == 1


def test_window_and_channel_codes(client: TestClient, session: Session) -> None:
    survey, units, groups = make_survey(session, units=3, groups=2, min_seconds=0)
    window = client.get(f"/s/{survey.slug}", params={"u": units[1].code})
    assert window.text.count("<h2>") == 1 and units[1].name in window.text
    hidden = dict(HIDDEN.findall(window.text))
    assert hidden["only"] == units[1].code
    channel = dict(
        HIDDEN.findall(client.get(f"/s/{survey.slug}", params={"g": groups[1].code}).text)
    )
    assert channel["group"] == groups[1].code
    data = {**hidden, "group": groups[0].code, f"r.overall.{units[1].code}": "fairly_satisfied"}
    assert client.post(f"/s/{survey.slug}", data=data, follow_redirects=False).status_code == 303
    [stored] = _responses(session)
    assert stored.group_id == groups[0].id


def test_addresses_over_the_hard_limit_are_refused_and_over_the_soft_limit_flagged(
    client: TestClient,
    session: Session,
    settings: Settings,
    quick,
) -> None:
    settings.survey_rate_soft_limit = 2
    settings.survey_rate_hard_limit = 3
    survey, units, _ = quick
    statuses = []
    for _ in range(4):
        client.cookies.clear()
        data = _fill(_form(client, survey.slug), units)
        statuses.append(
            client.post(f"/s/{survey.slug}", data=data, follow_redirects=False).status_code
        )
    assert statuses == [303, 303, 303, 429]
    flags = sorted(r.quality_flags for r in _responses(session))
    assert flags == [0, 0, QualityFlag.rate_limited]
    assert session.exec(select(func.count()).select_from(Response)).one() == 3


def test_the_served_app_writes_through_its_child_process(
    settings: Settings, session: Session, quick
) -> None:
    """As `pingyi serve` runs it: the writer in a child process, started with the app."""
    from web.app import create_app

    survey, units, _ = quick
    served = settings.model_copy(update={"submission_writer": "process"})
    app = create_app(served)
    with TestClient(app, base_url="https://testserver") as client:
        child = app.state.writer.child_pid
        assert child is not None and child != os.getpid()  # started with the app
        data = _fill(_form(client, survey.slug), units)
        first = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
        retried = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
    assert first.status_code == retried.status_code == 303
    assert first.headers["location"] == retried.headers["location"]
    [stored] = _responses(session)
    receipt = stored.id[-10:].upper()[:5] + "-" + stored.id[-5:].upper()
    # The receipt is in neither address; the thank-you page shows it from its cookie.
    assert receipt not in first.headers["location"] and "?" not in first.headers["location"]
    assert first.cookies.get("pyr") and retried.cookies.get("pyr")
    assert app.state.writer.child_pid is None  # stopped with the app


def test_a_citizen_whose_answers_were_not_saved_is_told_to_submit_again(
    settings: Settings, session: Session, quick
) -> None:
    """The writer process dies: that form gets a clear 503, and sending it again stores it once."""
    from web.app import create_app

    survey, units, _ = quick
    app = create_app(settings.model_copy(update={"submission_writer": "process"}))
    with TestClient(app, base_url="https://testserver") as client:
        data = _fill(_form(client, survey.slug), units)
        child = app.state.writer.child_pid
        os.kill(child, signal.SIGKILL)
        time.sleep(0.2)
        lost = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
        assert lost.status_code == 503
        assert "您的答案尚未保存，请再次提交" in lost.text
        assert _responses(session) == []
        again = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
        twice = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
        assert app.state.writer.child_pid not in (None, child)
    assert again.status_code == twice.status_code == 303
    assert again.headers["location"] == twice.headers["location"]
    assert len(_responses(session)) == 1


def test_a_form_with_too_many_fields_is_refused_and_stores_nothing(
    client: TestClient, session: Session, quick
) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    body = "&".join(f"{k}={v}" for k, v in data.items()) + "&x=1" * 1000
    response = client.post(
        f"/s/{survey.slug}",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "请求" in response.text  # the error page speaks the user's language
    assert _responses(session) == []


def test_a_rating_sent_twice_with_different_answers_is_refused(
    client: TestClient, session: Session, quick
) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    field = f"r.overall.{units[0].code}"
    body = [*data.items(), (field, "dissatisfied")]
    refused = client.post(
        f"/s/{survey.slug}",
        content="&".join(f"{k}={v}" for k, v in body),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "此题提交了两个不同的答案。" in refused.text
    assert _responses(session) == []
    # The same answer twice is only one answer.
    same = [*data.items(), (field, data[field])]
    taken = client.post(
        f"/s/{survey.slug}",
        content="&".join(f"{k}={v}" for k, v in same),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert taken.status_code == 303 and len(_responses(session)) == 1


def test_a_submission_key_reused_with_other_answers_is_refused(
    client: TestClient, session: Session, quick
) -> None:
    survey, units, _ = quick
    data = _fill(_form(client, survey.slug), units)
    first = client.post(f"/s/{survey.slug}", data=data, follow_redirects=False)
    assert first.status_code == 303
    changed = {**data, f"r.overall.{units[0].code}": "dissatisfied"}
    again = client.post(f"/s/{survey.slug}", data=changed, follow_redirects=False)
    assert again.status_code == 409
    assert "该提交标识已用于另一份不同的答卷。" in again.text
    [stored] = _responses(session)
    levels = {a.level for a in session.exec(select(Answer).where(Answer.response_id == stored.id))}
    assert levels == {"satisfied"}
