"""The demo's delegate ballots: batches, issued codes and seeded ballots."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col

from survey.demo.city import CATEGORIES, DEMO_ACTOR
from survey.demo.responses import DEMO_SEED

# (group, title, codes issued, share cast, excluded unit): the delegate meetings of the year.
BALLOT_BATCHES = [
    ("npc", "2026年度市直部门民主测评（人大代表）", 80, 0.7, None),
    ("cppcc", "2026年度市直部门民主测评（政协委员）", 80, 0.65, None),
    ("party", "2026年度市直部门民主测评（党代表）", 60, 0.6, None),
    ("cadres", "2026年度市直部门民主测评（基层干部）", 100, 0.55, None),
    ("civil", "2026年度市直部门民主测评（市教育局机关干部）", 40, 0.8, "BM09"),
]
TRY_CODES = 5


@dataclass(frozen=True)
class DemoBallots:
    batches: int
    cast: int
    try_codes: tuple[str, ...]


def load_demo_ballots(session: Session, evaluation_id: int, *, secret: str) -> DemoBallots:
    """Ballot batches for the delegate groups, issued codes and seeded ballots."""
    from survey.ballots import codes, service
    from survey.ballots.models import BallotCode, CodeStatus, UniformRule
    from survey.ballots.schemas import BatchCreate
    from survey.models import BatchStatus
    from survey.surveys.scales import ScaleKind

    rng = random.Random(DEMO_SEED + 1)  # noqa: S311  (reproducible demo data, not secrets)
    cast = 0
    try_codes: tuple[str, ...] = ()
    departments = [c for c, *_ in CATEGORIES if c.startswith("dept-")]
    for group, title, count, share, excluded in BALLOT_BATCHES:
        batch = service.create_batch(
            session,
            BatchCreate(
                evaluation_id=evaluation_id,
                period="Q4",
                group=group,
                title=title,
                scale=ScaleKind.satisfaction3,
                categories=departments,
                excluded_unit=excluded,
                uniform_rule=UniformRule.warn,
            ),
            DEMO_ACTOR,
        )
        assert batch.id is not None
        service.set_status(session, batch.id, BatchStatus.open, DEMO_ACTOR)
        issued = service.issue_codes(session, batch.id, count, secret, DEMO_ACTOR)
        ballot = service.load_ballot(session, batch)
        used = int(count * share)
        for item in issued[:used]:
            session.exec(
                update(BallotCode)
                .where(col(BallotCode.code_hash) == codes.code_hash(secret, item.code))
                .values(status=CodeStatus.used)
            )
            answers = {}
            for unit in ballot.units:
                roll = rng.random()
                answers[unit.code] = (
                    "dont_know"
                    if roll < 0.12
                    else "dissatisfied"
                    if roll < 0.17
                    else "basically_satisfied"
                    if roll < 0.4
                    else "satisfied"
                )
            plan = service.check_ballot(ballot, answers, {}, confirm_uniform=True)
            service.store_ballot(session.connection(), ballot, plan, "ballot")
            cast += 1
        if group == "npc":
            try_codes = tuple(codes.display(item.code) for item in issued[used : used + TRY_CODES])
        # The seeded ballots went in serial order; shuffle them as closing would.
        service.remix(session.connection(), batch.id)
        session.commit()
    return DemoBallots(batches=len(BALLOT_BATCHES), cast=cast, try_codes=try_codes)
