"""The demo city's ballot batches show their accounting: blank and spoilt paper sheets in each,
a sheet still waiting for its second reading, and one closed batch with its count per unit."""

from __future__ import annotations

from sqlmodel import Session, func, select

from survey import demo
from survey.ballots import service, tally
from survey.demo.tally import CLOSED_GROUP, PAPER_SHEETS, WAITING_GROUP
from survey.models import RespondentGroup, Response


def test_the_demo_batches_show_blank_and_spoilt_sheets(session: Session) -> None:
    info = demo.load_demo(session, office_password="demo-password-1")
    batches = service.list_batches(session)
    assert len(batches) == info.ballot_batches == len(PAPER_SHEETS)
    seen = set()
    for batch in batches:
        group = session.get(RespondentGroup, batch.group_id)
        assert group is not None
        sheet = tally.batch_tally(session, batch)
        blank, spoilt = PAPER_SHEETS[group.code]
        assert (sheet.blank, sheet.invalid, sheet.paper_valid) == (blank, len(spoilt), 0)
        assert sheet.electronic == sheet.codes_used > 0
        assert sheet.returned == sheet.electronic + blank + len(spoilt)
        assert sheet.valid == sheet.electronic
        assert sheet.paper_unsettled == (1 if group.code == WAITING_GROUP else 0)
        assert (sheet.units is not None) == (group.code == CLOSED_GROUP)
        if sheet.units is not None:
            assert {u.total for u in sheet.units} == {sheet.valid}
        seen.add(sheet.state)
    # Some meetings reached two thirds of the codes issued, some did not.
    assert seen == {tally.QuorumState.met, tally.QuorumState.short}
    # Blank and spoilt sheets store no ballot: every stored ballot is electronic.
    assert (
        session.exec(
            select(func.count()).select_from(Response).where(Response.channel == "paper")
        ).one()
        == 0
    )
