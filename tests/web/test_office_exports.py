"""Downloads from the office's results pages: formula payloads stay text, the workbooks read as
the office's pages do (Chinese headings, rounding as number formats, a sheet per category and a
method sheet), and only those who may read a page may download it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select, update

from survey import demo
from survey.ballots.models import BallotBatch
from survey.models import Comment, Evaluation, RespondentGroup, Role, Unit, UnitCategory
from tests.factories import PASSWORD, bearer, make_token, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# OWASP's formula starts: =, +, -, @, tab and carriage return.
PAYLOADS = (
    '=HYPERLINK("http://x","点我")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+2",
    "\r=1+2",
)
TYPED = PAYLOADS[:4]  # what the API keeps; it strips leading white space from names
STORED = PAYLOADS[4:]  # tab and CR starts reach the database by other routes (old imports)


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


@pytest.fixture
def evaluation_id(session: Session) -> int:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    return evaluation.id


def _as_xml_keeps(text: str) -> str:
    """XML has no bare carriage return (its readers turn it into a line feed)."""
    return text.replace("\r", "\n")


def _workbook(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def _cells(book: Workbook) -> Iterator[tuple[str, object, str]]:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet.title, cell.value, cell.data_type


def _csv_fields(content: bytes) -> list[str]:
    assert content.startswith(b"\xef\xbb\xbf")
    return [f for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for f in row]


def _plant_payloads(client: TestClient, session: Session, evaluation_id: int) -> None:
    """Formula payloads in unit, group and category names, comments and free-text answers."""
    api = bearer(make_token(session, Role.office))
    # Units of one category the demo's surveys and schemes rate (BM01 …).
    units = session.exec(
        select(Unit).where(col(Unit.code).startswith("BM")).order_by(col(Unit.code))
    ).all()
    for unit, payload in zip(units, TYPED, strict=False):
        response = client.patch(f"/api/v1/units/{unit.code}", json={"name": payload}, headers=api)
        assert response.status_code == 200, response.text
    groups = session.exec(select(RespondentGroup).order_by(col(RespondentGroup.code))).all()
    for group, payload in zip(groups, TYPED, strict=False):
        response = client.patch(f"/api/v1/groups/{group.code}", json={"name": payload}, headers=api)
        assert response.status_code == 200, response.text
    category = session.exec(select(UnitCategory).order_by(col(UnitCategory.code))).first()
    assert category is not None
    response = client.patch(
        f"/api/v1/categories/{category.code}", json={"name": "=1+1"}, headers=api
    )
    assert response.status_code == 200, response.text
    # Tab and CR starts, as an import from an older system could have left them.
    for unit, payload in zip(units[len(TYPED) :], STORED, strict=False):
        session.exec(update(Unit).where(col(Unit.id) == unit.id).values(name=payload))
    last_group = groups[-1]
    session.exec(
        update(RespondentGroup)
        .where(col(RespondentGroup.id) == last_group.id)
        .values(name=STORED[0])
    )
    comments = session.exec(
        select(Comment).where(Comment.evaluation_id == evaluation_id).order_by(col(Comment.text))
    ).all()
    assert len(comments) >= 2 * len(PAYLOADS)
    for n, payload in enumerate(PAYLOADS):
        on_unit, free_text = comments[2 * n], comments[2 * n + 1]
        on_unit.text = payload
        free_text.text = payload + " 建议"
        free_text.unit_id = None
        free_text.question = "suggestions"
        session.add_all([on_unit, free_text])
    session.commit()


def _downloads(client: TestClient, session: Session, evaluation_id: int) -> dict[str, bytes]:
    batch = session.exec(select(BallotBatch).where(BallotBatch.evaluation_id == evaluation_id))
    batch_id = batch.first().id  # type: ignore[union-attr]
    base = f"/office/evaluations/{evaluation_id}"
    urls = {
        "satisfaction.xlsx": f"{base}/satisfaction/export.xlsx",
        "satisfaction.csv": f"{base}/satisfaction/export.csv",
        "satisfaction-cells.csv": f"{base}/satisfaction/export.csv?table=cells",
        "composite.xlsx": f"{base}/composite/export.xlsx",
        "composite.csv": f"{base}/composite/export.csv",
        "ballots.xlsx": "/office/ballots/export/turnout.xlsx",
        "ballots.csv": "/office/ballots/export/turnout.csv",
        "ballot.xlsx": f"/office/ballots/{batch_id}/export.xlsx",
        "ballot.csv": f"/office/ballots/{batch_id}/export.csv",
    }
    files: dict[str, bytes] = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        files[name] = response.content
    return files


def test_formula_payloads_come_out_as_plain_text_in_every_export(
    client: TestClient, session: Session, evaluation_id: int
) -> None:
    _plant_payloads(client, session, evaluation_id)
    batch = session.exec(select(BallotBatch)).first()
    assert batch is not None
    batch.title = "-1+1 测评"  # ballot titles are typed by the office, too
    session.add(batch)
    session.commit()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    files = _downloads(client, session, evaluation_id)

    planted = {*PAYLOADS, *(p + " 建议" for p in PAYLOADS), "=1+1", "-1+1 测评"}
    for name, content in files.items():
        if name.endswith(".xlsx"):
            in_xml = {_as_xml_keeps(p) for p in planted}
            found = [(v, t) for _, v, t in _cells(_workbook(content)) if v in in_xml]
            assert found, name
            # Each payload is a text cell holding exactly what was typed, never a formula.
            assert all(t == "s" for _, t in found), (name, found)
            for sheet in _workbook(content).worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (name, sheet.title, cell.value)
        else:
            fields = _csv_fields(content)
            # A field that would start a formula carries a leading quote (OWASP).
            assert not [f for f in fields if f.startswith(("=", "+", "@", "\t", "\r"))], name
            assert not [f for f in fields if f.startswith("-") and not _is_number(f)], name
            assert any(f.startswith("'") and f[1:] in planted for f in fields), name

    satisfaction = _workbook(files["satisfaction.xlsx"])
    texts = {v for _, v, _ in _cells(satisfaction)}
    assert {_as_xml_keeps(p) for p in PAYLOADS} <= texts  # unit and group names, comments
    assert {_as_xml_keeps(p + " 建议") for p in PAYLOADS} <= texts  # free-text answers
    assert {"'" + p for p in PAYLOADS} <= set(_csv_fields(files["satisfaction.csv"])) | set(
        _csv_fields(files["satisfaction-cells.csv"])
    )
    composite = {v for _, v, _ in _cells(_workbook(files["composite.xlsx"]))}
    assert set(TYPED) & composite
    assert "=1+1" in _workbook(files["composite.xlsx"]).sheetnames  # a category's sheet
    cells_csv = _csv_fields(files["satisfaction-cells.csv"])
    assert {"'" + p for p in TYPED} <= set(cells_csv)  # group names in the cells table
    assert "'-1+1 测评" in _csv_fields(files["ballots.csv"])


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def test_workbooks_read_as_the_office_pages(
    client: TestClient, session: Session, evaluation_id: int
) -> None:
    make_user(session, Role.viewer, username="reader")
    api = bearer(make_token(session, Role.viewer))
    _sign_in(client, "reader")
    base = f"/office/evaluations/{evaluation_id}"
    page = client.get(f"{base}/satisfaction")
    assert f'href="{base}/satisfaction/export.xlsx"' in page.text
    assert "下载：" in page.text

    response = client.get(f"{base}/satisfaction/export.xlsx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    evaluation = session.get(Evaluation, evaluation_id)
    assert evaluation is not None
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert f"filename*=UTF-8''{quote(evaluation.name + '-满意度结果.xlsx', safe='')}" in disposition
    book = _workbook(response.content)
    # The categories the page shows, each as its own sheet, in the page's order.
    shown = client.get(f"/api/v1/evaluations/{evaluation_id}/satisfaction", headers=api).json()
    names = [c["name"] for c in shown["categories"]]
    assert len(names) >= 2
    assert book.sheetnames[: len(names)] == names
    assert book.sheetnames[-1] == "方法"
    assert "分评议主体结果" in book.sheetnames and "意见建议" in book.sheetnames
    sheet = book[names[0]]
    headings = [c.value for c in sheet[1]]
    assert headings[:4] == ["单位代码", "单位", "有效回答", "满意度得分"]
    assert sheet.freeze_panes == "A2"
    score = sheet.cell(row=2, column=4)
    # Full precision in the cell, the page's two decimals as its format.
    assert isinstance(score.value, float) and score.number_format == "0.00"
    assert round(score.value, 2) != score.value
    _significance_columns_match(sheet, shown)
    method = {r[0].value: r[1].value for r in book["方法"].iter_rows(min_row=2)}
    assert method["考核"] == evaluation.name
    assert method["样本少于此数的格子不显示"] == 5

    composite = _workbook(client.get(f"{base}/composite/export.xlsx").content)
    assert composite.sheetnames[-1] == "方法"
    first = composite.worksheets[0]
    assert [c.value for c in first[1]][:4] == ["名次", "单位代码", "单位", "总分"]
    total = first.cell(row=2, column=4)
    assert total.number_format == "0.00"  # the demo schemes rank totals at two decimals
    assert isinstance(total.value, float)
    assert first.freeze_panes == "A2"

    client.cookies.set("pingyi_lang", "en")
    english = client.get(f"{base}/satisfaction/export.csv")
    header = next(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert header[:3] == ["Category", "Unit code", "Unit"]


VERDICTS = {
    "与同类其他单位比较": ("vs_category", "同类其他单位"),
    "与上年比较": ("vs_previous", "上年"),
}
RELIABILITY = {"reliable": "可靠", "caution": "慎用", "not_reliable": "不可靠"}


def _significance_columns_match(sheet: Worksheet, shown: dict[str, Any]) -> None:
    """Each unit's significance and reliability columns say what the API says of it."""
    headings = [c.value for c in sheet[1]]
    at = {h: i for i, h in enumerate(headings)}
    units = {u["unit"]: u for u in shown["units"]}
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    verdicts: set[str] = set()
    for row in rows:
        unit = units[row[at["单位代码"]]]
        assert row[at["变异系数"]] == pytest.approx(unit["cv"])
        assert row[at["可靠性"]] == (
            RELIABILITY[unit["reliability"]] if unit["reliability"] else None
        )
        assert (
            row[at["主体意见分歧"]]
            == {True: "是", False: "否", None: None}[unit["groups_disagree"]]
        )
        for heading, (key, against) in VERDICTS.items():
            test = unit[key]
            verdict = row[at[heading]]
            if test is None:
                assert verdict is None
                continue
            verdicts.add(verdict)
            if not test["significant"]:
                assert verdict == "差异不显著"
            else:
                side = "高于" if test["difference"] > 0 else "低于"
                assert verdict == f"显著{side}{against}"
        category = unit["vs_category"]
        if category is not None:
            assert row[at["与同类其他单位均值之差"]] == pytest.approx(category["difference"])
            assert row[at["校正后 p（与同类比较）"]] == pytest.approx(category["p_adjusted"])
        previous = unit["vs_previous"]
        if previous is not None:
            assert row[at["上年得分"]] == pytest.approx(previous["previous_score"])
            assert row[at["较上年变化"]] == pytest.approx(previous["difference"])
            assert row[at["校正后 p（与上年比较）"]] == pytest.approx(previous["p_adjusted"])
    # The demo city's first category has units tested both ways.
    assert any(units[r[at["单位代码"]]]["vs_previous"] for r in rows)
    assert any(units[r[at["单位代码"]]]["vs_category"] for r in rows)
    assert verdicts


def test_only_office_readers_download_and_unknown_ids_are_404(
    client: TestClient, session: Session, evaluation_id: int
) -> None:
    base = f"/office/evaluations/{evaluation_id}"
    anonymous = client.get(f"{base}/satisfaction/export.xlsx", follow_redirects=False)
    assert anonymous.status_code == 303 and "/office/login" in anonymous.headers["location"]

    unit = session.exec(select(Unit)).first()
    assert unit is not None
    make_user(session, Role.unit, username="unit-account", unit_code=unit.code)
    _sign_in(client, "unit-account")
    for url in (
        f"{base}/satisfaction/export.xlsx",
        f"{base}/satisfaction/export.csv",
        f"{base}/composite/export.xlsx",
        "/office/ballots/export/turnout.csv",
    ):
        assert client.get(url).status_code == 403, url

    client.cookies.clear()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    assert client.get("/office/evaluations/999999/satisfaction/export.xlsx").status_code == 404
    assert client.get("/office/evaluations/999999/composite/export.csv").status_code == 404
    assert client.get("/office/ballots/999999/export.xlsx").status_code == 404
    assert client.get(f"{base}/satisfaction/export.pdf").status_code in (404, 422)
    assert client.get(f"{base}/satisfaction/export.csv?period=Q9").status_code == 404
