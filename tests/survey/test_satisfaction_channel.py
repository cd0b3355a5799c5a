"""Counting one channel's answers: the same counts as the stored rows counted in Python."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from survey import demo
from survey.models import Answer, Evaluation, Response
from survey.satisfaction.counts import CountFilter, answer_counts, respondent_cells
from survey.surveys.service import is_counted


def test_a_channel_counts_the_answers_of_its_responses_alone(session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    responses = {
        r.id: r
        for r in session.exec(select(Response).where(Response.evaluation_id == evaluation.id))
    }
    channels = {r.channel for r in responses.values()}
    assert {"qr", "ballot"} <= channels
    for channel in channels:
        expected: Counter[tuple[int, int, str, str]] = Counter()
        for a in session.exec(select(Answer).where(Answer.evaluation_id == evaluation.id)):
            r = responses[a.response_id]
            if r.channel != channel or not is_counted(r.quality_flags, r.quality_decision):
                continue
            if a.unit_id is not None and a.level is not None:
                expected[(a.unit_id, a.group_id, a.question, a.level)] += 1
        rows = answer_counts(session, CountFilter(evaluation.id, channel=channel))
        got = Counter({(u, g, q, lv): n for u, g, q, lv, n in rows if lv is not None})
        assert got == expected and sum(expected.values()) > 0

        groups = {r.group_id for r in responses.values()}
        people = Counter(
            r.group_id
            for r in responses.values()
            if r.channel == channel and is_counted(r.quality_flags, r.quality_decision)
        )
        cells = respondent_cells(session, evaluation.id, groups, None, channel)
        by_group: Counter[int] = Counter()
        for group_id, _, n in cells:
            by_group[group_id] += n
        assert by_group == people
