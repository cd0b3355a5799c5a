"""The audit log page and its XLSX export over HTTP, and ``pingyi audit`` as a subprocess."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from survey import audit
from survey.models import Role
from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run
from tests.factories import PASSWORD, make_user
from tests.web.test_pages_speak_chinese import SNAKE, _visible

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ROW = re.compile(r'<td data-action="([a-z_.]+)">')
FORMULA = '=HYPERLINK("http://x","点我")'


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _seed(session: Session) -> None:
    """Sixty entries over three days, by two people, of three kinds, one with a formula."""
    for n in range(60):
        entry = audit.record(
            session,
            "zhang" if n % 2 else "li",
            ("unit.update", "ballot_codes.issue", "weights.set")[n % 3],
            target_type=("unit", "ballot_batch", "category")[n % 3],
            target_id=f"U{n}",
            count=n,
        )
        entry.at = datetime(2026, 11, 1 + n % 3, 9, n % 60, tzinfo=UTC)
    formula = audit.record(
        session, "zhang", "unit.update", target_type="unit", target_id=FORMULA, name=FORMULA
    )
    formula.at = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
    session.commit()


def test_the_office_filters_and_pages_the_log_in_chinese(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="auditor", role=Role.office)
    _seed(session)
    _sign_in(client, "auditor")
    page = client.get("/office/audit")
    assert page.status_code == 200
    assert "共 62 条" in page.text  # the sixty, the formula and the sign-in just now
    assert len(ROW.findall(page.text)) == 50
    assert "第 1 页，共 2 页" in page.text
    visible = " ".join(_visible(page.text))
    assert "修改单位" in visible and "发放测评码" in visible and "设置群体权重" in visible
    assert "登录" in visible
    assert not SNAKE.findall(visible), SNAKE.findall(visible)
    assert "ballot_codes" not in visible and "unit.update" not in visible
    assert FORMULA not in page.text  # escaped, not markup
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;点我&#34;)" in page.text

    second = client.get("/office/audit", params={"page": 2})
    assert len(ROW.findall(second.text)) == 12

    narrowed = client.get(
        "/office/audit",
        params={
            "who": "zhang",
            "action": "unit.update",
            "since": "2026-11-02",
            "until": "2026-11-02",
        },
    )
    # Odd n with n % 3 == 0 fall on 1 November; n % 3 == 1 on the 2nd: none is unit.update.
    assert ROW.findall(narrowed.text) == []
    by_day = client.get(
        "/office/audit",
        params={"action": "unit.update", "since": "2026-11-01", "until": "2026-11-01"},
    )
    assert ROW.findall(by_day.text) == ["unit.update"] * 20
    by_object = client.get("/office/audit", params={"object_type": "unit", "object_id": "U3"})
    assert ROW.findall(by_object.text) == ["unit.update"]
    assert "单位 U3" in " ".join(_visible(by_object.text))

    wrong = client.get("/office/audit", params={"since": "2026-13-01"})
    assert wrong.status_code == 422 and "年-月-日" in wrong.text
    backwards = client.get("/office/audit", params={"since": "2026-11-03", "until": "2026-11-01"})
    assert backwards.status_code == 422 and "起始日期晚于结束日期" in backwards.text


def test_only_the_office_reads_the_log(client: TestClient, session: Session) -> None:
    assert client.get("/office/audit", follow_redirects=False).status_code in (303, 401)
    for role in (Role.viewer, Role.clerk):
        make_user(session, username=f"no-{role}", role=role)
        _sign_in(client, f"no-{role}")
        assert client.get("/office/audit").status_code == 403
        assert client.get("/office/audit/export.xlsx").status_code == 403
        assert "操作日志" not in client.get("/office").text
    make_user(session, username="head", role=Role.admin)
    _sign_in(client, "head")
    assert client.get("/office/audit").status_code == 200
    assert "操作日志" in client.get("/office").text


def test_the_export_holds_the_filtered_view_as_text(client: TestClient, session: Session) -> None:
    make_user(session, username="auditor", role=Role.office)
    _seed(session)
    _sign_in(client, "auditor")
    page = client.get("/office/audit", params={"who": "zhang", "action": "unit.update"})
    link = re.search(r'href="([^"]+)" id="audit-export"', page.text).group(1)  # type: ignore[union-attr]
    export = client.get(link.replace("&amp;", "&"))
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "时间（协调世界时）",
        "操作人",
        "操作",
        "对象",
        "对象编号",
        "详情",
        "网络地址",
    )
    # zhang's unit.update entries: odd n with n % 3 == 0 (n = 3, 9, ... 57), and the formula.
    assert len(rows) == 1 + 10 + 1
    assert {row[2] for row in rows[1:]} == {"修改单位"}
    formula_rows = [row for row in sheet.iter_rows(min_row=2) if row[4].value == FORMULA]
    assert len(formula_rows) == 1
    assert formula_rows[0][4].data_type == "s"  # text, not a formula
    assert FORMULA in str(formula_rows[0][5].value) and formula_rows[0][5].data_type == "s"


@pytest.mark.own_sqlite
def test_cli_lists_and_exports_the_log(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    listed = _run(
        tmp_path, "audit", "list", "--action", "survey.create", "--limit", "5", COLUMNS="200"
    )
    assert listed.returncode == 0, listed.stderr
    assert "Created a survey" in listed.stdout and "of 2 entries" in listed.stdout
    chinese = _run(tmp_path, "audit", "list", "--object", "survey", PINGYI_DEFAULT_LANGUAGE="zh-CN")
    assert "新建问卷" in chinese.stdout
    book = tmp_path / "audit.xlsx"
    exported = _run(
        tmp_path,
        "audit",
        "export",
        str(book),
        "--who",
        "demo-loader",
        PINGYI_DEFAULT_LANGUAGE="zh-CN",
    )
    assert exported.returncode == 0, exported.stderr
    sheet = load_workbook(book).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间（协调世界时）", "操作人", "操作")
    assert len(rows) > 10 and {row[1] for row in rows[1:]} == {"demo-loader"}
    bad = _run(tmp_path, "audit", "list", "--since", "yesterday")
    assert bad.returncode == 2 and "2026-12-01" in bad.stderr
