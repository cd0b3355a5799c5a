"""Identical ratings (straight-lining): a citizen answer rating many units all alike is stored,
flagged for the office's review, and shown there in words; delegate ballots are left alone."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey.models import QualityFlag, Response, Role
from tests.factories import PASSWORD, make_ballot, make_survey, make_user
from tests.web.test_ballot_flow import _cast

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _submit(client: TestClient, slug: str, levels: dict[str, str]) -> None:
    page = client.get(f"/s/{slug}")
    hidden = dict(HIDDEN.findall(page.text))
    fields = {f"r.overall.{unit}": level for unit, level in levels.items()}
    sent = client.post(f"/s/{slug}", data={**hidden, **fields}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    client.cookies.clear()  # the next answer comes from another phone


def _stored_flags(session: Session, survey_id: int) -> list[int]:
    session.expire_all()
    rows = session.exec(select(Response).where(Response.survey_id == survey_id)).all()
    return [r.quality_flags for r in rows]


def test_ten_identical_ratings_are_stored_flagged_and_shown_in_words(
    client: TestClient, session: Session
) -> None:
    survey, units, _ = make_survey(session, units=10, min_seconds=0)
    _submit(client, survey.slug, {u.code: "satisfied" for u in units})
    assert _stored_flags(session, survey.id) == [QualityFlag.straight_lined]  # type: ignore[arg-type]

    make_user(session, username="reviewer", role=Role.office)
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get(
        f"/office/flagged/{survey.evaluation_id}", params={"reason": "straight_lined"}
    )
    assert page.status_code == 200
    assert "对所有单位的评价完全相同" in page.text
    assert len(re.findall(r"<tr data-response=", page.text)) == 1


def test_fewer_units_mixed_levels_and_dont_know_are_judged_as_documented(
    client: TestClient, session: Session
) -> None:
    survey, units, _ = make_survey(session, units=10, min_seconds=0)
    codes = [u.code for u in units]
    # Seven units rated alike, three not known: below the eight of the default setting.
    _submit(
        client, survey.slug, {c: "satisfied" if i < 7 else "dont_know" for i, c in enumerate(codes)}
    )
    # Ten units, one rated differently: the respondent told them apart.
    _submit(
        client,
        survey.slug,
        {c: "dissatisfied" if i == 4 else "satisfied" for i, c in enumerate(codes)},
    )
    assert _stored_flags(session, survey.id) == [0, 0]  # type: ignore[arg-type]
    # Eight alike and two not known: 不了解 is left out, eight identical ratings remain.
    _submit(
        client, survey.slug, {c: "satisfied" if i < 8 else "dont_know" for i, c in enumerate(codes)}
    )
    flags = sorted(_stored_flags(session, survey.id))  # type: ignore[arg-type]
    assert flags == [0, 0, QualityFlag.straight_lined]


def test_a_uniform_delegate_ballot_gets_no_straight_lining_flag(
    client: TestClient, session: Session
) -> None:
    batch, units, issued = make_ballot(session, units=10, uniform_rule="warn")
    same = {u.code: "satisfied" for u in units}
    assert _cast(client, issued[0], same, confirm_uniform="yes").status_code == 200
    session.expire_all()
    stored = session.exec(
        select(Response).where(Response.evaluation_id == batch.evaluation_id)
    ).all()
    assert len(stored) == 1
    assert not stored[0].quality_flags & QualityFlag.straight_lined
