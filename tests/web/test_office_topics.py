"""The office's comment topics page over HTTP: reading, adding, changing and deleting topics
with CSRF and audit, refusals in Chinese, the chart data equal to the table, and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey.comments import topics as service
from survey.comments.topic_models import Topic
from survey.models import AuditLog, Role
from tests.cli_runs import demo_into, run_cli
from tests.factories import PASSWORD, make_user
from tests.survey.test_comment_topics import _add_rules, _world

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _alert(html: str) -> str:
    found = re.search(r'<div class="error" role="alert">(.*?)</div>', html, re.S)
    assert found, "no inline error on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _chart(html: str, chart: str) -> dict[str, object]:
    found = re.search(
        rf'<script type="application/json" id="{chart}-data">(.*?)</script>', html, re.S
    )
    assert found
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_the_office_edits_topics_and_sees_them_by_unit(
    client: TestClient, session: Session
) -> None:
    evaluation_id, _units, _keys = _world(session)
    make_user(session, Role.office, username="kaohe")
    token = _sign_in(client, "kaohe")
    base = f"/office/evaluations/{evaluation_id}/topics"

    empty = client.get(base)
    assert empty.status_code == 200
    assert "评论主题" in empty.text and "还没有主题。" in empty.text
    assert 'data-count="comments">9<' in empty.text

    added = client.post(
        base,
        data={"csrf_token": token, "code": "noise", "name": "噪音", "keywords": "噪音\n施工"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = client.get(base)
    assert '<tr data-topic="noise">' in page.text
    assert "噪音、施工" in page.text
    assert f"/office/evaluations/{evaluation_id}/comments?topic=noise" in page.text

    # Bad input: refused in Chinese, the form kept, nothing stored.
    for data, words in [
        ({"code": "p2", "name": "", "keywords": "噪音"}, "请填写主题名称。"),
        ({"code": "p2", "name": "噪音", "keywords": "噪音"}, "本次考核已有名为“噪音”的主题。"),
        ({"code": "NOISE", "name": "新", "keywords": "噪音"}, "已有代码为 noise 的主题"),
        ({"code": "p2", "name": "很长" * 11, "keywords": "噪音"}, "主题名称最多 20 个字。"),
        ({"code": "p2", "name": "新", "keywords": "、，"}, "请至少填写一个关键词。"),
    ]:
        refused = client.post(base, data={"csrf_token": token, **data})
        assert refused.status_code == 422
        assert words in _alert(refused.text)
        assert f'value="{data["code"]}"' in refused.text
    session.expire_all()
    assert [t.code for t in session.exec(select(Topic))] == ["noise"]
    # Without the CSRF token nothing is stored either.
    assert client.post(base, data={"code": "x", "name": "无", "keywords": "无"}).status_code == 403

    _add_rules(session, evaluation_id)  # the rest of the hand-worked rules, as the service
    page = client.get(base)
    table = service.topic_unit_table(session, evaluation_id, _office())
    totals = _chart(page.text, "chart-topic-totals")
    assert totals["values"] == [table.total(t.id) for t in table.topics]
    assert totals["urls"][0].endswith("/comments?topic=noise")  # type: ignore[index]
    heat = _chart(page.text, "chart-topic-units")
    cells = {(x, y): n for x, y, n in heat["cells"]}  # type: ignore[attr-defined]
    for y, row in enumerate(table.rows):
        for x, topic in enumerate(table.topics):
            assert cells.get((x, y), 0) == row.counts.get(topic.id, 0)
            shown = re.search(
                rf'<tr data-unit="{row.unit}">.*?<td data-topic="{topic.code}">(.*?)</td>',
                page.text,
                re.S,
            )
            assert shown and re.sub(r"<[^>]+>", "", shown.group(1)) == str(
                row.counts.get(topic.id, 0)
            )

    noise_id = session.exec(select(Topic.id).where(Topic.code == "noise")).one()
    edit = client.get(f"{base}/{noise_id}")
    assert edit.status_code == 200 and "修改主题" in edit.text
    saved = client.post(
        f"{base}/{noise_id}",
        data={"csrf_token": token, "code": "noise", "name": "噪声扰民", "keywords": "扰民"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(Topic, noise_id).name == "噪声扰民"  # type: ignore[union-attr]
    refused = client.post(
        f"{base}/{noise_id}",
        data={"csrf_token": token, "code": "noise", "name": "噪声扰民", "keywords": "字" * 17},
    )
    assert refused.status_code == 422 and "超过 16 个字" in _alert(refused.text)
    deleted = client.post(
        f"{base}/{noise_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    session.expire_all()
    assert session.get(Topic, noise_id) is None
    tagged = client.post(f"{base}/tag", data={"csrf_token": token}, follow_redirects=False)
    assert tagged.status_code == 303
    actions = {a.action for a in session.exec(select(AuditLog))}
    assert {"topic.create", "topic.update", "topic.delete", "topics.tag"} <= actions
    entry = session.exec(select(AuditLog).where(AuditLog.action == "topic.update")).one()
    assert entry.actor == "kaohe" and entry.detail["after"]["name"] == "噪声扰民"
    # The audit page words the new actions.
    assert "修改评论主题" in client.get("/office/audit").text


def _office() -> object:
    from survey.accounts import Principal

    return Principal(name="t", role=Role.office)


def test_a_viewer_reads_but_cannot_change(client: TestClient, session: Session) -> None:
    evaluation_id, _units, _keys = _world(session)
    _add_rules(session, evaluation_id)
    make_user(session, Role.viewer, username="reader")
    token = _sign_in(client, "reader")
    base = f"/office/evaluations/{evaluation_id}/topics"
    page = client.get(base)
    assert page.status_code == 200
    assert "各单位评论主题" in page.text and "新增主题" not in page.text
    assert f'action="{base}/tag"' not in page.text
    topic = session.exec(select(Topic)).first()
    assert topic is not None
    for url in (base, f"{base}/{topic.id}", f"{base}/{topic.id}/delete", f"{base}/defaults"):
        denied = client.post(
            url, data={"csrf_token": token, "code": "a", "name": "b", "keywords": "c"}
        )
        assert denied.status_code == 403, url
    assert client.get(f"/office/evaluations/{evaluation_id}/topics/999999").status_code == 404
    client.cookies.clear()
    assert client.get(base, follow_redirects=False).status_code in (303, 401)


@pytest.mark.own_sqlite
def test_the_command_tags_and_shows_topics(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(tmp_path, *args, PINGYI_DEFAULT_LANGUAGE="zh-CN")

    assert demo_into(tmp_path, PINGYI_DEFAULT_LANGUAGE="zh-CN").returncode == 0
    shown = run("topics", "show", "2")
    assert shown.returncode == 0, shown.stderr
    assert "服务态度" in shown.stdout and "0 条尚未标注" in shown.stdout
    again = run("topics", "retag", "2")
    assert again.returncode == 0, again.stderr
    assert "按第 2 版规则标注了" in again.stdout
    published = run("topics", "retag", "1")
    assert published.returncode == 1
