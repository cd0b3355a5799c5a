"""Importing responses from CSV and XLSX: all or nothing, every problem with its place."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlmodel import Session, func, select

from survey.accounts import Principal
from survey.errors import Conflict, Invalid, NotFound
from survey.import_problems import ImportRejected
from survey.models import Answer, AuditLog, Response, Role
from survey.satisfaction.importer import AlreadyImported, import_responses
from survey.satisfaction.policy import set_policy
from survey.satisfaction.schemas import NumericScaleSettings, SatisfactionPolicyPut
from survey.satisfaction.service import satisfaction_results
from tests.factories import ACTOR, make_category, make_evaluation, make_group, make_unit


class Setup:
    def __init__(self, session: Session) -> None:
        self.evaluation = make_evaluation(session)
        category = make_category(session)
        self.u1, self.u2 = make_unit(session, category), make_unit(session, category)
        self.citizens = make_group(session)
        self.deputies = make_group(session, kind="delegate")
        assert self.evaluation.id is not None
        self.evaluation_id: int = self.evaluation.id

    def numeric_scale(self, session: Session, low: float, high: float) -> None:
        """A policy that scores numbers from ``low`` to ``high`` as well as the levels."""
        scale = NumericScaleSettings(low=low, high=high)
        set_policy(session, self.evaluation_id, SatisfactionPolicyPut(numeric_scale=scale), ACTOR)

    def good_rows(self) -> list[list[str]]:
        c, d, u1, u2 = self.citizens.code, self.deputies.code, self.u1.code, self.u2.code
        return [
            ["respondent_id", "group", "unit", "question", "answer", "district", "age"],
            ["r1", c, u1, "overall", "满意", "QX01", "18-34"],
            ["r1", c, u2, "overall", "不了解", "QX01", "18-34"],
            ["r2", c, u1, "overall", "fairly_satisfied", "QX02", "60plus"],
            ["r2", c, u2, "overall", "不满意", "QX02", "60plus"],
            ["", "", "", "", "", "", ""],
            ["r3", d, u1, "overall", "基本满意", "", ""],
            ["r3", d, u1, "speed", "7", "", ""],
        ]


def _csv(rows: list[list[str]], *, bom: bool = True) -> bytes:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_good_csv_becomes_one_response_per_respondent(session: Session) -> None:
    setup = Setup(session)
    setup.numeric_scale(session, 0, 10)
    report = import_responses(
        session,
        setup.evaluation_id,
        _csv(setup.good_rows()),
        "paper.csv",
        actor=ACTOR,
        period="Q4",
    )
    assert (report.respondents, report.answers) == (3, 6)
    responses = {
        r.external_ref: r
        for r in session.exec(select(Response).where(Response.evaluation_id == setup.evaluation_id))
    }
    assert set(responses) == {"r1", "r2", "r3"}
    r1 = responses["r1"]
    assert (r1.channel, r1.time_precision, r1.group_id) == ("import", "day", setup.citizens.id)
    assert r1.cell_key == "age=18-34;district=QX01"
    assert responses["r3"].cell_key is None and responses["r3"].group_id == setup.deputies.id
    assert r1.submitted_at.hour == 0 and r1.submitted_at.minute == 0
    stored = session.exec(select(Answer).where(Answer.evaluation_id == setup.evaluation_id)).all()
    answers = {(a.response_id, a.unit_id, a.question): (a.level, a.value) for a in stored}
    cell_of = {r.id: r.cell_key for r in responses.values()}
    assert all(a.cell_key == cell_of[a.response_id] for a in stored)
    assert answers[(r1.id, setup.u1.id, "overall")] == ("satisfied", 100.0)
    assert answers[(r1.id, setup.u2.id, "overall")] == ("dont_know", None)
    assert answers[(responses["r3"].id, setup.u1.id, "speed")] == ("7", 7.0)
    assert all(r.period_id is not None for r in responses.values())
    entry = session.exec(select(AuditLog).where(AuditLog.action == "responses.import")).one()
    assert entry.detail["respondents"] == 3 and entry.detail["file"] == "paper.csv"

    # The imported answers feed the scores like any others.
    office = Principal(name="o", role=Role.office)
    results = satisfaction_results(session, setup.evaluation_id, viewer=office)
    citizens_u1 = next(
        c for c in results.cells if (c.unit, c.group) == (setup.u1.code, setup.citizens.code)
    )
    assert citizens_u1.n_valid == 2 and citizens_u1.mean == pytest.approx(90)
    # The number 7 on the policy's 0-10 scale is worth 70 points, pooled with 基本满意 (60).
    deputies_u1 = next(
        c for c in results.cells if (c.unit, c.group) == (setup.u1.code, setup.deputies.code)
    )
    assert deputies_u1.n_valid == 2 and deputies_u1.mean == pytest.approx(65)
    assert results.unscored_answers == 0


def test_answers_the_policy_cannot_score_are_refused_with_their_rows(session: Session) -> None:
    setup = Setup(session)
    before = (_count(session, Response), _count(session, Answer))
    with pytest.raises(ImportRejected) as caught:
        import_responses(
            session, setup.evaluation_id, _csv(setup.good_rows()), "a.csv", actor=ACTOR
        )
    # The default policy lists levels only: the number 7 (row 8) would never be scored.
    message = (
        "The satisfaction policy cannot score the answer %(value)s to %(question)s: it is "
        "neither one of the policy's levels nor on its numeric scale."
    )
    assert [(p.row, p.column, p.message, p.params) for p in caught.value.errors] == [
        (8, "answer", message, {"value": "7", "question": "speed"})
    ]
    assert (_count(session, Response), _count(session, Answer)) == before
    # A 1-5 scale does not hold 7 either; 0-10 does.
    setup.numeric_scale(session, 1, 5)
    with pytest.raises(ImportRejected):
        import_responses(
            session, setup.evaluation_id, _csv(setup.good_rows()), "a.csv", actor=ACTOR
        )
    setup.numeric_scale(session, 0, 10)
    report = import_responses(
        session, setup.evaluation_id, _csv(setup.good_rows()), "a.csv", actor=ACTOR
    )
    assert report.answers == 6


def test_importing_the_same_file_twice_is_refused_whole(session: Session) -> None:
    setup = Setup(session)
    setup.numeric_scale(session, 0, 10)
    data = _csv(setup.good_rows(), bom=False)
    import_responses(session, setup.evaluation_id, data, "a.csv", actor=ACTOR)
    before = (_count(session, Response), _count(session, Answer))
    extended = [*setup.good_rows(), ["r4", setup.citizens.code, setup.u1.code, "overall", "满意"]]
    with pytest.raises(AlreadyImported) as caught:
        import_responses(session, setup.evaluation_id, _csv(extended), "b.csv", actor=ACTOR)
    assert caught.value.params == {"count": 3, "example": "r1"}
    assert (_count(session, Response), _count(session, Answer)) == before
    # Another evaluation may hold the same respondent ids.
    other = make_evaluation(session)
    assert other.id is not None
    scale = NumericScaleSettings(low=0, high=10)
    set_policy(session, other.id, SatisfactionPolicyPut(numeric_scale=scale), ACTOR)
    import_responses(session, other.id, data, "a.csv", actor=ACTOR)


def test_an_xlsx_file_with_numbers_in_cells(session: Session) -> None:
    setup = Setup(session)
    setup.numeric_scale(session, 0, 10)
    rows: list[list[object]] = [
        ["Respondent_ID", "group", "unit", "question", "answer"],
        [101, setup.citizens.code, setup.u1.code, "overall", "满意"],
        [101, setup.citizens.code, setup.u2.code, "overall", "比较满意"],
        [102.0, setup.citizens.code, setup.u1.code, "score10", 9],
        [None, None, None, None, None],
    ]
    report = import_responses(
        session, setup.evaluation_id, _xlsx(rows), "ballots.xlsx", actor=ACTOR
    )
    assert (report.respondents, report.answers) == (2, 3)
    refs = set(session.exec(select(Response.external_ref)))
    assert refs == {"101", "102"}
    levels = set(session.exec(select(Answer.level)))
    assert levels == {"satisfied", "fairly_satisfied", "9"}


def test_a_bad_file_is_rejected_whole_with_every_problem(session: Session) -> None:
    setup = Setup(session)
    c, u1 = setup.citizens.code, setup.u1.code
    rows = [
        ["respondent_id", "group", "unit", "question", "answer", "district"],
        ["r1", c, u1, "overall", "满意", "QX01"],  # row 2: good
        ["r2", c, "XX", "overall", "满意", "QX01"],  # row 3: unknown unit
        ["r3", "nobody", u1, "overall", "很好", "QX01"],  # row 4: group and answer
        ["", c, u1, "overall", "满意", "QX01"],  # row 5: no respondent
        ["r1", c, u1, "overall", "不满意", "QX01"],  # row 6: answered twice
        ["r1", setup.deputies.code, setup.u2.code, "overall", "满意", "QX09"],  # row 7
        ["r5", c, u1, "bad code!", "满意", "a;b"],  # row 8: question code and cell
        ["r6", c, u1, "overall", "8", "QX01"],  # row 9: a number where levels were given
    ]
    with pytest.raises(ImportRejected) as caught:
        import_responses(session, setup.evaluation_id, _csv(rows), "bad.csv", actor=ACTOR)
    found = {(p.row, p.column, p.message) for p in caught.value.errors}
    assert found == {
        (3, "unit", "No unit has the code %(code)s."),
        (4, "group", "No respondent group has the code %(code)s."),
        (4, "answer", "%(value)s is neither a satisfaction level nor a number."),
        (5, "respondent_id", "This cell is empty."),
        (
            6,
            "answer",
            "The respondent already answered this question about this unit in row %(row)s.",
        ),
        (7, "group", "The respondent %(id)s has another group in row %(row)s."),
        (7, "district", "The respondent %(id)s has another value here in row %(row)s."),
        (8, "question", "%(value)s is not a valid code: up to 32 letters, digits, . _ or -."),
        (8, "district", "A weighting cell must not contain ; or =."),
        (
            9,
            "answer",
            "The question %(question)s mixes levels and numbers (compare row %(row)s).",
        ),
    }
    by_place = {(p.row, p.column): p.params for p in caught.value.errors}
    assert by_place[(3, "unit")] == {"code": "XX"}
    assert by_place[(6, "answer")] == {"row": 2}
    assert caught.value.params == {"count": 10}
    assert _count(session, Response) == 0 and _count(session, Answer) == 0
    assert session.exec(select(AuditLog).where(AuditLog.action == "responses.import")).all() == []


def test_header_encoding_and_evaluation_problems(session: Session) -> None:
    setup = Setup(session)
    missing = _csv([["respondent_id", "group", "unit", "answer", "answer"], ["r1", "a", "b", "c"]])
    with pytest.raises(ImportRejected) as caught:
        import_responses(session, setup.evaluation_id, missing, "x.csv", actor=ACTOR)
    assert {(p.row, p.column) for p in caught.value.errors} == {(1, "answer"), (1, "question")}
    with pytest.raises(Invalid):
        chinese_locale = "respondent_id,满意\n".encode("gb18030")
        import_responses(session, setup.evaluation_id, chinese_locale, "x.csv", actor=ACTOR)
    with pytest.raises(Invalid):
        import_responses(session, setup.evaluation_id, b"not a workbook", "x.xlsx", actor=ACTOR)
    with pytest.raises(Invalid):
        import_responses(session, setup.evaluation_id, b"", "x.csv", actor=ACTOR)
    with pytest.raises(NotFound):
        good = _csv(setup.good_rows())
        import_responses(session, setup.evaluation_id, good, "x.csv", actor=ACTOR, period="Q9")
    published = make_evaluation(session, status="published")
    assert published.id is not None
    with pytest.raises(Conflict):
        import_responses(session, published.id, _csv(setup.good_rows()), "x.csv", actor=ACTOR)
    assert _count(session, Response) == 0


def test_numbers_for_a_rated_question_or_out_of_range_are_refused(session: Session) -> None:
    from tests.factories import make_survey

    survey, units, groups = make_survey(session, units=2)
    u, g = units[0].code, groups[0].code
    scale = NumericScaleSettings(low=0, high=100)
    set_policy(session, survey.evaluation_id, SatisfactionPolicyPut(numeric_scale=scale), ACTOR)
    rows = [
        ["respondent_id", "group", "unit", "question", "answer"],
        ["r1", g, u, "overall", "99"],  # row 2: the survey rates "overall" on levels
        ["r2", g, u, "overall", "-5"],  # row 3
        ["r3", g, u, "overall", "满意"],  # row 4: good
        ["r4", g, u, "score", "1e308"],  # row 5: beyond any scale
        ["r5", g, u, "score", "-1000001"],  # row 6
        ["r6", g, u, "score", "87.5"],  # row 7: good
    ]
    with pytest.raises(ImportRejected) as caught:
        import_responses(session, survey.evaluation_id, _csv(rows), "nums.csv", actor=ACTOR)
    found = {(p.row, p.message) for p in caught.value.errors}
    assert found == {
        (2, "%(question)s takes a level such as 满意, not a number."),
        (3, "%(question)s takes a level such as 满意, not a number."),
        (5, "%(value)s is out of range: numbers run from -%(n)s to %(n)s."),
        (6, "%(value)s is out of range: numbers run from -%(n)s to %(n)s."),
    }
    assert _count(session, Response) == 0 and _count(session, Answer) == 0
    # Without the bad rows the same file goes in.
    good = [rows[0], rows[3], rows[6]]
    report = import_responses(session, survey.evaluation_id, _csv(good), "good.csv", actor=ACTOR)
    assert (report.respondents, report.answers) == (2, 2)
