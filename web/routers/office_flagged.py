"""The office's review of flagged answers: reasons in words, the answers, bulk decisions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from survey import organisation as org
from survey import rules
from survey.rules import Action
from survey.surveys import flagged
from survey.surveys import service as survey_service
from web.deps import OfficeUser, OfficeViewer, SessionDep
from web.routers import browser_router
from web.safety import client_ip
from web.templating import render

router = browser_router(prefix="/office/flagged", include_in_schema=False)
FILTERS = ("survey", "reason", "decision")


@router.get("", name="office_flagged")
def flagged_overview(request: Request, session: SessionDep, principal: OfficeViewer) -> Response:
    counts = flagged.evaluations_with_flags(session)
    evaluations = [e for e in org.list_evaluations(session) if e.id in counts]
    return render(
        request,
        "office/flagged_overview.html",
        {"principal": principal, "evaluations": evaluations, "counts": counts},
    )


@router.get("/{evaluation_id}", name="office_flagged_evaluation")
def flagged_page(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    principal: OfficeViewer,
    survey: str = "",
    reason: str = "",
    decision: str = "",
    page: int = 1,
    changed: int | None = None,
    before: int | None = None,
    after: int | None = None,
) -> Response:
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(principal, Action.view, evaluation.status)
    wanted = flagged.FlaggedFilter(
        survey_id=int(survey) if survey.isdigit() else None, reason=reason, decision=decision
    )
    found = flagged.flagged_page(session, evaluation_id, wanted, page=page)
    kept = {
        k: v for k, v in {"survey": survey, "reason": reason, "decision": decision}.items() if v
    }
    return render(
        request,
        "office/flagged.html",
        {
            "principal": principal,
            "evaluation": org.evaluation_public(session, evaluation),
            "counts": flagged.quality_counts(session, evaluation_id),
            "found": found,
            "surveys": survey_service.list_surveys(session, "", evaluation_id=evaluation_id),
            "reasons": [(flag.name, words) for flag, words in flagged.FLAG_WORDS.items()],
            "query": {"survey": survey, "reason": reason, "decision": decision},
            "kept_query": urlencode(kept),
            "page_query": lambda number: urlencode({**kept, "page": number}),
            "can_decide": rules.can(principal, Action.edit, evaluation.status),
            "effect": None
            if changed is None or before is None or after is None
            else {"changed": changed, "before": before, "after": after},
        },
    )


@router.post("/{evaluation_id}/decide", name="office_flagged_decide")
def decide(
    request: Request,
    evaluation_id: int,
    session: SessionDep,
    actor: OfficeUser,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    response: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    effect = flagged.decide_flagged(
        session,
        evaluation_id,
        response or [],
        decision,
        reason,
        actor,
        ip=client_ip(request),
    )
    # Back to the same filters, with the effect on the counts to show.
    shown = {
        "changed": effect.changed,
        "before": effect.before.counted,
        "after": effect.after.counted,
    }
    target = request.url_for("office_flagged_evaluation", evaluation_id=evaluation_id).path
    filters = [(k, v) for k, v in parse_qsl(back) if k in FILTERS]
    return RedirectResponse(f"{target}?{urlencode([*filters, *shown.items()])}", status_code=303)
