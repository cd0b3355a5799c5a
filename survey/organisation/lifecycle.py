"""Opening, closing and publishing an evaluation: which step may follow which, and for whom.

Publishing freezes the composite results when the evaluation has schemes (their snapshot is
what the public reads), so the step goes through the composite service rather than a bare
status change.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session, select

from survey import audit, rules
from survey.accounts import Principal
from survey.composite import service as composite_service
from survey.composite.models import CompositeScheme
from survey.errors import N_, Conflict, Message, NotPermitted
from survey.labels import label
from survey.models import Evaluation, EvaluationStatus
from survey.organisation.evaluations import get_evaluation
from survey.rules import Action


class Step(StrEnum):
    open = "open"
    close = "close"
    publish = "publish"


# Each step: the state it leads to, the states it may start from, and what rules.py calls it.
_STEPS: dict[Step, tuple[EvaluationStatus, frozenset[EvaluationStatus], Action]] = {
    Step.open: (
        EvaluationStatus.open,
        frozenset({EvaluationStatus.draft, EvaluationStatus.closed}),
        Action.edit,
    ),
    Step.close: (EvaluationStatus.closed, frozenset({EvaluationStatus.open}), Action.edit),
    Step.publish: (
        EvaluationStatus.published,
        frozenset({EvaluationStatus.closed}),
        Action.publish,
    ),
}


def steps_for(who: rules.Who, status: EvaluationStatus | str) -> list[Step]:
    """The steps ``who`` may take from ``status``, in the order a page offers them."""
    return [
        step
        for step, (_, sources, action) in _STEPS.items()
        if status in sources and rules.can(who, action, status)
    ]


def take_step(
    session: Session, evaluation_id: int, step: Step, actor: Principal, *, ip: str = ""
) -> Evaluation:
    """Move the evaluation on by ``step``, or refuse and change nothing."""
    evaluation = get_evaluation(session, evaluation_id)
    target, sources, action = _STEPS[step]
    if not rules.role_may(actor, action):
        raise NotPermitted()
    if evaluation.status not in sources or not rules.allowed_in(action, evaluation.status):
        raise Conflict(
            N_("An evaluation that is “%(state)s” cannot become “%(target)s”."),
            state=Message(label(evaluation.status)),
            target=Message(label(target)),
        )
    if step is Step.publish and _has_schemes(session, evaluation_id):
        composite_service.publish_results(session, evaluation_id, actor, ip=ip)
        return get_evaluation(session, evaluation_id)
    old = evaluation.status
    evaluation.status = target
    session.add(evaluation)
    audit.record(
        session,
        actor.name,
        "evaluation.status",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        old=old,
        new=target,
    )
    session.commit()
    return evaluation


def _has_schemes(session: Session, evaluation_id: int) -> bool:
    found = session.exec(
        select(CompositeScheme.id).where(CompositeScheme.evaluation_id == evaluation_id).limit(1)
    ).first()
    return found is not None
