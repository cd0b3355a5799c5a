"""The /b ballot over plain HTTP, its refusals, and the secrecy and tally guarantees."""

from __future__ import annotations

import logging
import re
from itertools import product

import pytest
from fastapi.testclient import TestClient
from scipy.stats import spearmanr
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from survey.ballots import codes, service
from survey.config import Settings
from survey.models import Answer, Response
from tests.factories import ACTOR, make_ballot

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _csrf(client: TestClient) -> str:
    return TOKEN.search(client.get("/b").text).group(1)  # type: ignore[union-attr]


def _cast(client: TestClient, code: str, answers: dict[str, str], **extra: str):
    token = _csrf(client)
    fields = {"csrf_token": token, "code": code, **{f"r.{k}": v for k, v in answers.items()}}
    review = client.post("/b/review", data=fields)
    assert review.status_code == 200, review.text
    return client.post("/b/submit", data={**fields, **extra})


def test_enter_review_submit_and_reuse_refused(client: TestClient, session: Session) -> None:
    batch, units, issued = make_ballot(session, units=3)
    token = _csrf(client)
    opened = client.post("/b", data={"csrf_token": token, "code": codes.display(issued[0])})
    assert opened.status_code == 200
    assert opened.headers["cache-control"] == "no-store"
    assert all(u.name in opened.text for u in units)
    answers = {
        units[0].code: "satisfied",
        units[1].code: "basically_satisfied",
        units[2].code: "dont_know",
    }
    fields = {"csrf_token": token, "code": issued[0], **{f"r.{k}": v for k, v in answers.items()}}
    review = client.post("/b/review", data=fields)
    assert "核对您的选票" in review.text and "基本满意" in review.text
    done = client.post("/b/submit", data=fields)
    assert done.status_code == 200 and "投票成功" in done.text
    again = client.post("/b", data={"csrf_token": token, "code": issued[0]})
    assert again.status_code == 409 and "此测评码已使用" in again.text
    assert session.exec(select(Response).where(Response.ballot_batch_id == batch.id)).one()


@pytest.mark.parametrize(
    ("mangle", "status", "message"),
    [
        (lambda c, _: c[:-1] + ("0" if c[-1] != "0" else "1"), 400, "测评码不完整或有输入错误"),
        (lambda c, _: codes.new_code(), 404, "没有与此测评码对应的选票"),
        (lambda c, void: void, 409, "此测评码已作废"),
    ],
)
def test_typo_unknown_and_void_codes_get_distinct_messages(
    client: TestClient, session: Session, mangle, status: int, message: str
) -> None:
    batch, _, issued = make_ballot(session, codes=3)
    service.void_codes(session, batch.id, ACTOR, serials=[3])  # type: ignore[arg-type]
    response = client.post(
        "/b", data={"csrf_token": _csrf(client), "code": mangle(issued[0], issued[2])}
    )
    assert response.status_code == status
    assert message in response.text


def test_closed_batch_refuses(client: TestClient, session: Session) -> None:
    batch, _units, issued = make_ballot(session)
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    response = client.post("/b", data={"csrf_token": _csrf(client), "code": issued[0]})
    assert response.status_code == 409 and "本次测评已结束" in response.text


def test_uniform_ballot_asks_to_confirm(client: TestClient, session: Session) -> None:
    _, units, issued = make_ballot(session, units=3, uniform_rule="warn")
    same = {u.code: "satisfied" for u in units}
    unconfirmed = _cast(client, issued[0], same)
    assert unconfirmed.status_code == 422 and "请确认" in unconfirmed.text
    confirmed = _cast(client, issued[0], same, confirm_uniform="yes")
    assert confirmed.status_code == 200


def test_guessing_is_rate_limited_but_typos_are_not(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings.ballot_guess_limit = 3
    _, _, issued = make_ballot(session)
    token = _csrf(client)
    typo = issued[0][:-1] + ("0" if issued[0][-1] != "0" else "1")
    assert all(
        client.post("/b", data={"csrf_token": token, "code": typo}).status_code == 400
        for _ in range(10)
    )
    statuses = [
        client.post("/b", data={"csrf_token": token, "code": codes.new_code()}).status_code
        for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
    blocked = client.post("/b", data={"csrf_token": token, "code": issued[0]})
    assert blocked.status_code == 429 and "请求过于频繁" in blocked.text


def test_api_casts_with_the_same_rules(client: TestClient, session: Session) -> None:
    _, units, issued = make_ballot(session, units=2)
    body = {
        "code": codes.display(issued[0]),
        "answers": {units[0].code: "satisfied", units[1].code: "dissatisfied"},
    }
    assert client.post("/api/v1/ballots", json=body).status_code == 201
    reused = client.post("/api/v1/ballots", json=body)
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "CodeUsed"
    missing = client.post("/api/v1/ballots", json={"code": issued[1], "answers": {}})
    assert missing.status_code == 422
    assert {p["field"] for p in missing.json()["error"]["problems"]} == {
        f"r.{u.code}" for u in units
    }


def _encode(index: int, units: list) -> dict[str, str]:  # type: ignore[type-arg]
    """A distinct ballot for each index: its digits in base 3 over the units."""
    levels = ["satisfied", "basically_satisfied", "dissatisfied"]
    digits = []
    for _ in units:
        digits.append(levels[index % 3])
        index //= 3
    return {u.code: d for u, d in zip(units, digits, strict=True)}


def _decode(levels: dict[int, str], units: list) -> int:  # type: ignore[type-arg]
    order = ["satisfied", "basically_satisfied", "dissatisfied"]
    return sum(order.index(levels[u.id]) * 3**i for i, u in enumerate(units))


def test_nothing_stored_or_logged_reveals_the_casting_order_or_a_code(
    client: TestClient, session: Session, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    batch, units, issued = make_ballot(session, units=6, codes=200)
    for index, code in enumerate(issued):  # codes used in their issue (serial) order
        response = _cast(client, code, _encode(index, units), confirm_uniform="yes")
        assert response.status_code == 200
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]

    with engine.connect() as connection:
        # The database as its owner sees it: every table, every column, in stored order.
        dump = []
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                dump.append(" ".join(str(v) for v in row))
        responses = list(
            connection.execute(
                text("SELECT id, submitted_at FROM response WHERE ballot_batch_id = :b"),
                {"b": batch.id},
            )
        )
        answers = list(
            connection.execute(
                text("SELECT response_id, unit_id, level FROM answer WHERE evaluation_id = :e"),
                {"e": batch.evaluation_id},
            )
        )
        rowids = (
            [
                r[0]
                for r in connection.execute(
                    text("SELECT id FROM response WHERE ballot_batch_id = :b ORDER BY rowid"),
                    {"b": batch.id},
                )
            ]
            if connection.dialect.name == "sqlite"
            else None
        )
    by_response: dict[str, dict[int, str]] = {}
    for response_id, unit_id, level in answers:
        by_response.setdefault(response_id, {})[unit_id] = level
    cast_index = {rid: _decode(levels, units) for rid, levels in by_response.items()}
    assert sorted(cast_index.values()) == list(range(200))

    stored_order = [cast_index[rid] for rid, _ in responses]
    id_order = [cast_index[rid] for rid in sorted(cast_index)]
    answer_order = list(dict.fromkeys(cast_index[rid] for rid, _, _ in answers))
    for order in [stored_order, id_order, answer_order] + (
        [[cast_index[rid] for rid in rowids]] if rowids else []
    ):
        rho = spearmanr(range(200), order).statistic
        assert abs(rho) < 0.25, rho
    assert len({str(when) for _, when in responses}) == 1  # the day, nothing finer

    text_dump = "\n".join(dump) + "\n".join(r.getMessage() for r in caplog.records)
    for code in issued:
        assert code not in text_dump and codes.display(code) not in text_dump


def test_tally_equals_the_votes_cast(client: TestClient, session: Session) -> None:
    batch, units, issued = make_ballot(session, units=4, codes=81)
    expected: dict[tuple[str, str], int] = {}
    votes = list(product(["satisfied", "basically_satisfied", "dissatisfied"], repeat=4))
    for code, vote in zip(issued, votes, strict=True):
        answers = {u.code: level for u, level in zip(units, vote, strict=True)}
        extra = {"confirm_uniform": "yes"} if len(set(vote)) == 1 else {}
        assert _cast(client, code, answers, **extra).status_code == 200
        for unit_code, level in answers.items():
            expected[(unit_code, level)] = expected.get((unit_code, level), 0) + 1
    codes_by_id = {u.id: u.code for u in units}
    tally: dict[tuple[str, str], int] = {}
    for answer in session.exec(select(Answer).where(Answer.evaluation_id == batch.evaluation_id)):
        key = (codes_by_id[answer.unit_id], answer.level)  # type: ignore[index]
        tally[key] = tally.get(key, 0) + 1  # type: ignore[index]
    assert tally == expected
    assert service.turnout(session, batch).used == 81
