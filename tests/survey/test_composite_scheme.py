"""Scheme files: validation with the line and field of every problem, versions, export."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from survey.composite import scheme as schemes
from survey.composite.models import CompositeScheme
from survey.errors import Conflict, Invalid
from survey.models import AuditLog, EvaluationStatus, UnitCategory
from tests.factories import ACTOR, make_category, make_evaluation, make_group

GOOD = """\
# a small scheme
category: {category}
title: 测试方案
periods:
  codes: [Q1, H1, Q1-Q3, year]
  weights: [0.1, 0.2, 0.3, 0.4]
blocks:
  - code: development
    name: 发展
    weight: 0.8
    indicators:
      - code: gdp
        name: 地区生产总值
        weight: 0.6
        method: efficacy_coefficient
        source: {{type: hard, indicator: gdp}}
      - code: revenue
        name: 财政收入
        weight: 0.4
        method: target_completion
        params: {{cap: 1.2}}
        source: {{type: hard, indicator: revenue, period: year}}
  - code: appraisal
    name: 评议
    weight: 0.2
    indicators:
      - code: satisfaction
        name: 满意度
        weight: 1
        source: {{type: satisfaction, groups: [{group}]}}
adjustments:
  - code: bonus
    name: 加减分
    items:
      - {{code: honour, name: 表彰, low: 2, high: 8}}
"""


def _problems(session: Session, text: str) -> list[tuple[int | None, str, str]]:
    _, problems = schemes.parse_schemes(text, session)
    return [(p.line, p.path, p.message % p.params) for p in problems]


@pytest.fixture
def codes(session: Session) -> dict[str, str]:
    category = make_category(session)
    group = make_group(session)
    return {"category": category.code, "group": group.code}


def test_a_good_scheme_validates(session: Session, codes: dict[str, str]) -> None:
    report = schemes.validate_text(session, GOOD.format(**codes))
    assert report.valid and report.schemes == [codes["category"]] and report.problems == []


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        # Weights of the two blocks add up to 0.9: the root's first block line is named.
        (("weight: 0.2\n    indicators:", "weight: 0.1\n    indicators:"), 8, "blocks", "0.9"),
        # A parameter the method does not have.
        (
            ("params: {cap: 1.2}", "params: {capp: 1.2}"),
            21,
            "blocks[0].indicators[1].params.capp",
            "not expected here",
        ),
        # A parameter the library refuses (cap must be > 0).
        (
            ("params: {cap: 1.2}", "params: {cap: -1}"),
            21,
            "blocks[0].indicators[1].params.cap",
            "must be greater than 0",
        ),
        # Parameters each valid alone that the library's typed parameters refuse together
        # (checked when the scheme is read, before any value is scored).
        (
            (
                "method: target_completion\n        params: {cap: 1.2}",
                "method: z_score\n        params: {clip_low: 60, clip_high: 50}",
            ),
            21,
            "blocks[0].indicators[1].params",
            "clip_low 60 must be below clip_high 50",
        ),
        # Not a number.
        (
            ("weight: 0.6", "weight: lots"),
            14,
            "blocks[0].indicators[0].weight",
            "a number is expected",
        ),
        # The source names no indicator (the union's tag is not part of the field).
        (
            "source: {type: hard, indicator: gdp}",
            16,
            "blocks[0].indicators[0].source.indicator",
            "a value is required",
        ),
        # An unknown method.
        (
            ("method: efficacy_coefficient", "method: magic"),
            15,
            "blocks[0].indicators[0].method",
            "must be one of: target_completion, efficacy_coefficient",
        ),
        # Period weights that do not add up to 1.
        (
            ("weights: [0.1, 0.2, 0.3, 0.4]", "weights: [0.1, 0.2, 0.3, 0.3]"),
            5,
            "periods",
            "sum to 1",
        ),
        # An unknown respondent group.
        (
            ("groups: [{group}]", "groups: [nobody]"),
            30,
            "blocks[1].indicators[0].source.groups[0]",
            "nobody",
        ),
        # An unknown category.
        (("category: {category}", "category: nowhere"), 2, "category", "nowhere"),
        # A bonus item whose bounds are reversed.
        (("low: 2, high: 8", "low: 8, high: 2"), 32, "adjustments[0]", "item_low"),
    ],
)
def test_problems_name_their_line_and_field(
    session: Session,
    codes: dict[str, str],
    change: tuple[str, str] | str,
    line: int,
    field: str,
    words: str,
) -> None:
    text = GOOD.format(**codes)
    if isinstance(change, tuple):
        before = change[0].replace("{group}", codes["group"])
        before = before.replace("{category}", codes["category"])
        assert before in text
        text = text.replace(before, change[1])
    else:
        assert change in text
        text = text.replace(change, "source: {type: hard}")
    problems = _problems(session, text)
    assert problems, text
    found = [p for p in problems if p[1] == field]
    assert found, problems
    shown_line, _, message = found[0]
    assert shown_line == line, problems
    assert words in message, message
    assert message.startswith(f"Line {line}, ")


def test_more_problems_at_once_and_yaml_errors(session: Session, codes: dict[str, str]) -> None:
    text = GOOD.format(**codes).replace("weight: 0.6", "weight: 0.6\n        weight: 0.5")
    problems = _problems(session, text)
    assert (15, "blocks[0].indicators[0].weight", "Line 15, blocks[0].indicators[0].weight: "
            "the key appears twice.") in problems  # fmt: skip
    broken = "category: x\nblocks: [\n  - code: a\n"
    (problem,) = _problems(session, broken)
    assert problem[0] == 3 and "not valid YAML" in problem[2]
    mixed = GOOD.format(**codes).replace("    weight: 0.2\n    indicators:", "    indicators:")
    messages = [p[2] for p in _problems(session, mixed)]
    assert any("the other children of this block have weights" in m for m in messages)
    points = (
        GOOD.format(**codes)
        .replace("weight: 0.8", "points: 80")
        .replace("    weight: 0.2\n    indicators:", "    points: 20\n    indicators:")
    )
    assert _problems(session, points) == []
    no_points = points.replace("    points: 20\n    indicators:", "    indicators:").replace(
        "        weight: 1\n", ""
    )
    assert any(
        f == "blocks[1].indicators[0].points" and "needs points" in m
        for _, f, m in _problems(session, no_points)
    )


def test_import_stores_versions_and_nothing_when_one_scheme_is_bad(
    session: Session, codes: dict[str, str]
) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    other = make_category(session)
    text = GOOD.format(**codes)
    second = GOOD.format(category=other.code, group=codes["group"])
    stored = schemes.import_text(
        session, evaluation.id, text + "---\n" + second, ACTOR, note="第一版"
    )
    assert [(s.category, s.version) for s in stored] == [(codes["category"], 1), (other.code, 1)]
    # The first document keeps its comment: each scheme's text is stored as written.
    row = schemes.get_scheme(session, evaluation.id, codes["category"])
    assert row.source.startswith("# a small scheme")
    assert row.definition["blocks"][0]["code"] == "development"

    broken = second.replace("weight: 0.6", "weight: 0.7")
    with pytest.raises(schemes.SchemeRejected) as refused:
        schemes.import_text(session, evaluation.id, text + "---\n" + broken, ACTOR)
    # The second document's first block, whose children now weigh 0.7 + 0.4: its line
    # counts from the top of the file.
    assert refused.value.errors[0].line == (text + "---\n").count("\n") + 8
    assert session.exec(select(CompositeScheme)).all().__len__() == 2

    again = schemes.import_text(session, evaluation.id, text, ACTOR, note="第二版")
    assert again[0].version == 2
    history = schemes.history(session, evaluation.id, codes["category"])
    assert [(h.version, h.note) for h in history] == [(2, "第二版"), (1, "第一版")]
    assert schemes.get_scheme(session, evaluation.id, codes["category"], 1).version == 1
    exported = schemes.export_text(session, evaluation.id)
    parsed, problems = schemes.parse_schemes(exported, session)
    assert problems == [] and [p.spec.category for p in parsed] == [codes["category"], other.code]
    assert exported.startswith("# a small scheme")
    audit = session.exec(select(AuditLog).where(AuditLog.action == "composite_scheme.import"))
    assert len(audit.all()) == 3

    with pytest.raises(schemes.SchemeRejected):
        schemes.import_text(session, evaluation.id, text + "---\n" + text, ACTOR)


def test_json_schemes_and_published_evaluations(session: Session, codes: dict[str, str]) -> None:
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    parsed, _ = schemes.parse_schemes(GOOD.format(**codes), session)
    body = parsed[0].spec.model_dump(mode="json", exclude_defaults=True)
    stored = schemes.put_scheme(session, evaluation.id, codes["category"], body, ACTOR, note="JSON")
    assert stored.version == 1
    # The JSON is kept as YAML, and problems refer to the lines of that YAML.
    row = schemes.get_scheme(session, evaluation.id, codes["category"])
    assert "category: " + codes["category"] in row.source
    body["blocks"][0]["weight"] = 0.5
    with pytest.raises(schemes.SchemeRejected) as refused:
        schemes.put_scheme(session, evaluation.id, codes["category"], body, ACTOR)
    assert refused.value.errors[0].line is not None
    with pytest.raises(Invalid):
        schemes.put_scheme(session, evaluation.id, "elsewhere", body, ACTOR)
    published = make_evaluation(session, status=EvaluationStatus.published)
    assert published.id is not None
    with pytest.raises(Conflict):
        schemes.import_text(session, published.id, GOOD.format(**codes), ACTOR)
    assert session.exec(select(UnitCategory)).all()
