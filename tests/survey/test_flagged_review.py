"""Reviewing flagged responses: counts by decision, bulk decisions and their limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from survey.accounts import Principal
from survey.errors import Invalid, NotPermitted
from survey.models import Answer, EvaluationStatus, QualityFlag, Response, Role
from survey.models.responses import is_counted
from survey.surveys import flagged
from tests.factories import make_category, make_evaluation, make_group, make_unit

OFFICE = Principal(name="kaohe", role=Role.office)
FLAGS = [
    0,
    0,
    0,
    int(QualityFlag.too_fast),
    int(QualityFlag.too_fast | QualityFlag.repeat_device),
    int(QualityFlag.honeypot),
    int(QualityFlag.straight_lined),
]


def _responses(session: Session, status: EvaluationStatus = EvaluationStatus.open) -> int:
    """Seven responses of two answers each: three clean, four flagged."""
    evaluation = make_evaluation(session, status=status)
    group = make_group(session)
    units = [make_unit(session, make_category(session)) for _ in range(2)]
    for n, flags in enumerate(FLAGS):
        session.add(
            Response(
                id=f"r{evaluation.id}x{n}",
                evaluation_id=evaluation.id,  # type: ignore[arg-type]
                group_id=group.id,  # type: ignore[arg-type]
                channel="qr",
                submitted_at=datetime(2026, 11, 1, 9, n, tzinfo=UTC),
                time_precision="second",
                quality_flags=flags,
            )
        )
        session.flush()  # the answers refer to it
        for seq, unit in enumerate(units):
            session.add(
                Answer(
                    response_id=f"r{evaluation.id}x{n}",
                    seq=seq,
                    evaluation_id=evaluation.id,  # type: ignore[arg-type]
                    group_id=group.id,  # type: ignore[arg-type]
                    unit_id=unit.id,
                    question="overall",
                    level="satisfied",
                    value=100.0,
                    counted=is_counted(flags, None),
                )
            )
    session.commit()
    assert evaluation.id is not None
    return evaluation.id


def test_counts_and_decisions_move_together(session: Session) -> None:
    evaluation_id = _responses(session)
    start = flagged.quality_counts(session, evaluation_id)
    assert (start.responses, start.counted, start.flagged, start.waiting) == (7, 3, 4, 4)
    assert start.counted_answers == 6

    ids = [f"r{evaluation_id}x3", f"r{evaluation_id}x4"]
    effect = flagged.decide_flagged(session, evaluation_id, ids, "include", "回访确认", OFFICE)
    assert (effect.changed, effect.before.counted, effect.after.counted) == (2, 3, 5)
    assert effect.after.counted_answers == 10 and effect.after.included == 2

    # Deciding the same again changes nothing; back to the flags' verdict leaves them out.
    again = flagged.decide_flagged(session, evaluation_id, ids, "include", "再次确认", OFFICE)
    assert again.changed == 0 and again.after.counted == 5
    back = flagged.decide_flagged(session, evaluation_id, ids, "default", "撤回", OFFICE)
    assert back.after.counted == 3 and back.after.waiting == 4
    counted = session.exec(select(Answer.counted).where(col(Answer.response_id).in_(ids))).all()
    assert counted == [False] * 4


def test_the_page_words_the_reasons_and_filters(session: Session) -> None:
    evaluation_id = _responses(session)
    page = flagged.flagged_page(session, evaluation_id, flagged.FlaggedFilter())
    assert page.total == 4
    by_id = {r.id: r for r in page.responses}
    assert by_id[f"r{evaluation_id}x4"].reasons == [
        "Answered faster than the survey's minimum time",
        "The same phone or browser had answered before",
    ]
    assert by_id[f"r{evaluation_id}x6"].reasons == ["The same rating for every unit"]
    assert by_id[f"r{evaluation_id}x5"].answers[0].level == "Satisfied"
    too_fast = flagged.flagged_page(
        session, evaluation_id, flagged.FlaggedFilter(reason="too_fast")
    )
    assert {r.id for r in too_fast.responses} == {f"r{evaluation_id}x3", f"r{evaluation_id}x4"}
    flagged.decide_flagged(
        session, evaluation_id, [f"r{evaluation_id}x5"], "exclude", "机器", OFFICE
    )
    waiting = flagged.flagged_page(
        session, evaluation_id, flagged.FlaggedFilter(decision="waiting")
    )
    assert waiting.total == 3
    with pytest.raises(Invalid):
        flagged.flagged_page(session, evaluation_id, flagged.FlaggedFilter(reason="nonsense"))


def test_refusals_change_nothing(session: Session) -> None:
    evaluation_id = _responses(session)
    flagged_id, clean_id = f"r{evaluation_id}x3", f"r{evaluation_id}x0"
    for ids, decision, reason in (
        ([flagged_id], "include", "  "),
        ([flagged_id], "maybe", "理由"),
        ([], "include", "理由"),
        ([flagged_id, clean_id], "exclude", "理由"),
        ([flagged_id], "include", "长" * 501),
    ):
        with pytest.raises(Invalid):
            flagged.decide_flagged(session, evaluation_id, ids, decision, reason, OFFICE)
    with pytest.raises(NotPermitted):
        flagged.decide_flagged(
            session,
            evaluation_id,
            [flagged_id],
            "include",
            "理由",
            Principal(name="look", role=Role.viewer),
        )
    published = _responses(session, EvaluationStatus.published)
    with pytest.raises(NotPermitted):
        flagged.decide_flagged(session, published, [f"r{published}x3"], "include", "理由", OFFICE)
    assert flagged.quality_counts(session, evaluation_id).counted == 3
    assert session.get(Response, flagged_id).quality_decision is None  # type: ignore[union-attr]
