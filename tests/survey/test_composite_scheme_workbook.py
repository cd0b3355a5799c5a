"""Scheme workbooks: every demo scheme survives XLSX and back, edits show as changes, problems
name their cell, and text that looks like a formula stays text."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from survey.composite import scheme as schemes
from survey.composite.demo_schemes import scheme_file
from survey.composite.schemas import SchemeSpec
from survey.composite.scheme_diff import scheme_changes
from survey.composite.scheme_workbook import read_workbook, to_workbook
from survey.errors import Message
from tests.factories import make_category, make_group
from web.i18n import gettext, translate

ZH = "zh-CN"


def _zh(message: str) -> str:
    return gettext(ZH, message)


def _en(message: str) -> str:
    return gettext("en", message)


def _demo_specs() -> list[SchemeSpec]:
    specs: list[SchemeSpec] = []
    for year in (2025, 2026):
        parsed, problems = schemes.parse_schemes(scheme_file(year))
        assert problems == []
        specs.extend(p.spec for p in parsed)
    return specs


DEMO = _demo_specs()


@pytest.mark.parametrize("spec", DEMO, ids=[f"{s.category}-{s.title}" for s in DEMO])
def test_every_demo_scheme_comes_back_from_its_workbook(spec: SchemeSpec) -> None:
    for language, words in ((ZH, _zh), ("en", _en)):
        reading = read_workbook(to_workbook(spec, words), [words])
        assert reading.problems == [], language
        assert reading.spec == spec, language
    # Downloaded in Chinese, uploaded by someone whose pages speak English.
    assert read_workbook(to_workbook(spec, _zh), [_en, _zh]).spec == spec


def _sheets(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def _save(workbook: Any) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _row_of(sheet: Any, column: int, value: str) -> int:
    for row in sheet.iter_rows(min_row=2):
        if row[column - 1].value == value:
            return int(row[0].row)
    raise AssertionError(f"{value} not on {sheet.title}")


def test_the_workbook_speaks_chinese_with_dropdowns_and_frozen_headings() -> None:
    spec = next(s for s in DEMO if s.category == "district-urban")
    book = _sheets(to_workbook(spec, _zh))
    assert book.sheetnames[:9] == [
        "方案",
        "指标块",
        "指标",
        "等次",
        "期间权重",
        "加减分",
        "系数",
        "预警",
        "并列排序",
    ]
    indicators = book["指标"]
    headings = [c.value for c in indicators[1]]
    assert headings[:8] == [
        "板块路径",
        "编码",
        "名称",
        "英文名称",
        "分值",
        "权重",
        "方向",
        "计分方法",
    ]
    assert indicators.freeze_panes == "A2"
    assert indicators.column_dimensions["C"].width >= 20
    row = _row_of(indicators, 2, "rd")
    assert indicators.cell(row, 8).value == "标准分法" or indicators.cell(row, 8).value == _zh(
        "standard score"
    )
    assert indicators.cell(row, 7).value == "越高越好"
    lists = {str(v.sqref): v.formula1 for v in indicators.data_validations.dataValidation}
    assert any(ref.startswith("H2:") for ref in lists)  # the method column offers its choices
    assert book["选项"].sheet_state == "hidden"
    grades = book["等次"]
    assert [grades.cell(r, 1).value for r in range(2, 6)] == ["优秀", "良好", "合格", "不合格"]
    assert grades.cell(2, 2).value == 85


def test_formula_payloads_stay_text_both_ways() -> None:
    spec = next(s for s in DEMO if s.category == "dept-economic")
    data = spec.model_dump(mode="json")
    payloads = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]
    data["title"] = payloads[0]
    data["blocks"][0]["name"] = payloads[1]
    data["blocks"][0]["indicators"][0]["name"] = payloads[2]
    data["blocks"][0]["indicators"][0]["name_en"] = payloads[3]
    data["grades"]["names"][0] = payloads[4]
    data["blocks"][0]["indicators"][1]["name_en"] = payloads[5]
    spec = SchemeSpec.model_validate(data)
    raw = to_workbook(spec, _zh)
    book = _sheets(raw)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    assert book["方案"].cell(3, 2).value == payloads[0]
    assert book["方案"].cell(3, 2).quotePrefix  # Excel keeps it text when the cell is edited
    # The XML holds them as strings, not as <f> formulas.
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
    back = read_workbook(raw, [_zh]).spec
    assert back is not None and back.title == payloads[0]
    assert back == spec and back.blocks[0].name == payloads[1]


def _changes(old: SchemeSpec, new: SchemeSpec) -> list[str]:
    return [translate(ZH, m) for m in scheme_changes(old, new)]


def edit_department_workbook(data: bytes) -> bytes:
    """Key goals down from 35 to 30 points, a new 5-point indicator beside it, a grade line up."""
    book = _sheets(data)
    indicators = book["指标"]
    row = _row_of(indicators, 2, "key_tasks")
    assert indicators.cell(row, 5).value == 35
    indicators.cell(row, 5).value = 30
    last = indicators.max_row + 1
    cells = ["business", "=new_one", "=新增指标", None, 5, None, "越低越好", "目标完成度法"]
    cells += [None, "硬指标数据", "new_one", "year"]
    for column, value in enumerate(cells, start=1):
        indicators.cell(last, column).value = value
        indicators.cell(last, column).data_type = "s" if isinstance(value, str) else "n"
    indicators.cell(last, 2).value = "new_one"
    book["等次"].cell(2, 2).value = 91
    return _save(book)


def test_an_edited_workbook_lists_its_changes_in_chinese() -> None:
    spec = next(s for s in DEMO if s.category == "dept-economic")
    reading = read_workbook(edit_department_workbook(to_workbook(spec, _zh)), [_zh])
    assert reading.problems == []
    assert reading.spec is not None
    added = reading.spec.blocks[0].indicators[-1]
    assert (added.code, added.name, added.direction, added.method) == (
        "new_one",
        "=新增指标",
        "lower",
        "target_completion",
    )
    lines = _changes(spec, reading.spec)
    assert lines == [
        "指标重点目标（key_tasks）的分值：35 → 30。",
        "新增指标：=新增指标（new_one），位于业务目标（business）。",
        "等次的分数线：90, 80, 60 → 91, 80, 60。",
    ] or sorted(lines) == sorted(
        [
            "新增指标：=新增指标（new_one），位于业务目标（business）。",
            "指标重点目标（key_tasks）的分值：35 → 30。",
            "等次的分数线：90, 80, 60 → 91, 80, 60。",
        ]
    )
    assert _changes(spec, spec) == []


def test_changes_name_added_and_removed_indicators_and_settings() -> None:
    spec = next(s for s in DEMO if s.category == "district-urban")
    data = spec.model_dump(mode="json")
    removed = data["blocks"][1]["indicators"].pop()
    data["blocks"][1]["indicators"].append(
        {**removed, "code": "fresh", "name": "新指标", "method": "min_max"}
    )
    data["interview"] = None
    lines = _changes(spec, SchemeSpec.model_validate(data))
    assert f"删除指标：{removed['name']}（{removed['code']}）。" in lines
    assert any(line.startswith("新增指标：新指标（fresh），位于") for line in lines)
    assert "约谈名单：是 → 否。" in lines
    assert _changes(spec, spec) == []
    assert translate(ZH, Message("(none)")) == "（无）"


def test_problems_name_sheet_row_and_column(session: Session) -> None:
    category = make_category(session)
    group = make_group(session)
    spec = next(s for s in DEMO if s.category == "dept-economic")
    data = spec.model_dump(mode="json")
    data["category"] = category.code
    for block in data["blocks"]:
        for ind in block["indicators"]:
            if ind.get("source", {}) and ind["source"]["type"] == "satisfaction":
                ind["source"]["groups"] = [group.code]
    good = SchemeSpec.model_validate(data)
    book = _sheets(to_workbook(good, _zh))
    assert read_workbook(_save(book), [_zh], session).spec == good

    indicators = book["指标"]
    row = 3
    indicators.cell(row, 5).value = "十分"  # points: not a number
    indicators.cell(row + 1, 8).value = "猜测法"  # not a method
    reading = read_workbook(_save(book), [_zh], session)
    assert reading.spec is None
    where = {(p.sheet, p.row, p.column) for p in reading.problems}
    assert ("指标", row, "E") in where and ("指标", row + 1, "H") in where
    bad_points = next(p for p in reading.problems if p.column == "E")
    assert bad_points.heading == "分值" and bad_points.params == {"value": "十分"}

    book = _sheets(to_workbook(good, _zh))
    book["方案"].cell(2, 2).value = "no-such-category"
    assert book["预警"].cell(2, 5).value == 93
    book["预警"].cell(2, 5).value = None  # neither a largest fall nor a warning level
    reading = read_workbook(_save(book), [_zh], session)
    assert reading.spec is None
    checked = [(p.sheet, p.row, p.column) for p in reading.problems if p.checked]
    assert ("方案", 2, "B") in checked  # the category the database does not know
    assert ("预警", 2, "A") in checked


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    reading = read_workbook(b"not a zip", [_zh])
    assert reading.spec is None
    assert reading.problems[0].message == "The file cannot be read as an XLSX workbook."
