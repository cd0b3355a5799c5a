"""Routing and rectification on the real database: every transition of the table, refusals
with their reason, deadlines from the per-evaluation rule, overdue and escalation, the audit
log, and the rates per unit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from survey.comments import listing, rectification, unit_view
from survey.comments.rates import rectification_rates
from survey.comments.rectification import TRANSITIONS, UnitAnswer, check_transition
from survey.comments.rectification_models import Rectification, RectificationStatus
from survey.errors import Invalid, NotFound, NotPermitted
from survey.models import AuditLog
from tests.survey.comments.world import OFFICE, add_comment, make_world

S = RectificationStatus
DAY = date(2026, 12, 4)  # a Friday


def test_every_pair_outside_the_table_is_refused() -> None:
    for current in S:
        for target in S:
            for side in ("unit", "office"):
                allowed = TRANSITIONS.get((current, target)) == side
                if allowed:
                    check_transition(current, target, side)
                else:
                    with pytest.raises(Invalid):
                        check_transition(current, target, side)


def test_a_refusal_names_both_states() -> None:
    with pytest.raises(Invalid) as caught:
        check_transition(S.verified, S.in_progress, "unit")
    assert caught.value.message == "This comment is %(current)s; it cannot become %(target)s."
    assert caught.value.params["current"].id == "Verified by callback"
    with pytest.raises(Invalid) as caught:
        check_transition(S.rectified, S.verified, "unit")
    assert "Only the evaluation office" in caught.value.message


def test_unit_comment_goes_to_unit_and_is_rectified_then_verified(session: Session) -> None:
    world = make_world(session)
    key = add_comment(session, world, "窗口排队太久")
    unit = world.unit_principal(0)
    items = unit_view.unit_comments(session, unit, today=DAY)
    assert [i.text for i in items] == ["窗口排队太久"]
    item = items[0]
    assert item.status == S.received
    assert item.routed_on == DAY
    assert item.deadline == date(2026, 12, 25)  # 15 working days, worked by hand
    assert item.group == ""  # one comment from the group: below the minimum of 10

    # The other unit sees nothing and cannot open it.
    assert unit_view.unit_comments(session, world.unit_principal(1), today=DAY) == []
    with pytest.raises(NotFound):
        unit_view.unit_comment(session, world.unit_principal(1), item.key)

    # A deadline later than the rule allows is refused, nothing changes.
    with pytest.raises(Invalid) as caught:
        rectification.answer(
            session,
            unit,
            item.key,
            UnitAnswer("in_progress", "增设窗口", "政务服务科", date(2026, 12, 28)),
        )
    assert caught.value.field == "deadline"
    assert session.get(Rectification, item.key).status == S.received  # type: ignore[union-attr]

    rectification.answer(
        session,
        unit,
        item.key,
        UnitAnswer("in_progress", "增设窗口", "政务服务科", date(2026, 12, 18)),
        today=date(2026, 12, 7),
    )
    rectification.answer(
        session,
        unit,
        item.key,
        UnitAnswer("rectified", "增设两个窗口", "政务服务科"),
        today=date(2026, 12, 16),
    )
    # The unit cannot verify its own work.
    with pytest.raises(Invalid):
        rectification.answer(session, unit, item.key, UnitAnswer("verified"))
    record = rectification.record_callback(
        session, world.evaluation_id, key, True, "回访群众，表示满意", OFFICE
    )
    assert record.status == S.verified
    assert record.deadline == date(2026, 12, 18)
    assert record.rectified_on == date(2026, 12, 16)
    actions = session.exec(
        select(AuditLog.action).where(AuditLog.target_id == record.id).order_by(col(AuditLog.id))
    ).all()
    assert actions == [
        "rectification.answer",
        "rectification.answer",
        "rectification.callback",
    ]
    rate = rectification_rates(session, world.evaluation_id)[world.units[0].id]  # type: ignore[index]
    assert (rate.routed, rate.rectified, rate.on_time, rate.rate) == (1, 1, 1, 1.0)


def test_callback_not_solved_goes_back_to_the_unit(session: Session) -> None:
    world = make_world(session)
    key = add_comment(session, world, "路灯不亮")
    unit = world.unit_principal(0)
    item = unit_view.unit_comments(session, unit, today=DAY)[0]
    rectification.answer(session, unit, item.key, UnitAnswer("rectified", "修好了", "城管科"))
    record = rectification.record_callback(
        session, world.evaluation_id, key, False, "群众说仍然不亮", OFFICE
    )
    assert record.status == S.in_progress


def test_appeal_upheld_or_dismissed_with_a_reason(session: Session) -> None:
    world = make_world(session)
    first = add_comment(session, world, "与本单位无关的意见")
    second = add_comment(session, world, "办事要跑三次")
    unit = world.unit_principal(0)
    items = {i.text: i for i in unit_view.unit_comments(session, unit, today=DAY)}
    with pytest.raises(Invalid) as caught:
        rectification.answer(session, unit, items["与本单位无关的意见"].key, UnitAnswer("appealed"))
    assert caught.value.field == "appeal_reason"
    for text in items:
        rectification.answer(
            session, unit, items[text].key, UnitAnswer("appealed", appeal_reason="不属实")
        )
    with pytest.raises(Invalid):
        rectification.decide_appeal(session, world.evaluation_id, first, True, " ", OFFICE)
    upheld = rectification.decide_appeal(
        session, world.evaluation_id, first, True, "经核实不属本单位职责", OFFICE
    )
    dismissed = rectification.decide_appeal(
        session, world.evaluation_id, second, False, "经核实情况属实", OFFICE
    )
    assert (upheld.status, dismissed.status) == (S.upheld, S.dismissed)
    # A dismissed appeal: the unit rectifies after all; it cannot appeal again.
    with pytest.raises(Invalid):
        rectification.answer(
            session, unit, dismissed.id, UnitAnswer("appealed", appeal_reason="再议")
        )
    rectification.answer(session, unit, dismissed.id, UnitAnswer("rectified", "一次办结", "审批科"))
    rate = rectification_rates(session, world.evaluation_id)[world.units[0].id]  # type: ignore[index]
    # Upheld leaves the base: 2 routed - 1 upheld = 1, rectified 1.
    assert (rate.routed, rate.upheld, rate.base, rate.rectified) == (2, 1, 1, 1)


def test_general_comment_routed_by_the_office(session: Session) -> None:
    world = make_world(session)
    key = add_comment(session, world, "希望政务公开更及时", unit=None, question="suggestion")
    assert (
        listing.comment_page(
            session, world.evaluation_id, listing.CommentFilter(status="unrouted"), today=DAY
        ).total
        == 1
    )
    with pytest.raises(NotPermitted):
        rectification.route_comment(
            session, world.evaluation_id, key, world.units[1].code, world.unit_principal(1)
        )
    record = rectification.route_comment(
        session, world.evaluation_id, key, world.units[1].code, OFFICE, today=date(2026, 12, 7)
    )
    assert record.routed_by == "kaohe"
    assert record.deadline == date(2026, 12, 28)
    with pytest.raises(Invalid):
        rectification.route_comment(session, world.evaluation_id, key, world.units[0].code, OFFICE)
    assert [i.text for i in unit_view.unit_comments(session, world.unit_principal(1))] == [
        "希望政务公开更及时"
    ]
    entry = session.exec(select(AuditLog).where(AuditLog.action == "comment.route")).one()
    assert entry.detail["unit"] == world.units[1].code


def test_overdue_per_evaluation_rule_and_escalation(session: Session) -> None:
    world = make_world(session)
    old = add_comment(session, world, "老问题", at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    add_comment(session, world, "新问题", at=datetime(2026, 12, 3, 9, tzinfo=UTC))
    today = date(2026, 12, 7)
    overdue = listing.comment_page(
        session, world.evaluation_id, listing.CommentFilter(status="overdue"), today=today
    )
    # Mon 2 Nov + 15 working days = Mon 23 Nov < 7 Dec; Thu 3 Dec + 15 = Thu 24 Dec.
    assert [r.text for r in overdue.rows] == ["老问题"]
    assert overdue.rows[0].deadline == date(2026, 11, 23)
    # With 2 working days by default, the newer one (Thu 3 Dec -> Mon 7 Dec) is not overdue
    # on the 7th, but is on the 8th.
    rectification.set_deadline_rule(session, world.evaluation_id, 2, "", OFFICE)
    assert (
        listing.comment_page(
            session, world.evaluation_id, listing.CommentFilter(status="overdue"), today=today
        ).total
        == 1
    )
    assert (
        listing.comment_page(
            session,
            world.evaluation_id,
            listing.CommentFilter(status="overdue"),
            today=date(2026, 12, 8),
        ).total
        == 2
    )
    record = rectification.escalate(
        session, world.evaluation_id, old, "已发督办单", OFFICE, today=today
    )
    assert (record.escalated_on, record.escalated_by) == (today, "kaohe")
    with pytest.raises(Invalid):
        rectification.escalate(
            session, world.evaluation_id, world.keys[1], "x", OFFICE, today=today
        )


def test_unit_sees_a_group_only_with_ten_comments_from_it(session: Session) -> None:
    world = make_world(session)
    for k in range(10):
        add_comment(session, world, f"群体零{k}", group=0, commit=False)
    for k in range(9):
        add_comment(session, world, f"群体一{k}", group=1, commit=False)
    session.commit()
    items = unit_view.unit_comments(session, world.unit_principal(0), today=DAY)
    shown = {i.text[:3]: i.group for i in items}
    assert shown["群体零"] == world.groups[0].name
    assert shown["群体一"] == ""
    # Nothing else about the respondent travels to the unit.
    fields = set(unit_view.UnitComment.__dataclass_fields__)
    assert not fields & {"channel", "submitted_at", "period", "response_id"}
