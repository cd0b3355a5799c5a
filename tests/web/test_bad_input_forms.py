"""The bad-input corpus against the browser's doors: the citizen's survey form, the delegate's
ballot and the office sign-in, over HTTP in the default language (Chinese).

Every item either is refused with a 4xx whose message is in Chinese and stores nothing, or is
legitimate text, stored exactly as sent and shown escaped.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import Session, select

from survey.ballots import codes
from survey.models import AuditLog, BallotCode, Comment, Role
from tests.bad_input import (
    CORPUS,
    FORM,
    OVERSIZE_BODY,
    REQUEST_FAULTS,
    BadInput,
    Fault,
    Kind,
    assert_kinds_covered,
    fits,
    form_body,
    ids,
    in_chinese,
    row_counts,
)
from tests.factories import PASSWORD, make_ballot, make_survey, make_user

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
COMMENT_LIMIT = 500
# What a refused text says, by the kind of item (the messages of survey.surveys.submission).
TEXT_REFUSALS = {
    Kind.invalid_utf8: "内容中含有无法识别的字符",
    Kind.control: "内容中含有控制字符",
    Kind.oversize: f"请控制在 {COMMENT_LIMIT} 字以内",
}


def test_the_corpus_covers_every_kind_the_issue_names() -> None:
    assert_kinds_covered()
    assert len(ids(CORPUS)) == len(set(ids(CORPUS)))


def _refusal(item: BadInput) -> str:
    return TEXT_REFUSALS[item.kind]


def _shown_escaped(page: str, text: str) -> bool:
    """The text is on the page as escaped HTML, and (where escaping changes it) not raw."""
    escaped = str(escape(text))
    if escaped == text:
        return text in page
    return escaped in page and text not in page


# The citizen's survey form ----------------------------------------------------------------


def _survey_fields(client: TestClient, session: Session) -> tuple[str, str, list[tuple[str, str]]]:
    survey, units, _ = make_survey(session, units=2, min_seconds=0)
    page = client.get(f"/s/{survey.slug}")
    hidden = list(HIDDEN.findall(page.text))
    ratings = [(f"r.overall.{u.code}", "satisfied") for u in units]
    return survey.slug, units[0].code, hidden + ratings


def _post_survey(client: TestClient, slug: str, fields: list[tuple[str, str | bytes]]):
    return client.post(
        f"/s/{slug}", content=form_body(fields), headers=FORM, follow_redirects=False
    )


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_survey_form(client: TestClient, session: Session, item: BadInput) -> None:
    slug, unit, fields = _survey_fields(client, session)
    before = row_counts(session)

    # As a rating: no item is an answer on the scale.
    rating = [(n, item.value if n == f"r.overall.{unit}" else v) for n, v in fields]
    refused = _post_survey(client, slug, rating)
    assert refused.status_code == 422, refused.text[:300]
    assert "该答案不在量表范围内" in refused.text or "内容中含有" in refused.text
    assert row_counts(session) == before

    # As a comment: legitimate text is shown back escaped while the form has a problem...
    comment = [*fields, (f"c.{unit}", item.value)]
    without_rating = [f for f in comment if f[0] != f"r.overall.{unit}"]
    again = _post_survey(client, slug, without_rating)
    assert again.status_code == 422
    assert "请选择一个答案" in again.text
    if fits(item, COMMENT_LIMIT):
        assert _shown_escaped(again.text, item.text.strip())
    assert row_counts(session) == before

    # ...and stored exactly; anything else is refused with the reason, in Chinese.
    answer = _post_survey(client, slug, comment)
    if fits(item, COMMENT_LIMIT):
        assert answer.status_code == 303, answer.text[:300]
        stored = session.exec(select(Comment.text)).one()
        assert stored == item.text.strip()
    else:
        assert answer.status_code == 422, answer.text[:300]
        assert _refusal(item) in answer.text
        assert row_counts(session) == before


def test_a_comment_of_several_lines_from_a_browser_is_taken(
    client: TestClient, session: Session
) -> None:
    """Browsers send a textarea's line breaks as CR LF (HTML's form encoding): a comment of
    two lines is no text with control characters; it is stored with plain line feeds."""
    slug, unit, fields = _survey_fields(client, session)
    answer = _post_survey(client, slug, [*fields, (f"c.{unit}", "第一行\r\n第二行")])
    assert answer.status_code == 303, answer.text[:300]
    assert session.exec(select(Comment.text)).one() == "第一行\n第二行"


@pytest.mark.parametrize("fault", REQUEST_FAULTS)
def test_survey_form_request_faults(client: TestClient, session: Session, fault: Fault) -> None:
    slug, unit, fields = _survey_fields(client, session)
    before = row_counts(session)
    if fault is Fault.duplicate_fields:
        answer = _post_survey(client, slug, [*fields, (f"r.overall.{unit}", "dissatisfied")])
        assert answer.status_code == 422
        assert "此题提交了两个不同的答案" in answer.text
    elif fault is Fault.wrong_content_type:
        answer = client.post(f"/s/{slug}", json=dict(fields))
        assert answer.status_code == 403  # no form, so no CSRF token: refused before reading
        assert in_chinese(answer.text)
    else:
        answer = _post_survey(client, slug, [*fields, (f"c.{unit}", "x" * OVERSIZE_BODY)])
        assert answer.status_code == 413
        assert "提交的内容过大" in answer.text
    assert row_counts(session) == before


# The delegate's ballot ----------------------------------------------------------------------


def _ballot(client: TestClient, session: Session) -> tuple[str, list[str], list[tuple[str, str]]]:
    _, units, issued = make_ballot(session, units=2, codes=2, unit_comments=True)
    token = TOKEN.search(client.get("/b").text).group(1)  # type: ignore[union-attr]
    unit_codes = [u.code for u in units]
    fields = [("csrf_token", token), ("code", issued[0])]
    fields += [
        (f"r.{code}", level)
        for code, level in zip(unit_codes, ["satisfied", "dissatisfied"], strict=True)
    ]
    return issued[0], unit_codes, fields


def _unused(session: Session) -> int:
    session.expire_all()
    return len(session.exec(select(BallotCode).where(BallotCode.status == "unused")).all())


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_ballot(client: TestClient, session: Session, item: BadInput) -> None:
    _, units, fields = _ballot(client, session)
    before = row_counts(session)

    # As the code: none is a ballot code, and nothing about the code is shown back.
    as_code = [(n, item.value if n == "code" else v) for n, v in fields]
    mistyped = client.post("/b/submit", content=form_body(as_code), headers=FORM)
    assert mistyped.status_code == 400
    assert "测评码不完整或有输入错误" in mistyped.text

    # As a rating.
    rating = [(n, item.value if n == f"r.{units[0]}" else v) for n, v in fields]
    refused = client.post("/b/submit", content=form_body(rating), headers=FORM)
    assert refused.status_code == 422
    assert "该答案不在量表范围内" in refused.text
    assert row_counts(session) == before

    # As a comment: shown escaped on the review page and cast exactly, or refused.
    comment = [*fields, (f"c.{units[0]}", item.value)]
    review = client.post("/b/review", content=form_body(comment), headers=FORM)
    if fits(item, COMMENT_LIMIT):
        assert review.status_code == 200, review.text[:300]
        assert _shown_escaped(review.text, item.text.strip())
    else:
        assert review.status_code == 422
        assert _refusal(item) in review.text
    cast = client.post("/b/submit", content=form_body(comment), headers=FORM)
    if fits(item, COMMENT_LIMIT):
        assert cast.status_code == 200 and "投票成功" in cast.text
        assert session.exec(select(Comment.text)).one() == item.text.strip()
    else:
        assert cast.status_code == 422
        assert _refusal(item) in cast.text
        assert row_counts(session) == before
        assert _unused(session) == 2


@pytest.mark.parametrize("fault", REQUEST_FAULTS)
def test_ballot_request_faults(client: TestClient, session: Session, fault: Fault) -> None:
    code, units, fields = _ballot(client, session)
    before = row_counts(session)
    if fault is Fault.duplicate_fields:
        # Two different answers for one unit: neither is taken, the code stays unused.
        answer = client.post(
            "/b/submit",
            content=form_body([*fields, (f"r.{units[0]}", "basically_satisfied")]),
            headers=FORM,
        )
        assert answer.status_code == 422
        assert "此题提交了两个不同的答案" in answer.text
    elif fault is Fault.wrong_content_type:
        answer = client.post("/b/submit", json=dict(fields))
        assert answer.status_code == 403
        assert in_chinese(answer.text)
    else:
        big = [*fields, (f"c.{units[0]}", "x" * OVERSIZE_BODY)]
        answer = client.post("/b/submit", content=form_body(big), headers=FORM)
        assert answer.status_code == 413
        assert "提交的内容过大" in answer.text
    assert row_counts(session) == before
    assert _unused(session) == 2
    assert codes.normalise(code) is not None


# The office sign-in -------------------------------------------------------------------------


def _login_fields(client: TestClient) -> list[tuple[str, str]]:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    return [("csrf_token", token)]


def _without_audit(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if name != AuditLog.__tablename__}


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_sign_in(client: TestClient, session: Session, item: BadInput) -> None:
    make_user(session, Role.office, username="kaohe")
    fields = _login_fields(client)
    before = row_counts(session)
    for sent in (
        [("username", item.value), ("password", PASSWORD)],
        [("username", "kaohe"), ("password", item.value)],
    ):
        answer = client.post(
            "/office/login",
            content=form_body([*fields, *sent]),
            headers=FORM,
            follow_redirects=False,
        )
        # A name or password no account has: the same answer as a wrong password; one too
        # long to be any: the form's own refusal. Either way in Chinese, and no session.
        assert answer.status_code in (400, 422), answer.status_code
        expected = "用户名或密码错误" if answer.status_code == 400 else "输入内容不符合要求"
        assert expected in answer.text
        assert "pingyi_session" not in answer.headers.get("set-cookie", "")
    # Only the audit log grows, by the failed attempts it records.
    assert _without_audit(row_counts(session)) == _without_audit(before)
    session.expire_all()
    actions = set(session.exec(select(AuditLog.action)))
    assert actions <= {"auth.login_failed"}


@pytest.mark.parametrize("fault", REQUEST_FAULTS)
def test_sign_in_request_faults(client: TestClient, session: Session, fault: Fault) -> None:
    make_user(session, Role.office, username="kaohe")
    make_user(session, Role.office, username="other")
    fields = _login_fields(client)
    before = row_counts(session)
    if fault is Fault.duplicate_fields:
        # Two names with one password: which one would be meant? Neither signs in.
        sent = [("username", "other"), ("username", "kaohe"), ("password", PASSWORD)]
        answer = client.post(
            "/office/login",
            content=form_body([*fields, *sent]),
            headers=FORM,
            follow_redirects=False,
        )
        assert answer.status_code == 422
        assert "username 重复提交" in answer.text
    elif fault is Fault.wrong_content_type:
        answer = client.post(
            "/office/login", json={"username": "kaohe", "password": PASSWORD, **dict(fields)}
        )
        assert answer.status_code == 403
        assert in_chinese(answer.text)
    else:
        sent = [("username", "kaohe"), ("password", "x" * OVERSIZE_BODY)]
        answer = client.post("/office/login", content=form_body([*fields, *sent]), headers=FORM)
        assert answer.status_code == 413
        assert "提交的内容过大" in answer.text
    assert "pingyi_session" not in answer.headers.get("set-cookie", "")
    assert _without_audit(row_counts(session)) == _without_audit(before)


def test_whole_numbers_beyond_64_bits_in_a_query_or_a_form_name_nothing(
    client: TestClient, session: Session
) -> None:
    """An id in the query or typed into a form that no row can have: 404 in Chinese, where
    SQLite could not bind it and PostgreSQL refused it (a 500 on both)."""
    make_user(session, Role.office, username="kaohe")
    token = _login_fields(client)[0][1]
    signed_in = client.post(
        "/office/login",
        data={"username": "kaohe", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    huge = str(10**30)
    before = row_counts(session)
    page = client.get("/office", params={"evaluation": huge})
    assert page.status_code == 404 and in_chinese(page.text)
    checked = client.post(
        "/office/imports/check",
        data={"csrf_token": token, "kind": "responses", "evaluation_id": huge},
        files={"file": ("answers.csv", b"respondent_id\n", "text/csv")},
    )
    assert checked.status_code == 404 and f"没有编号为 {huge} 的考核" in checked.text
    assert row_counts(session) == before
