"""The office's ballot tools: API, card sheets, turnout, paper entry, and the CLI."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from survey.ballots import codes, service
from survey.models import Role
from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run
from tests.factories import (
    PASSWORD,
    bearer,
    make_ballot,
    make_category,
    make_evaluation,
    make_group,
    make_token,
    make_unit,
    make_user,
)

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def test_api_batches_codes_and_turnout(client: TestClient, session: Session) -> None:
    office = bearer(make_token(session, Role.office))
    evaluation = make_evaluation(session)
    category = make_category(session)
    for _ in range(3):
        make_unit(session, category)
    group = make_group(session, kind="delegate")
    body = {
        "evaluation_id": evaluation.id,
        "group": group.code,
        "title": "人大代表测评",
        "categories": [category.code],
        "period": "Q4",
    }
    assert client.get("/api/v1/ballot-batches").status_code == 401
    created = client.post("/api/v1/ballot-batches", json=body, headers=office)
    assert created.status_code == 201, created.text
    batch_id = created.json()["id"]
    assert len(created.json()["units"]) == 3 and created.json()["scale"] == "satisfaction3"
    issued = client.post(
        f"/api/v1/ballot-batches/{batch_id}/codes", json={"count": 4}, headers=office
    )
    assert issued.status_code == 201
    plain = [item["code"] for item in issued.json()]
    assert all(codes.normalise(c) == c for c in plain)
    client.patch(f"/api/v1/ballot-batches/{batch_id}", json={"status": "open"}, headers=office)
    voided = client.post(
        f"/api/v1/ballot-batches/{batch_id}/codes/void", json={"serials": [4]}, headers=office
    )
    assert voided.json() == {"voided": 1}
    viewer = bearer(make_token(session, Role.viewer))
    assert (
        client.post(
            f"/api/v1/ballot-batches/{batch_id}/codes", json={"count": 1}, headers=viewer
        ).status_code
        == 403
    )
    turnout = client.get(f"/api/v1/ballot-batches/{batch_id}/turnout", headers=viewer).json()
    assert {k: turnout[k] for k in ("issued", "used", "void", "remaining")} == {
        "issued": 3,
        "used": 0,
        "void": 1,
        "remaining": 3,
    }
    listed = client.get("/api/v1/ballot-batches", headers=viewer).json()
    assert [b["id"] for b in listed] == [batch_id]


def test_issue_from_the_office_downloads_the_only_copy(
    client: TestClient, session: Session
) -> None:
    batch, _, _ = make_ballot(session, codes=1)
    make_user(session, username="kaohe")
    token = _sign_in(client, "kaohe")
    download = client.post(
        f"/office/ballots/{batch.id}/codes", data={"csrf_token": token, "count": "10"}
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(download.content))
    rows = list(csv.DictReader(io.StringIO(bundle.read("codes.csv").decode())))
    assert [int(r["serial"]) for r in rows] == list(range(2, 12))
    sheet = bundle.read("cards.html").decode()
    assert sheet.count('class="card"') == 10 and sheet.count('class="page"') == 2
    assert rows[0]["code"] in sheet
    png = bundle.read(f"qr/{int(rows[0]['serial']):05d}.png")
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded.text == f"https://pingyi.example.gov.cn/b#{codes.normalise(rows[0]['code'])}"
    page = client.get(f"/office/ballots/{batch.id}")
    assert 'hx-trigger="every 3s"' in page.text and rows[0]["code"] not in page.text
    partial = client.get(f"/office/ballots/{batch.id}/turnout", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<table id="turnout-table"')
    screen = client.get("/office/ballots/screen")
    assert "测评" in screen.text and 'hx-trigger="every 3s"' in screen.text


def test_clerks_enter_paper_ballots_twice(client: TestClient, session: Session) -> None:
    batch, units, _ = make_ballot(session, units=2)
    sheet = {f"r.{units[0].code}": "satisfied", f"r.{units[1].code}": "dissatisfied"}
    for clerk in ("clerk1", "clerk2"):
        make_user(session, Role.clerk, username=clerk)
    for clerk, expected in (("clerk1", "等待第二次录入"), ("clerk2", "已采纳")):
        client.cookies.clear()
        token = _sign_in(client, clerk)
        page = client.post(
            f"/office/ballots/{batch.id}/paper",
            data={"csrf_token": token, "sheet_no": "A-17", **sheet},
        )
        assert page.status_code == 200 and expected in page.text
    assert service.turnout(session, batch).used == 0  # paper ballots consume no codes


@pytest.mark.own_sqlite
def test_codes_cli_issue_status_void(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    out = tmp_path / "npc-extra.csv"
    issued = _run(tmp_path, "codes", "issue", "--batch", "1", "--count", "5", "--out", str(out))
    assert issued.returncode == 0, issued.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 5 and "code" in rows[0]
    assert out.with_suffix(".html").exists() and (tmp_path / "npc-extra-qr.zip").exists()
    again = _run(tmp_path, "codes", "issue", "--batch", "1", "--count", "5", "--out", str(out))
    assert again.returncode == 1 and "never overwritten" in again.stderr
    voided = _run(tmp_path, "codes", "void", "--batch", "1", "--code", rows[0]["code"])
    assert voided.returncode == 0 and "Cancelled 1 codes" in voided.stdout
    status = _run(tmp_path, "codes", "status", "--batch", "1")
    # The demo issued 80 codes and cast 56 ballots; 5 more issued, 1 of them voided.
    assert "issued 84, used 56, void 1, remaining 28" in status.stdout
