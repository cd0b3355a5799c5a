"""A lead department's draft, the differentiation rule on it, submission and reopening."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from survey.accounts import Principal
from survey.composite import inputs, lead_scores, service
from survey.composite import scheme as schemes
from survey.composite.models import LeadDraftScore, LeadStatus
from survey.errors import Conflict, Invalid, NotFound, NotPermitted
from survey.models import AuditLog, Evaluation, EvaluationStatus, Role, Unit
from tests.factories import ACTOR, make_category, make_evaluation, make_unit

SCHEME = """\
category: {category}
indicators:
  - code: law
    name: 依法行政
    name_en: Law-based administration
    points: 10
    source: {{type: qualitative, item: rule_of_law}}
differentiation: {{}}
"""
TOWNS = ("T1", "T2", "T3", "T4", "T5", "T6")
# Taixing's rule on 6 units: at most floor(0.3 x 6) = 1 unit at 90 or more, at least
# ceil(0.2 x 6) = 2 units below 80, no 100. This draft has T1, T2 and T6 at 90 or more (3),
# only T5 below 80 (1), and T6 at full marks: all three parts broken.
BREAKING = {"T1": "95", "T2": "92", "T3": "85", "T4": "84", "T5": "79", "T6": "100"}
# T1 alone at 90 or more, T5 and T6 below 80, nothing at 100: it keeps the rule.
KEEPING = {"T1": "95", "T2": "88", "T3": "85", "T4": "84", "T5": "79", "T6": "70"}


class World:
    def __init__(self, session: Session) -> None:
        towns = make_category(session, code="towns", name="乡镇")
        departments = make_category(session, code="depts", name="部门")
        self.units = {code: make_unit(session, towns, code=code) for code in TOWNS}
        self.lead_unit = make_unit(session, departments, code="LEAD", name="司法局")
        self.other_unit = make_unit(session, departments, code="OTHER", name="审计局")
        evaluation = make_evaluation(session)
        assert evaluation.id is not None
        self.evaluation = evaluation.id
        schemes.import_text(
            session,
            self.evaluation,
            SCHEME.format(category="towns") + "---\n" + SCHEME.format(category="depts"),
            ACTOR,
        )
        self.lead = Principal(name="sifa", role=Role.lead, user_id=1, unit_id=self.lead_unit.id)
        self.other = Principal(name="shenji", role=Role.lead, user_id=2, unit_id=self.other_unit.id)
        bound = lead_scores.assign_lead(
            session, self.evaluation, "towns", "rule_of_law", "LEAD", ACTOR, ip="10.0.0.9"
        )
        assert bound is not None
        self.assignment = bound.id


def _actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditLog.action).order_by(AuditLog.id)))


def _counted(session: Session, evaluation: int) -> dict[str, tuple[float, str]]:
    return {
        s.unit: (s.score, s.lead)
        for s in inputs.list_qualitative(session, evaluation)
        if s.item == "rule_of_law"
    }


def test_the_office_binds_a_department_to_a_qualitative_item_of_a_scheme(
    session: Session,
) -> None:
    world = World(session)
    mine = lead_scores.indicators_for_lead(session, world.lead)
    assert [(i.category, i.item, i.lead, i.status, i.n_units, i.n_drafted) for i in mine] == [
        ("towns", "rule_of_law", "LEAD", LeadStatus.draft, 6, 0)
    ]
    assert lead_scores.indicators_for_lead(session, world.other) == []
    slots = lead_scores.qualitative_slots(session, world.evaluation)
    assert [(s.category, s.item, s.assignment.lead if s.assignment else None) for s in slots] == [
        ("depts", "rule_of_law", None),
        ("towns", "rule_of_law", "LEAD"),
    ]

    refused = [
        (("towns", "safety", "LEAD"), Invalid),  # the scheme scores no such item
        (("towns", "rule_of_law", "NOPE"), Invalid),  # no such unit
        (("nowhere", "rule_of_law", "LEAD"), NotFound),
    ]
    for (category, item, lead), kind in refused:
        with pytest.raises(kind):
            lead_scores.assign_lead(session, world.evaluation, category, item, lead, ACTOR)
    with pytest.raises(NotPermitted):
        lead_scores.assign_lead(
            session, world.evaluation, "depts", "rule_of_law", "LEAD", world.lead
        )

    # A department scores the other units of its own category, never itself.
    lead_scores.assign_lead(session, world.evaluation, "depts", "rule_of_law", "LEAD", ACTOR)
    depts = lead_scores.indicators_for_lead(session, world.lead)[0]
    sheet = lead_scores.score_sheet(session, world.evaluation, depts.id, world.lead)
    assert [u.code for u in sheet.units] == ["OTHER"]

    # Another department takes the item over: the first one's draft goes with it.
    lead_scores.save_draft(session, world.evaluation, depts.id, {"OTHER": "70"}, world.lead)
    lead_scores.assign_lead(session, world.evaluation, "depts", "rule_of_law", "OTHER", ACTOR)
    assert [i.category for i in lead_scores.indicators_for_lead(session, world.lead)] == ["towns"]
    assert (
        session.exec(select(LeadDraftScore).where(LeadDraftScore.assignment_id == depts.id)).all()
        == []
    )
    lead_scores.assign_lead(session, world.evaluation, "depts", "rule_of_law", "", ACTOR)
    assert lead_scores.indicators_for_lead(session, world.other) == []
    assert _actions(session)[-2:] == ["lead_assignment.set", "lead_assignment.remove"]
    entry = session.exec(select(AuditLog).where(AuditLog.action == "lead_assignment.remove")).one()
    assert entry.detail["previous_lead"] == "OTHER"


def test_a_draft_is_stored_but_never_counted_and_bad_input_changes_nothing(
    session: Session,
) -> None:
    world = World(session)
    sheet = lead_scores.save_draft(
        session, world.evaluation, world.assignment, {"T1": "88", "T2": " 79.5 "}, world.lead
    )
    assert [(u.code, u.draft) for u in sheet.units][:3] == [
        ("T1", 88.0),
        ("T2", 79.5),
        ("T3", None),
    ]
    assert sheet.check.missing == ("T3", "T4", "T5", "T6")
    assert [p.field for p in sheet.check.problems] == ["missing", "low"]
    # Drafts never reach the scores the composite reads.
    assert _counted(session, world.evaluation) == {}

    for typed, field in [
        ({"T1": "八十"}, "T1"),
        ({"T1": "nan"}, "T1"),
        ({"T1": "-1"}, "T1"),
        ({"T1": "100.5"}, "T1"),  # above the item's full marks (100)
        ({"T1": "80", "ZZ": "80"}, "ZZ"),  # a unit the department does not score
    ]:
        with pytest.raises(lead_scores.EntriesRefused) as caught:
            lead_scores.save_draft(session, world.evaluation, world.assignment, typed, world.lead)
        assert [e.field for e in caught.value.errors] == [field]
    again = lead_scores.score_sheet(session, world.evaluation, world.assignment, world.lead)
    assert [(u.code, u.draft) for u in again.units][:2] == [("T1", 88.0), ("T2", 79.5)]
    assert _actions(session).count("lead_scores.draft") == 1

    # An emptied field takes the unit's score out of the draft.
    emptied = lead_scores.save_draft(
        session, world.evaluation, world.assignment, {"T1": "", "T2": "79.5"}, world.lead
    )
    assert [u.draft for u in emptied.units][:2] == [None, 79.5]


def test_the_rule_on_a_hand_worked_draft_refuses_it_and_accepts_the_fixed_one(
    session: Session,
) -> None:
    world = World(session)
    broken = lead_scores.save_draft(
        session, world.evaluation, world.assignment, BREAKING, world.lead
    )
    check = broken.check
    assert (check.n_units, check.max_high, check.min_low) == (6, 1, 2)
    assert check.high_units == ("T1", "T2", "T6")
    assert check.low_units == ("T5",)
    assert check.full_mark_units == ("T6",)
    assert [p.field for p in check.problems] == ["high", "low", "full_marks"]
    high = check.problems[0]
    assert (high.params["n"], high.params["max"], high.params["share"]) == (3, 1, "50%")
    assert str(high.params["names"]).count(",") == 2

    with pytest.raises(lead_scores.ScoresRefused) as caught:
        lead_scores.submit(session, world.evaluation, world.assignment, world.lead)
    assert [e.field for e in caught.value.errors] == ["high", "low", "full_marks"]
    assert _counted(session, world.evaluation) == {}
    assert (
        lead_scores.score_sheet(
            session, world.evaluation, world.assignment, world.lead
        ).indicator.status
        == LeadStatus.draft
    )

    # Submitting with the form's entries saves them first; the fixed draft keeps the rule.
    sheet = lead_scores.submit(
        session, world.evaluation, world.assignment, world.lead, entries=KEEPING, ip="10.0.0.2"
    )
    assert sheet.check.passed and sheet.indicator.status == LeadStatus.submitted
    assert sheet.indicator.submitted_by == "sifa"
    assert _counted(session, world.evaluation) == {
        code: (float(value), "LEAD") for code, value in KEEPING.items()
    }
    # The composite counts them, and its own check of the department agrees with the page.
    results = service.composite_results(session, world.evaluation, viewer=ACTOR)
    totals = {u.unit: u.total for u in results.units if u.category == "towns"}
    assert totals == pytest.approx({code: float(v) / 10 for code, v in KEEPING.items()})
    report = next(r for r in results.differentiation if r.category == "towns")
    assert (report.lead, report.passed, report.n_high, report.n_low) == ("LEAD", True, 1, 2)
    assert _actions(session)[-3:] == [
        "lead_scores.draft",
        "lead_scores.draft",
        "lead_scores.submit",
    ]


def test_submitted_scores_are_locked_until_the_office_reopens_them_with_a_reason(
    session: Session,
) -> None:
    world = World(session)
    lead_scores.submit(session, world.evaluation, world.assignment, world.lead, entries=KEEPING)
    for attempt in (
        lambda: lead_scores.save_draft(
            session, world.evaluation, world.assignment, {"T1": "60"}, world.lead
        ),
        lambda: lead_scores.submit(session, world.evaluation, world.assignment, world.lead),
    ):
        with pytest.raises(Conflict):
            attempt()
    assert _counted(session, world.evaluation)["T1"] == (95.0, "LEAD")
    # The office cannot hand a submitted item to another department without reopening it.
    with pytest.raises(Conflict):
        lead_scores.assign_lead(session, world.evaluation, "towns", "rule_of_law", "OTHER", ACTOR)

    with pytest.raises(Invalid):
        lead_scores.reopen(session, world.evaluation, world.assignment, "  ", ACTOR)
    with pytest.raises(NotPermitted):
        lead_scores.reopen(session, world.evaluation, world.assignment, "why", world.lead)
    reopened = lead_scores.reopen(
        session, world.evaluation, world.assignment, "T6 的得分有误", ACTOR, ip="10.0.0.3"
    )
    assert reopened.status == LeadStatus.draft and reopened.reopen_reason == "T6 的得分有误"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "lead_scores.reopen")).one()
    assert entry.detail["reason"] == "T6 的得分有误" and entry.ip == "10.0.0.3"
    with pytest.raises(Conflict):  # nothing submitted to reopen
        lead_scores.reopen(session, world.evaluation, world.assignment, "again", ACTOR)
    # The submitted scores stay counted until the department submits again.
    assert _counted(session, world.evaluation)["T6"] == (70.0, "LEAD")
    lead_scores.submit(
        session, world.evaluation, world.assignment, world.lead, entries={**KEEPING, "T6": "75"}
    )
    assert _counted(session, world.evaluation)["T6"] == (75.0, "LEAD")


def test_another_department_and_a_published_evaluation_are_kept_out(session: Session) -> None:
    world = World(session)
    for attempt in (
        lambda: lead_scores.score_sheet(session, world.evaluation, world.assignment, world.other),
        lambda: lead_scores.save_draft(
            session, world.evaluation, world.assignment, KEEPING, world.other
        ),
        lambda: lead_scores.submit(session, world.evaluation, world.assignment, world.other),
        lambda: lead_scores.score_sheet(
            session, world.evaluation + 1, world.assignment, world.lead
        ),
    ):
        with pytest.raises(NotFound):
            attempt()
    evaluation = session.get(Evaluation, world.evaluation)
    assert evaluation is not None
    evaluation.status = EvaluationStatus.published
    session.add(evaluation)
    session.commit()
    with pytest.raises(Conflict):
        lead_scores.save_draft(session, world.evaluation, world.assignment, KEEPING, world.lead)
    assert session.exec(select(LeadDraftScore)).all() == []


def test_check_scores_counts_as_the_scoring_library_does_at_its_edges(session: Session) -> None:
    # 90 counts as high (含90分), 80 is not low (strictly below), and a rule-less item only
    # asks for every unit.
    category = make_category(session)
    units = [make_unit(session, category) for _ in range(5)]
    scores = {u.id: v for u, v in zip(units, [90.0, 80.0, 79.99, 85.0, 89.99], strict=True)}
    from survey.composite.schemas import DifferentiationSpec

    check = lead_scores.check_scores(units, scores, DifferentiationSpec())
    assert (check.max_high, check.min_low) == (1, 1)
    assert check.high_units == (units[0].code,) and check.low_units == (units[2].code,)
    assert check.passed
    free = lead_scores.check_scores(units, {units[0].id: 100.0}, None)
    assert not free.applies and [p.field for p in free.problems] == ["missing"]
    assert session.exec(select(Unit)).all()


def test_the_office_cannot_type_over_an_item_a_lead_department_scores(session: Session) -> None:
    from survey.composite import inputs
    from survey.composite.schemas import QualitativeScoreIn

    world = World(session)
    lead_scores.submit(session, world.evaluation, world.assignment, world.lead, entries=KEEPING)
    typed = [QualitativeScoreIn(unit="T1", item="rule_of_law", lead="LEAD", score=60)]
    with pytest.raises(Conflict):
        inputs.put_qualitative(session, world.evaluation, typed, ACTOR)
    session.rollback()
    assert _counted(session, world.evaluation)["T1"] == (95.0, "LEAD")
    # The same item in a category no department is bound to is the office's to type.
    departments = [QualitativeScoreIn(unit="OTHER", item="rule_of_law", lead="LEAD", score=88)]
    inputs.put_qualitative(session, world.evaluation, departments, ACTOR)
    assert _counted(session, world.evaluation)["OTHER"] == (88.0, "LEAD")
