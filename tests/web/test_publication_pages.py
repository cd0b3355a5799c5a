"""The public results pages, their open data, and the office's publication page."""

from __future__ import annotations

import csv
import hashlib
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from survey.models import Role, Unit
from survey.publication import service
from tests.factories import ACTOR, make_user
from tests.survey.test_publication import _reset_ids, build_city
from tests.web.setup_world import audit_actions, sign_in

VERSION_LINE = re.compile(r"第 (\d+) 版，公布于 (\d{4}-\d\d-\d\d)")


def _published(session: Session, engine: Engine, unit_name: str = "") -> None:
    _reset_ids(engine)
    build_city(session)
    if unit_name:
        unit = session.get(Unit, 4)
        assert unit is not None
        unit.name = unit_name
        session.add(unit)
        session.commit()
    service.publish(session, 2, ACTOR)


def test_the_public_page_shows_the_published_version_in_chinese(
    client: TestClient, session: Session, engine: Engine
) -> None:
    _published(session, engine, unit_name='=HYPERLINK("x")<b>')
    home = client.get("/").text
    assert 'href="/results"' in home and 'href="/results/2"' in home
    listing = client.get("/results")
    assert listing.status_code == 200 and "考核结果公布" in listing.text
    assert "2026年度考核" in listing.text and "2025年度考核" in listing.text
    page = client.get("/results/2")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="zh-CN">' in text
    for words in (
        "总体满意度",
        "满意度",
        "综合得分、名次和等次",
        "计算方法",
        "开放数据",
        "版本记录",
    ):
        assert words in text
    assert VERSION_LINE.search(text).group(1) == "1"  # type: ignore[union-attr]
    version = service.versions_of(session, 2)[0]
    assert version.results_digest in text and version.inputs_digest in text
    # The unit's name is data: escaped in the page.
    assert "=HYPERLINK(&#34;x&#34;)&lt;b&gt;" in text and "<b>" not in text
    # No script is needed: every link and table is plain HTML.
    assert "<noscript" not in text and 'href="/results/2/open-data.csv?version=1"' in text
    assert client.get("/results/1").status_code == 200
    assert client.get("/results/2?version=9").status_code == 404
    assert client.get("/results/77").status_code == 404


def test_open_data_has_counts_per_level_with_small_cells_blank_and_no_formulas(
    client: TestClient, session: Session, engine: Engine
) -> None:
    _published(session, engine, unit_name="=1+1")
    answer = client.get("/results/2/open-data.csv?version=1")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:6] == ["类别代码", "单位代码", "单位", "评议主体", "题目", "n"]
    assert header[6:11] == ["满意", "比较满意", "基本满意", "不满意", "不了解"]
    by_cell = {(r[1], r[3]): r for r in rows[1:]}
    # D1's citizens: 30 / 11 / 0 / 4 / 0 of 45 answers.
    assert by_cell[("D1", "市民")][5:11] == ["45", "30", "11", "0", "4", "0"]
    # D4's firms gave 3 answers, under the threshold of 5: nothing but the flag.
    assert by_cell[("D4", "企业")][5:11] == ["", "", "", "", "", ""]
    assert by_cell[("D4", "企业")][11] == "是"
    # A unit named like a formula stays text.
    assert by_cell[("D4", "市民")][2] == "'=1+1"
    workbook = load_workbook(io.BytesIO(client.get("/results/2/open-data.xlsx").content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:6] == header[:6]
    assert workbook.worksheets[1].title == "说明"
    assert client.get("/results/2/open-data.pdf").status_code == 404
    # The results file's SHA-256 is the digest the page shows.
    raw = client.get("/results/2/open-data.json?version=1").content
    version = service.versions_of(session, 2)[0]
    assert hashlib.sha256(raw).hexdigest() == version.results_digest


def test_the_office_publishes_corrects_and_withdraws_with_csrf_and_audit(
    client: TestClient, session: Session, engine: Engine
) -> None:
    _published(session, engine)
    make_user(session, Role.office, username="kaohe")
    make_user(session, Role.viewer, username="kanke")
    url = "/office/evaluations/2/publication"
    token = sign_in(client, "kanke")
    seen = client.get(url)
    assert seen.status_code == 200 and "结果公布" in seen.text
    assert "重新打开以更正" not in seen.text and "撤下公开页面" not in seen.text
    assert client.post(f"{url}/reopen", data={"csrf_token": token}).status_code == 403

    token = sign_in(client, "kaohe")
    page = client.get(url).text
    assert "重新打开以更正" in page and "撤下公开页面" in page
    assert client.post(f"{url}/reopen", data={}).status_code == 403  # no CSRF token
    reopened = client.post(f"{url}/reopen", data={"csrf_token": token}, follow_redirects=False)
    assert reopened.status_code == 303
    page = client.get(url).text
    assert "更正原因" in page and "公布更正" in page
    # The public keeps seeing version 1 meanwhile.
    assert client.get("/results/2").status_code == 200
    refused = client.post(f"{url}/publish", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422 and "更正须填写原因。" in refused.text
    reason = "复核后更正<script>alert(1)</script>"
    done = client.post(
        f"{url}/publish", data={"csrf_token": token, "reason": reason}, follow_redirects=False
    )
    assert done.status_code == 303
    public = client.get("/results/2").text
    assert VERSION_LINE.search(public).group(1) == "2"  # type: ignore[union-attr]
    assert "复核后更正&lt;script&gt;" in public and "<script>alert" not in public
    older = client.get("/results/2?version=1").text
    assert "这是较早的版本，已由第 2 版更正。" in older

    hidden = client.post(f"{url}/2/withdraw", data={"csrf_token": token}, follow_redirects=False)
    assert hidden.status_code == 303
    assert VERSION_LINE.search(client.get("/results/2").text).group(1) == "1"  # type: ignore[union-attr]
    assert client.get("/results/2?version=2").status_code == 404
    client.post(f"{url}/2/restore", data={"csrf_token": token})
    assert client.post(f"{url}/2/erase", data={"csrf_token": token}).status_code == 404
    actions = audit_actions(session)
    assert actions[-4:] == [
        "publication.reopen",
        "publication.publish",
        "publication.withdraw",
        "publication.restore",
    ]
