"""The office's tally pages: quorum form, accounting on the ballot pages, blank and spoilt sheets
typed by clerks, the tally sheet and its downloads, and who may see or change what."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from survey.accounts import Principal
from survey.ballots import paper, service
from survey.models import AuditLog, Role
from tests.factories import ACTOR, PASSWORD, TEST_SECRET, make_ballot, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def test_the_office_sets_the_quorum_and_a_bad_one_is_refused_in_chinese(
    client: TestClient, session: Session
) -> None:
    batch, _, _ = make_ballot(session, units=2, codes=9)
    make_user(session, Role.office, username="kaohe")
    make_user(session, Role.viewer, username="reader")
    token = _sign_in(client, "kaohe")
    page = client.get(f"/office/ballots/{batch.id}")
    assert "投票情况" in page.text and "法定比例" in page.text
    # Nothing returned of 9 issued: 6 needed.
    assert "未达到法定比例" in page.text and "还差 6 票" in page.text
    done = client.post(
        f"/office/ballots/{batch.id}/quorum",
        data={"csrf_token": token, "quorum": "3/4"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert 'value="3/4"' in client.get(f"/office/ballots/{batch.id}").text
    refused = client.post(
        f"/office/ballots/{batch.id}/quorum", data={"csrf_token": token, "quorum": "1/3"}
    )
    assert refused.status_code == 422
    assert "法定比例应在发出测评码数的二分之一至全部之间，例如 2/3, 3/4, 60%。" in refused.text
    without_token = client.post(f"/office/ballots/{batch.id}/quorum", data={"quorum": "1/2"})
    assert without_token.status_code == 403
    session.expire_all()
    stored = service.get_batch(session, batch.id)  # type: ignore[arg-type]
    assert (stored.quorum_numerator, stored.quorum_denominator) == (3, 4)
    token = _sign_in(client, "reader")
    assert "设置法定比例" not in client.get(f"/office/ballots/{batch.id}").text
    denied = client.post(
        f"/office/ballots/{batch.id}/quorum", data={"csrf_token": token, "quorum": "1/2"}
    )
    assert denied.status_code == 403
    assert (
        session.exec(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "ballot_batch.quorum")
        ).one()
        == 1
    )
    listing = client.get("/office/ballots")
    assert "法定比例" in listing.text and "0/7" in listing.text


def test_clerks_type_blank_and_spoilt_sheets(client: TestClient, session: Session) -> None:
    batch, units, _ = make_ballot(session, units=2)
    for clerk in ("clerk1", "clerk2"):
        make_user(session, Role.clerk, username=clerk)
    for clerk in ("clerk1", "clerk2"):
        token = _sign_in(client, clerk)
        form = client.get(f"/office/ballots/{batch.id}/paper").text
        assert "空白票（无任何标记）" in form and "同一单位标记多于一处" in form
        for sheet, fields in (
            ("B-1", {"disposition": "blank"}),
            ("X-1", {"disposition": "invalid", "invalid_reason": "several_marks"}),
        ):
            page = client.post(
                f"/office/ballots/{batch.id}/paper",
                data={"csrf_token": token, "sheet_no": sheet, **fields},
            )
            assert page.status_code == 200
    refused = client.post(
        f"/office/ballots/{batch.id}/paper",
        data={
            "csrf_token": token,
            "sheet_no": "B-2",
            "disposition": "blank",
            f"r.{units[0].code}": "satisfied",
        },
    )
    assert refused.status_code == 422 and "空白票上没有任何标记" in refused.text
    ballot_page = client.get(f"/office/ballots/{batch.id}").text
    assert "空白票 1 · 废票 1 · 有效票 0" in ballot_page
    # Two readings that disagree on what the sheet is go to a third look, which shows both.
    for clerk, fields in (
        ("clerk1", {"disposition": "blank"}),
        ("clerk2", {"disposition": "invalid", "invalid_reason": "illegible"}),
    ):
        token = _sign_in(client, clerk)
        client.post(
            f"/office/ballots/{batch.id}/paper",
            data={"csrf_token": token, "sheet_no": "M-1", **fields},
        )
    look = client.get(f"/office/ballots/{batch.id}/paper").text
    assert "M-1" in look and "废票: 涂改或无法辨认" in look
    assert "<td>空白票（无任何标记）</td>" in look


def test_the_tally_sheet_and_its_downloads(client: TestClient, session: Session) -> None:
    batch, units, issued = make_ballot(session, units=2, codes=6)
    assert batch.id is not None
    a, b = (u.code for u in units)
    ballot = service.load_ballot(session, batch)
    electronic = [{a: "satisfied", b: "dissatisfied"}, {a: "dissatisfied", b: "satisfied"}]
    for code, marks in zip(issued[:2], electronic, strict=True):
        plan = service.check_ballot(ballot, marks, {}, confirm_uniform=True)
        service.cast(session, TEST_SECRET, code, plan, ballot)
    clerks = [Principal(f"c{i}", Role.clerk) for i in range(2)]
    for clerk in clerks:
        paper.enter_sheet(session, batch.id, "1", {a: "satisfied", b: "dont_know"}, {}, clerk)
        paper.enter_sheet(session, batch.id, "2", {}, {}, clerk, disposition="blank")
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    open_sheet = client.get(f"/office/ballots/{batch.id}/tally")
    assert open_sheet.status_code == 200
    assert "投票结束后显示各单位得票。" in open_sheet.text and "临时统计" in open_sheet.text
    assert client.get(f"/office/ballots/{batch.id}/tally.csv").status_code == 409
    service.set_status(session, batch.id, "closed", ACTOR)  # type: ignore[arg-type]
    sheet = client.get(f"/office/ballots/{batch.id}/tally")
    for words in ("计票统计表", "监票人", "计票人", "日期", "收回票数", "空白票"):
        assert words in sheet.text
    row = re.search(rf'data-unit="{a}">(.*?)</tr>', sheet.text)
    assert row is not None
    assert re.findall(r'<td class="num[^"]*">(\d+)</td>', row.group(1)) == ["2", "0", "1", "0", "3"]
    accounting = client.get(f"/office/ballots/{batch.id}/tally.csv?table=accounting")
    assert accounting.headers["content-type"].startswith("text/csv")
    lines = {r[0]: r[1:] for r in csv.reader(io.StringIO(accounting.content.decode("utf-8-sig")))}
    assert lines["已发放评议码"][0] == "6" and lines["收回票数"][:2] == ["4", "66.7%"]
    assert lines["空白票"][0] == "1" and lines["有效票"][0] == "3"
    book = load_workbook(io.BytesIO(client.get(f"/office/ballots/{batch.id}/tally.xlsx").content))
    assert book.sheetnames == ["投票情况", "各单位得票"]
    counts = [[c.value for c in r] for r in book["各单位得票"].iter_rows(min_row=2)]
    assert [r[0] for r in counts] == [a, b] and counts[0][3:] == [2, 0, 1, 0, 3]
    # A unit account reads no office page.
    make_user(session, Role.unit, username="bm", unit_code=units[0].code)
    _sign_in(client, "bm")
    assert client.get(f"/office/ballots/{batch.id}/tally").status_code in (403, 404)
    assert client.get(f"/office/ballots/{batch.id}/tally.xlsx").status_code in (403, 404)
