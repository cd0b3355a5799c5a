"""The demo's ballot accounting: blank and spoilt paper sheets in every delegate batch (typed
twice, as clerks do), one sheet still waiting for its second reading, and one batch closed so
that its tally sheet shows the count per unit.

Blank and spoilt sheets store no ballot, so the demo's satisfaction figures stay as they were.
"""

from __future__ import annotations

from sqlmodel import Session

from survey.accounts import Principal
from survey.ballots.models import InvalidReason, SheetDisposition
from survey.demo.city import DEMO_ACTOR
from survey.models import Role

CLERKS = (Principal(name="录入员甲", role=Role.clerk), Principal(name="录入员乙", role=Role.clerk))
# Respondent group -> (blank sheets, a spoilt sheet per reason). Every batch shows both.
PAPER_SHEETS: dict[str, tuple[int, tuple[InvalidReason, ...]]] = {
    "npc": (2, (InvalidReason.several_marks,)),
    "cppcc": (1, (InvalidReason.several_marks, InvalidReason.illegible)),
    "party": (1, (InvalidReason.unofficial,)),
    "cadres": (2, (InvalidReason.several_marks, InvalidReason.other)),
    "civil": (1, (InvalidReason.several_marks,)),
}
# The NPC deputies' batch keeps one sheet read once: the tally sheet warns about it.
WAITING_GROUP = "npc"
# The office cadres' meeting is over: its batch is closed and its tally sheet complete.
CLOSED_GROUP = "civil"


def load_demo_tally(session: Session, evaluation_id: int) -> int:
    """Paper sheets for the evaluation's ballot batches; closes one batch. Returns the sheets."""
    from survey import audit
    from survey.ballots import paper, secrecy, service
    from survey.ballots.models import BatchStatus
    from survey.models import RespondentGroup

    sheets = 0
    for batch in service.list_batches(session, evaluation_id=evaluation_id):
        assert batch.id is not None
        group = session.get(RespondentGroup, batch.group_id)
        assert group is not None
        blank, spoilt = PAPER_SHEETS.get(group.code, (0, ()))
        readings = [(SheetDisposition.blank, "")] * blank + [
            (SheetDisposition.invalid, reason) for reason in spoilt
        ]
        for number, (disposition, reason) in enumerate(readings, start=1):
            for clerk in CLERKS:
                paper.enter_sheet(
                    session,
                    batch.id,
                    f"Z{number:03d}",
                    {},
                    {},
                    clerk,
                    disposition=disposition,
                    invalid_reason=reason,
                )
            sheets += 1
        if group.code == WAITING_GROUP:
            paper.enter_sheet(
                session,
                batch.id,
                f"Z{len(readings) + 1:03d}",
                {},
                {},
                CLERKS[0],
                disposition=SheetDisposition.blank,
            )
        if group.code == CLOSED_GROUP:
            # As ``service.set_status`` closes a batch, without its clean-up of the database
            # files: the demo's ballots are invented, and the clean-up rewrites the whole file.
            batch.status = BatchStatus.closed
            session.add(batch)
            audit.record(
                session,
                DEMO_ACTOR.name,
                "ballot_batch.status",
                target_type="ballot_batch",
                target_id=batch.id,
                status=BatchStatus.closed,
            )
            session.flush()
            service.remix(session.connection(), batch.id)
            secrecy.forget_paper_times(session.connection(), batch.id)
            session.commit()
    return sheets
