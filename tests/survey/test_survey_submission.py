"""Submissions are checked against the survey definition before anything is stored."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from survey.surveys.definition import load_definition
from survey.surveys.schemas import OptionIn, QuestionIn
from survey.surveys.submission import SubmissionInput, SubmissionInvalid, validate
from tests.factories import make_survey

QUESTIONS = [
    QuestionIn(code="overall", kind="rating", prompt="总体评价", scale="satisfaction"),
    QuestionIn(
        code="age",
        kind="cell",
        variable="age",
        prompt="年龄",
        options=[
            OptionIn(code="young", label="35岁以下"),
            OptionIn(code="old", label="35岁及以上"),
        ],
    ),
    QuestionIn(
        code="heard",
        kind="multiple",
        prompt="从哪里知道",
        required=False,
        options=[OptionIn(code="poster", label="海报"), OptionIn(code="wechat", label="微信")],
    ),
    QuestionIn(code="nps", kind="rating", prompt="推荐意愿", scale="nps", required=False),
    QuestionIn(code="say", kind="text", prompt="建议", required=False, max_length=20),
]


def _fields(error: SubmissionInvalid) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


def test_a_complete_submission_becomes_long_format_rows(session: Session) -> None:
    survey, units, groups = make_survey(session, questions=QUESTIONS, groups=2)
    definition = load_definition(session, survey)
    data = SubmissionInput(
        group=groups[1].code,
        profile={"age": "old"},
        ratings={
            (u.code, "overall"): level
            for u, level in zip(units, ["satisfied", "dissatisfied", "dont_know"], strict=True)
        }
        | {(units[0].code, "nps"): "9"},
        answers={"heard": ["poster", "wechat"], "say": "  <b>多办实事</b>  "},
        comments={units[1].code: "窗口人少"},
    )
    plan = validate(definition, data)
    assert plan.group_id == groups[1].id
    assert plan.cell_key == "age=old"
    rated = {(a.unit_id, a.question): (a.level, a.value) for a in plan.answers if a.unit_id}
    assert rated[(units[0].id, "overall")] == ("satisfied", 100.0)
    assert rated[(units[1].id, "overall")] == ("dissatisfied", 0.0)
    assert rated[(units[2].id, "overall")] == ("dont_know", None)
    assert rated[(units[0].id, "nps")] == ("9", 9.0)
    assert sorted(a.level for a in plan.answers if a.question == "heard") == ["poster", "wechat"]
    texts = {(c.unit_id, c.question): c.text for c in plan.comments}
    # Stored as the text typed (trimmed), never interpreted as markup.
    assert texts[(None, "say")] == "<b>多办实事</b>"
    assert texts[(units[1].id, None)] == "窗口人少"


def test_every_problem_is_reported_with_its_field(session: Session) -> None:
    survey, units, _ = make_survey(session, questions=QUESTIONS, groups=2)
    definition = load_definition(session, survey)
    data = SubmissionInput(
        group="nobody",
        profile={"age": "ancient", "income": "high"},
        ratings={
            (units[0].code, "overall"): "delighted",
            ("NOPE", "overall"): "satisfied",
            (units[1].code, "overall"): "satisfied",
            (units[1].code, "ghost"): "satisfied",
            (units[0].code, "nps"): "11",
        },
        answers={"heard": ["poster", "poster"], "say": "太长了" * 10, "extra": "x"},
        comments={units[1].code: "x" * 100_000},
    )
    with pytest.raises(SubmissionInvalid) as caught:
        validate(definition, data)
    fields = _fields(caught.value)
    u0, u1, u2 = (u.code for u in units)
    assert fields == {
        "group": "Please choose who you are from the list.",
        "p.age": "Please choose one of the options.",
        "p.income": "This question is not part of the survey.",
        f"r.overall.{u0}": "This answer is not on the scale.",
        "r.overall.NOPE": "This unit is not part of the survey.",
        f"r.ghost.{u1}": "This question is not part of the survey.",
        f"r.overall.{u2}": "Please choose an answer.",
        f"r.nps.{u0}": "This answer is not on the scale.",
        "a.heard": "Please choose each option only once.",
        "a.say": "Please keep this under %(n)s characters.",
        "a.extra": "This question is not part of the survey.",
        f"c.{u1}": "Please keep this under %(n)s characters.",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bad \ufffd bytes", "This text contains characters that could not be read."),
        ("bell \x07", "This text contains control characters."),
    ],
)
def test_unreadable_text_is_refused(session: Session, text: str, message: str) -> None:
    survey, units, _ = make_survey(session, units=1)
    definition = load_definition(session, survey)
    data = SubmissionInput(
        ratings={(units[0].code, "overall"): "satisfied"}, comments={units[0].code: text}
    )
    with pytest.raises(SubmissionInvalid) as caught:
        validate(definition, data)
    assert _fields(caught.value) == {f"c.{units[0].code}": message}


def test_a_window_code_requires_only_its_unit(session: Session) -> None:
    survey, units, _ = make_survey(session, units=3)
    definition = load_definition(session, survey)
    only = SubmissionInput(
        only_unit=units[1].code, ratings={(units[1].code, "overall"): "basically_satisfied"}
    )
    plan = validate(definition, only)
    assert [(a.unit_id, a.level) for a in plan.answers] == [(units[1].id, "basically_satisfied")]
    with pytest.raises(SubmissionInvalid):
        validate(definition, SubmissionInput(ratings={(units[1].code, "overall"): "satisfied"}))


def test_the_same_answers_hash_alike_in_any_order(session: Session) -> None:
    survey, units, _ = make_survey(session, units=2)
    definition = load_definition(session, survey)
    one = {(units[0].code, "overall"): "satisfied", (units[1].code, "overall"): "dont_know"}
    two = dict(reversed(list(one.items())))
    assert (
        validate(definition, SubmissionInput(ratings=one)).content_hash
        == validate(definition, SubmissionInput(ratings=two)).content_hash
    )
    other = {**one, (units[1].code, "overall"): "dissatisfied"}
    assert (
        validate(definition, SubmissionInput(ratings=other)).content_hash
        != validate(definition, SubmissionInput(ratings=one)).content_hash
    )
