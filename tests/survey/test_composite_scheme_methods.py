"""Schemes with entropy, AHP and TOPSIS blocks: what the check refuses, and the workbook."""

from __future__ import annotations

import pytest

from survey.composite import scheme as schemes
from survey.composite.schemas import SchemeSpec
from survey.composite.scheme_workbook import read_workbook, to_workbook
from web.i18n import gettext

HEAD = """category: dept-social
blocks:
  - code: econ
    name: 经济
    points: 60
"""
CRITERIA = """    indicators:
      - {code: a, name: 甲, METHOD source: {type: hard, indicator: m_a, period: year}}
      - {code: b, name: 乙, METHOD source: {type: hard, indicator: m_b, period: year}}
      - {code: c, name: 丙, METHOD direction: lower,
         source: {type: hard, indicator: m_c, period: year}}
"""
SCORED = CRITERIA.replace("METHOD", "method: min_max,")


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    _parsed, problems = schemes.parse_schemes(text)
    return [(p.line, p.path, gettext("zh-CN", p.message, **p.params)) for p in problems]


def test_valid_schemes_with_each_method() -> None:
    ahp = HEAD + "    weighting: {method: ahp, matrix: [[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]}\n"
    assert _problems(ahp + SCORED) == []
    assert _problems(HEAD + "    weighting: {method: entropy}\n" + SCORED) == []
    weighted = (
        CRITERIA.replace("甲, METHOD", "甲, weight: 0.5,")
        .replace("乙, METHOD", "乙, weight: 0.3,")
        .replace("丙, METHOD", "丙, weight: 0.2,")
    )
    assert _problems(HEAD + "    topsis: {normalisation: min_max}\n" + weighted) == []
    both = (
        HEAD + "    topsis: {}\n    weighting: {method: entropy}\n" + CRITERIA.replace("METHOD", "")
    )
    assert _problems(both) == []


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        # lambda_max = 1 + 9^(-1) + 9 (3x3 closed form), CI = 3.5556, CR = 6.130
        ("[[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]", "一致性比率 CR = 6.130，超过 0.1"),
        ("[[1, 3, 5], [3, 1, 3], [1/5, 1/3, 1]]", "3不是对称位置（第1行第2列）3的倒数"),
        ("[[1, 3], [1/3, 1]]", "判断矩阵有2行，而该板块有3个子项"),
        ("[[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, x]]", "x不是正数或分数"),
        ("[[2, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]", "子项与自身比较应为1，而不是2"),
    ],
)
def test_ahp_matrix_problems_are_named_in_chinese(matrix: str, expected: str) -> None:
    text = HEAD + f"    weighting: {{method: ahp, matrix: {matrix}}}\n" + SCORED
    found = _problems(text)
    assert len(found) == 1, found
    line, path, message = found[0]
    assert line == 6 and path.startswith("blocks[0].weighting.matrix")
    assert expected in message, message


def test_entropy_and_topsis_rules() -> None:
    nested = (
        HEAD
        + "    weighting: {method: entropy, matrix: [[1]]}\n"
        + SCORED.replace("甲, method: min_max,", "甲, weight: 0.5, method: min_max,")
        + "    blocks:\n      - {code: sub, name: 子, indicators: []}\n"
    )
    messages = " | ".join(m for _, _, m in _problems(nested))
    assert "只有层次分析法需要判断矩阵" in messages
    assert "熵权法由指标数值求权重，含下级板块的板块不能使用" in messages
    assert "此处不应再给权重" in messages
    with_goals = (
        HEAD
        + "    weighting: {method: entropy}\n"
        + SCORED
        + "      - {code: goals, name: 创优, source: {type: excellence}}\n"
    )
    assert [(p, m[-21:]) for _, p, m in _problems(with_goals)] == [
        ("blocks[0].indicators[3].source", "熵权法不能用于创优目标，其得分含难度系数。")
    ]

    topsis = (
        HEAD
        + "    topsis: {}\n"
        + SCORED.replace("丙, method: min_max, direction: lower,", "丙, direction: lower,").replace(
            "period: year}}\n      - {code: b", "periods: {codes: [Q1, Q2]}}}\n      - {code: b"
        )
    )
    found = {path: m for _, path, m in _problems(topsis)}
    assert "TOPSIS评价指标直接按数值比较" in found["blocks[0].indicators[0].method"]
    assert "只取一个时段" in found["blocks[0].indicators[0].source.period"]
    assert "请为每个评价指标给出权重" in found["blocks[0].topsis"]


def _zh(message: str) -> str:
    return gettext("zh-CN", message)


def _en(message: str) -> str:
    return gettext("en", message)


def test_methods_come_back_from_the_workbook() -> None:
    text = (
        HEAD
        + '    weighting: {method: ahp, matrix: [[1, 3, 5], ["1/3", 1, 3], [0.2, "1/3", 1]]}\n'
        + SCORED
        + """  - code: top
    name: 优选
    points: 40
    topsis: {normalisation: min_max}
    weighting: {method: entropy}
"""
        + CRITERIA.replace("METHOD", "")
    )
    parsed, problems = schemes.parse_schemes(text)
    assert problems == []
    spec = parsed[0].spec
    reading = read_workbook(to_workbook(spec, _zh), [_zh, _en])
    assert reading.problems == []
    assert isinstance(reading.spec, SchemeSpec)
    assert reading.spec == spec
