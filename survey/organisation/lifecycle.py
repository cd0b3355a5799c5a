"""Opening, closing and publishing an evaluation: which step may follow which, and for whom.

Closing an evaluation closes its open surveys and ballot batches (each batch through the
ballots' own close, which remixes and cleans up), so that nothing arrives afterwards. An
evaluation that has been published does not open again: a correction changes inputs, never
answers. Publishing freezes inputs and results as the next publication version
(``survey.publication.service``), rather than a bare status change.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session, select

from survey import audit, rules
from survey.accounts import Principal
from survey.ballots import service as ballots_service
from survey.ballots.errors import StorageNotScrubbed
from survey.ballots.models import BatchStatus
from survey.errors import N_, Conflict, Message, NotPermitted
from survey.labels import label
from survey.models import Evaluation, EvaluationStatus
from survey.organisation.evaluations import get_evaluation
from survey.publication import service as publication
from survey.rules import Action
from survey.surveys.models import Survey, SurveyStatus


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
    if step is Step.publish:
        publication.publish(session, evaluation_id, actor, ip=ip)
        return get_evaluation(session, evaluation_id)
    if step is Step.open and publication.has_versions(session, evaluation_id):
        raise Conflict(
            N_("A published evaluation does not take answers again; correct its inputs instead.")
        )
    old = evaluation.status
    closed: dict[str, int] = {}
    if step is Step.close:
        closed = _close_channels(session, evaluation_id, actor)
        evaluation = get_evaluation(session, evaluation_id)
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
        **closed,
    )
    session.commit()
    return evaluation


def _close_channels(session: Session, evaluation_id: int, actor: Principal) -> dict[str, int]:
    """Close the evaluation's open ballot batches, then mark its open surveys closed.

    The batches first, each through ``ballots.service.set_status`` (it commits, remixes and
    cleans up); the surveys close in the transaction that closes the evaluation. A batch
    whose clean-up failed is closed all the same; the failure is raised once the evaluation
    has closed.
    """
    failure: Exception | None = None
    batches = [
        b.id
        for b in ballots_service.list_batches(session, evaluation_id=evaluation_id)
        if b.status == BatchStatus.open and b.id is not None
    ]
    for batch_id in batches:
        try:
            ballots_service.set_status(session, batch_id, BatchStatus.closed, actor)
        except StorageNotScrubbed as error:
            failure = error
    surveys = list(
        session.exec(
            select(Survey).where(
                Survey.evaluation_id == evaluation_id, Survey.status == SurveyStatus.open
            )
        )
    )
    for survey in surveys:
        survey.status = SurveyStatus.closed
        session.add(survey)
    if failure is not None:
        session.commit()
        evaluation = get_evaluation(session, evaluation_id)
        evaluation.status = EvaluationStatus.closed
        session.add(evaluation)
        audit.record(
            session,
            actor.name,
            "evaluation.status",
            target_type="evaluation",
            target_id=evaluation_id,
            old=EvaluationStatus.open,
            new=EvaluationStatus.closed,
            surveys_closed=len(surveys),
            batches_closed=len(batches),
        )
        session.commit()
        raise failure
    return {"surveys_closed": len(surveys), "batches_closed": len(batches)}
