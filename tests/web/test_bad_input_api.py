"""The bad-input corpus against the JSON API's writes: a category (a name, a sort order), the
group weights (a weight, a note) and a citizen's response (a level, a comment), over HTTP.

Every item is refused with a 4xx whose message (and each listed problem) is in Chinese and
stores nothing, or is legitimate, stored exactly as sent.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from httpx import Response as HttpResponse
from sqlmodel import Session, select

from survey.models import Comment, Role, UnitCategory
from survey.satisfaction.models import SatisfactionPolicyVersion
from survey.schemas import LARGEST_ID
from tests.bad_input import (
    CORPUS,
    OVERSIZE_BODY,
    REQUEST_FAULTS,
    BadInput,
    Fault,
    fits,
    ids,
    in_chinese,
    row_counts,
)
from tests.factories import (
    bearer,
    make_category,
    make_evaluation,
    make_group,
    make_survey,
    make_token,
)

JSON = {"Content-Type": "application/json"}


def _refused(answer: HttpResponse, status: int = 422) -> None:
    """Refused with ``status`` (400 where the body is not UTF-8 and no JSON reader can read it),
    in Chinese down to each listed problem."""
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert in_chinese(error["message"]), error
    for problem in error.get("problems", []):
        assert in_chinese(problem["message"]), problem


def _status(item: BadInput) -> int:
    """Bytes that are not UTF-8 make the body unreadable as JSON (400); the rest is 422."""
    return 400 if isinstance(item.value, bytes) else 422


def _whole_number(item: BadInput) -> bool:
    """A JSON integer a sort order takes (an INTEGER column, as ids)."""
    if not item.json_number or not item.text.lstrip("-").isdigit():
        return False
    return abs(int(item.text)) <= LARGEST_ID


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_category(client: TestClient, session: Session, item: BadInput) -> None:
    office = {**JSON, **bearer(make_token(session, Role.office))}
    before = row_counts(session)

    named = item.in_json('{"code": "named", "name": @ITEM@}')
    answer = client.post("/api/v1/categories", content=named, headers=office)
    if fits(item, 100):
        assert answer.status_code == 201, answer.text[:300]
        stored = session.exec(select(UnitCategory.name).where(UnitCategory.code == "named"))
        assert stored.one() == item.text.strip()
    else:
        _refused(answer, _status(item))
        assert row_counts(session) == before

    before = row_counts(session)
    ordered = item.in_json('{"code": "ordered", "name": "街道", "sort_order": @ITEM@}', number=True)
    answer = client.post("/api/v1/categories", content=ordered, headers=office)
    if _whole_number(item):
        assert answer.status_code == 201, answer.text[:300]
        assert answer.json()["sort_order"] == int(item.text)
    else:
        _refused(answer, _status(item))
        assert row_counts(session) == before


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_weights(client: TestClient, session: Session, item: BadInput) -> None:
    office = {**JSON, **bearer(make_token(session, Role.office))}
    evaluation = make_evaluation(session)
    category, group = make_category(session), make_group(session)
    path = f"/api/v1/evaluations/{evaluation.id}/weights"
    before = row_counts(session)

    entry = f'"category": "{category.code}", "group": "{group.code}"'
    weighed = item.in_json(f'{{"weights": [{{{entry}, "weight": @ITEM@}}]}}', number=True)
    _refused(client.put(path, content=weighed, headers=office), _status(item))
    assert row_counts(session) == before

    noted = item.in_json(f'{{"weights": [{{{entry}, "weight": 1}}], "note": @ITEM@}}')
    answer = client.put(path, content=noted, headers=office)
    if fits(item, 500):
        assert answer.status_code == 200, answer.text[:300]
        session.expire_all()
        notes = session.exec(select(SatisfactionPolicyVersion.note)).all()
        assert item.text.strip() in notes
    else:
        _refused(answer, _status(item))
        assert row_counts(session) == before


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_survey_response(client: TestClient, session: Session, item: BadInput) -> None:
    survey, units, _ = make_survey(session, units=1)
    path = f"/api/v1/surveys/{survey.id}/responses"
    before = row_counts(session)

    unit = units[0].code
    rating = f'{{"unit": "{unit}", "question": "overall", "level": @LEVEL@}}'
    comment = f'"comments": [{{"unit": "{unit}", "text": @ITEM@}}]'
    satisfied = rating.replace("@LEVEL@", '"satisfied"')

    rated = client.post(
        path,
        content=item.in_json(f'{{"ratings": [{rating.replace("@LEVEL@", "@ITEM@")}]}}'),
        headers={**JSON, "Idempotency-Key": "level"},
    )
    _refused(rated, _status(item))
    assert row_counts(session) == before

    commented = client.post(
        path,
        content=item.in_json(f'{{"ratings": [{satisfied}], {comment}}}'),
        headers={**JSON, "Idempotency-Key": "comment"},
    )
    if fits(item, 500):
        assert commented.status_code == 201, commented.text[:300]
        assert session.exec(select(Comment.text)).one() == item.text.strip()
    else:
        _refused(commented, _status(item))
        assert row_counts(session) == before


@pytest.mark.parametrize("fault", [*REQUEST_FAULTS, "invalid JSON"])
def test_request_faults(client: TestClient, session: Session, fault: Fault | str) -> None:
    office = bearer(make_token(session, Role.office))
    before = row_counts(session)
    if fault is Fault.duplicate_fields:
        # Which of two names was meant cannot be known: neither is taken.
        sent = b'{"code": "twice", "name": "\xe8\xa1\x97\xe9\x81\x93", "name": "other"}'
        answer = client.post("/api/v1/categories", content=sent, headers={**JSON, **office})
        _refused(answer)
        assert "name" in answer.text
    elif fault is Fault.wrong_content_type:
        answer = client.post(
            "/api/v1/categories", data={"code": "form", "name": "街道"}, headers=office
        )
        _refused(answer)
    elif fault is Fault.oversize_body:
        big = json.dumps({"code": "big", "name": "x" * OVERSIZE_BODY}).encode()
        answer = client.post("/api/v1/categories", content=big, headers={**JSON, **office})
        _refused(answer, 413)
    else:
        answer = client.post(
            "/api/v1/categories", content=b'{"code": "half", "name": ', headers={**JSON, **office}
        )
        _refused(answer)
    assert row_counts(session) == before
