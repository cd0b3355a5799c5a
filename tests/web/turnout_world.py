"""Ballot batches of one evaluation for the turnout screen's tests, with ballots cast on /b."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from sqlmodel import Session

from survey.ballots import service
from survey.ballots.models import BallotBatch
from survey.ballots.schemas import BatchCreate
from survey.models import Evaluation
from tests.factories import (
    ACTOR,
    TEST_SECRET,
    make_category,
    make_evaluation,
    make_group,
    make_unit,
)

LEVELS = ("satisfied", "basically_satisfied", "dissatisfied")
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def cast(client: httpx.Client, code: str, answers: dict[str, str]) -> None:
    """A delegate's ballot through /b: code, review, submit (the app under test or a live one)."""
    token = TOKEN.search(client.get("/b").text).group(1)  # type: ignore[union-attr]
    fields = {"csrf_token": token, "code": code, **{f"r.{k}": v for k, v in answers.items()}}
    assert client.post("/b/review", data=fields).status_code == 200
    assert client.post("/b/submit", data=fields).status_code == 200


@dataclass
class Room:
    evaluation: Evaluation
    batches: list[BallotBatch]
    units: list[str]  # the codes of the units on every batch's ballot
    codes: list[str]  # every code issued, plaintext, to show that none reaches the screen


def meeting_room(
    session: Session, client: httpx.Client, plan: list[tuple[str, int, int, str]]
) -> Room:
    """One evaluation with a batch per (title, codes issued, ballots cast, final status)."""
    evaluation = make_evaluation(session)
    category = make_category(session)
    units = [make_unit(session, category) for _ in range(3)]
    batches = []
    issued_codes: list[str] = []
    for title, issued, cast_count, status in plan:
        group = make_group(session, kind="delegate")
        batch = service.create_batch(
            session,
            BatchCreate(
                evaluation_id=evaluation.id,  # type: ignore[arg-type]
                group=group.code,
                title=title,
                units=[u.code for u in units],
            ),
            ACTOR,
        )
        assert batch.id is not None
        codes = service.issue_codes(session, batch.id, issued, TEST_SECRET, ACTOR)
        issued_codes += [c.code for c in codes]
        service.set_status(session, batch.id, "open", ACTOR)  # type: ignore[arg-type]
        for n, code in enumerate(codes[:cast_count]):
            # Ratings that differ between units: no uniform-ballot question in the way.
            answers = {u.code: LEVELS[(n + i) % 3] for i, u in enumerate(units)}
            cast(client, code.code, answers)
        if status != "open":
            service.set_status(session, batch.id, status, ACTOR)  # type: ignore[arg-type]
        batches.append(batch)
    return Room(evaluation, batches, [u.code for u in units], issued_codes)
