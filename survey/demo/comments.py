"""The demo's rectification: the comments of the current evaluation routed to their units,
in every status, and exactly one past its deadline for the office's overview."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, col, select

from survey.comments.rectification import default_deadline, materialise_for_unit, today_utc
from survey.comments.rectification_models import Rectification, RectificationStatus
from survey.models import Comment, Unit

S = RectificationStatus
MEASURES = (
    ("增设服务窗口，高峰时段弹性排班", "政务服务科"),
    ("公开办事流程，一次性告知所需材料", "办公室"),
    ("开展作风专项整治，约谈相关责任人", "机关党委"),
    ("修复设施并建立定期巡查制度", "综合执法科"),
)
# The first few comments show each status; the rest are mostly done.
SHOWCASE = (S.received, S.in_progress, S.rectified, S.verified, S.appealed, S.upheld, S.dismissed)


def load_demo_rectification(session: Session, evaluation_id: int, seed: int = 15) -> int:
    """Route the evaluation's unit comments and give them statuses; returns how many."""
    unit_ids = session.exec(
        select(Comment.unit_id)
        .where(Comment.evaluation_id == evaluation_id, col(Comment.unit_id).is_not(None))
        .distinct()
    ).all()
    for unit_id in unit_ids:
        assert unit_id is not None
        materialise_for_unit(session, unit_id)
    records = list(
        session.exec(
            select(Rectification)
            .where(Rectification.evaluation_id == evaluation_id)
            .order_by(col(Rectification.routed_on), col(Rectification.id))
        )
    )
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
    rng.shuffle(records)
    today = today_utc()
    bm09 = session.exec(select(Unit.id).where(Unit.code == "BM09")).first()
    # BM09's first comment is the overdue one: the browser tour finds it on the overview.
    records.sort(key=lambda r: r.unit_id != bm09)
    for k, record in enumerate(records):
        if k == 0:
            _open(record, S.in_progress)  # routed long ago, deadline passed: overdue
            continue
        status = SHOWCASE[k - 1] if k - 1 < len(SHOWCASE) else _usual(rng)
        if status in (S.received, S.in_progress, S.dismissed):
            # Open items of the demo were routed yesterday, so only one is overdue.
            record.routed_on = today - timedelta(days=1)
            record.deadline = default_deadline(session, evaluation_id, record.routed_on)
        _open(record, status)
        if status in (S.rectified, S.verified):
            record.rectified_on = _before(record.deadline, record.routed_on, rng)
        if status == S.verified:
            record.callback_result = "已电话回访，群众表示问题已解决"
        if status in (S.appealed, S.upheld, S.dismissed):
            record.appeal_reason = "所反映问题不属于本单位职责范围"
        if status == S.upheld:
            record.decision_reason = "经核实，该事项由其他部门负责，申诉成立"
        if status == S.dismissed:
            record.decision_reason = "经核实，该事项属本单位职责，申诉不成立，请按期整改"
        if status not in (S.received, S.appealed, S.upheld):
            record.measure, record.responsible_office = rng.choice(MEASURES)
    session.add_all(records)
    session.commit()
    return len(records)


def _open(record: Rectification, status: str) -> None:
    record.status = status
    if status == S.in_progress:
        record.measure, record.responsible_office = MEASURES[0]


def _usual(rng: random.Random) -> str:
    return rng.choices([S.verified, S.rectified, S.in_progress], weights=[6, 3, 1])[0]


def _before(deadline: date, routed_on: date, rng: random.Random) -> date:
    span = max(0, (deadline - routed_on).days)
    return routed_on + timedelta(days=rng.randint(0, span))
