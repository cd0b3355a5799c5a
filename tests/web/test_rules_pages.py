"""Pages ask the permission table (survey.rules): the same office user, two evaluation states."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.models import Evaluation, EvaluationStatus
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> None:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )


def test_office_may_edit_qualitative_scores_until_the_evaluation_is_published(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, username="kaohe")
    _sign_in(client, "kaohe")
    page = f"/office/evaluations/{evaluation.id}/composite/qualitative"

    open_page = client.get(page)
    assert open_page.status_code == 200
    assert "<fieldset disabled>" not in open_page.text
    # The limits come from the scheme (the demo keeps Taixing's 90/30%, 80/20%), not the page.
    assert "牵头部门给90分以上（含90分）的不得超过考评对象总数的30%" in open_page.text
    assert "不得打满分（100分）" in open_page.text

    evaluation.status = EvaluationStatus.published
    session.add(evaluation)
    session.commit()
    published_page = client.get(page)
    assert published_page.status_code == 200
    assert "<fieldset disabled>" in published_page.text
