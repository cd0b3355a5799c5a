"""Scheme workbooks over HTTP: download, upload an edited one, read the changes, confirm it as
the next version; a workbook with problems lists its cells and stores nothing."""

from __future__ import annotations

import html
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from survey.accounts import Principal
from survey.composite import scheme as schemes
from survey.composite.demo_schemes import scheme_file
from survey.composite.models import CompositeScheme
from survey.models import AuditLog, Role
from tests.factories import PASSWORD, make_category, make_evaluation, make_user
from tests.survey.test_composite_scheme_workbook import edit_department_workbook

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
HIDDEN = re.compile(r'name="(payload|signature)" value="([^"]*)"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _department_scheme(session: Session) -> tuple[int, str]:
    """An evaluation whose one category has the demo's economic departments' scheme, v1."""
    category = make_category(session)
    evaluation = make_evaluation(session)
    assert evaluation.id is not None
    parsed, _ = schemes.parse_schemes(scheme_file(2026))
    spec = next(p.spec for p in parsed if p.spec.category == "dept-economic")
    spec = spec.model_copy(update={"category": category.code})
    keeper = Principal(name="keeper", role=Role.office)
    schemes.import_text(session, evaluation.id, schemes.spec_to_yaml(spec), keeper, note="初版")
    return evaluation.id, category.code


def _versions(session: Session) -> list[int]:
    session.expire_all()
    return [r.version for r in session.exec(select(CompositeScheme))]


def test_an_edited_workbook_shows_its_changes_and_becomes_the_next_version(
    client: TestClient, session: Session
) -> None:
    evaluation_id, category = _department_scheme(session)
    make_user(session, Role.office, username="editor")
    token = _sign_in(client, "editor")
    base = f"/office/evaluations/{evaluation_id}/composite/schemes"

    page = client.get(base).text
    download = f"{base}/{category}/workbook"
    assert f'href="{download}"' in page and "下载方案工作簿" in page
    assert f'action="{base}/workbook"' in page and "上传方案工作簿" in page

    got = client.get(download)
    assert got.status_code == 200 and got.headers["content-type"] == XLSX
    assert "attachment" in got.headers["content-disposition"]
    assert load_workbook(io.BytesIO(got.content)).sheetnames[0] == "方案"

    edited = edit_department_workbook(got.content)
    shown = client.post(
        f"{base}/workbook",
        data={"csrf_token": token},
        files={"file": ("方案.xlsx", edited, XLSX)},
    )
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    assert "与第1版相比的变化；确认后保存为第2版。" in text
    assert "指标重点目标（key_tasks）的分值：35 → 30。" in text
    assert "新增指标：=新增指标（new_one），位于业务目标（business）。" in text
    assert "等次的分数线：90, 80, 60 → 91, 80, 60。" in text
    assert _versions(session) == [1]  # a preview stores nothing
    hidden = dict(HIDDEN.findall(shown.text))

    # No reason, or a payload altered after signing: refused, nothing stored.
    no_reason = client.post(
        f"{base}/workbook/confirm", data={"csrf_token": token, **hidden, "note": " "}
    )
    assert no_reason.status_code == 422 and "请填写修改原因。" in no_reason.text
    assert dict(HIDDEN.findall(no_reason.text)) == hidden  # the preview stays to confirm from
    forged = client.post(
        f"{base}/workbook/confirm",
        data={
            "csrf_token": token,
            "payload": hidden["payload"][:-4] + "AAAA",
            "signature": hidden["signature"],
            "note": "篡改",
        },
    )
    assert forged.status_code == 422 and "请重新上传工作簿" in forged.text
    assert _versions(session) == [1]

    stored = client.post(
        f"{base}/workbook/confirm",
        data={"csrf_token": token, **hidden, "note": "调整重点目标分值"},
        follow_redirects=False,
    )
    assert stored.status_code == 303 and stored.headers["location"].startswith(base)
    assert sorted(_versions(session)) == [1, 2]
    row = schemes.get_scheme(session, evaluation_id, category)
    spec = schemes.spec_of(row)
    assert row.version == 2 and row.note == "调整重点目标分值" and row.created_by == "editor"
    assert [i.code for i in spec.blocks[0].indicators] == ["key_tasks", "excellence", "new_one"]
    assert spec.blocks[0].indicators[0].points == 30 and spec.grades.thresholds == [91, 80, 60]
    audit = session.exec(
        select(AuditLog)
        .where(AuditLog.action == "composite_scheme.import")
        .order_by(col(AuditLog.id).desc())
    ).first()
    assert audit is not None and audit.actor == "editor"
    assert "调整重点目标分值" in str(audit.detail)

    # The same preview once more: the scheme moved on, so it is refused.
    again = client.post(
        f"{base}/workbook/confirm", data={"csrf_token": token, **hidden, "note": "再次"}
    )
    assert again.status_code == 409 and "现为第2版" in again.text
    assert sorted(_versions(session)) == [1, 2]


def test_a_workbook_with_problems_lists_their_cells_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    evaluation_id, category = _department_scheme(session)
    make_user(session, Role.office, username="editor2")
    token = _sign_in(client, "editor2")
    base = f"/office/evaluations/{evaluation_id}/composite/schemes"
    book = load_workbook(io.BytesIO(client.get(f"{base}/{category}/workbook").content))
    book["指标"]["E3"].value = "十五分"
    book["指标"]["G4"].value = "越大越好"
    book["加减分"]["B2"].value = "=1+1"
    out = io.BytesIO()
    book.save(out)
    answer = client.post(
        f"{base}/workbook",
        data={"csrf_token": token},
        files={"file": ("bad.xlsx", out.getvalue(), XLSX)},
    )
    assert answer.status_code == 422
    text = html.unescape(answer.text)
    assert "工作簿有2处问题，未保存任何内容。" in text
    assert "工作表“指标”第3行E列（分值）：十五分不是数字。" in text
    assert "工作表“指标”第4行G列（方向）：越大越好不在可选项（越高越好 / 越低越好）之中。" in text
    assert 'name="payload"' not in answer.text
    assert _versions(session) == [1]

    # Fixed, but the code is a formula payload: pydantic's code rule names the cell.
    book["指标"]["E3"].value = 15
    book["指标"]["G4"].value = "越高越好"
    out = io.BytesIO()
    book.save(out)
    answer = client.post(
        f"{base}/workbook",
        data={"csrf_token": token},
        files={"file": ("bad.xlsx", out.getvalue(), XLSX)},
    )
    assert answer.status_code == 422
    assert "工作表“加减分”第2行B列（编码）" in html.unescape(answer.text)
    assert _versions(session) == [1]

    junk = client.post(
        f"{base}/workbook",
        data={"csrf_token": token},
        files={"file": ("x.xlsx", b"PK\x03\x04 not really", XLSX)},
    )
    assert junk.status_code == 422 and "该文件无法作为XLSX工作簿读取。" in junk.text


def test_a_viewer_downloads_but_cannot_upload_or_confirm(
    client: TestClient, session: Session
) -> None:
    evaluation_id, category = _department_scheme(session)
    make_user(session, Role.viewer, username="onlooker")
    token = _sign_in(client, "onlooker")
    base = f"/office/evaluations/{evaluation_id}/composite/schemes"
    page = client.get(base).text
    assert "下载方案工作簿" in page and "<fieldset disabled>" in page
    data = client.get(f"{base}/{category}/workbook").content
    upload = client.post(
        f"{base}/workbook",
        data={"csrf_token": token},
        files={"file": ("方案.xlsx", edit_department_workbook(data), XLSX)},
    )
    assert upload.status_code == 403
    confirm = client.post(
        f"{base}/workbook/confirm",
        data={"csrf_token": token, "payload": "e30=", "signature": "0" * 64, "note": "x"},
    )
    assert confirm.status_code == 403
    assert _versions(session) == [1]
