"""The office's set-up forms over HTTP: each one saves, refuses bad input with a message and
changes nothing, refuses a form without its CSRF token and a user without the role."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from survey.models import ApiToken, Evaluation, Period, RespondentGroup, Unit, UnitCategory, User
from survey.satisfaction import policy
from tests.web.setup_world import World, alert, audit_actions, build_world, sign_in, snapshot


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _post(client: TestClient, url: str, token: str, **data: str) -> object:
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_the_set_up_link_leads_the_office_to_every_set_up_page(
    client: TestClient, world: World
) -> None:
    sign_in(client, "kaohe")
    home = client.get("/office").text
    assert 'href="/office/setup">设置</a>' in home
    index = client.get("/office/setup").text
    for link in ("/office/setup/evaluations", "/office/setup/units", "/office/setup/groups"):
        assert f'href="{link}"' in index
        assert client.get(link).status_code == 200
    assert "/office/setup/users" not in index  # accounts are the administrator's
    assert client.get("/office/setup/users").status_code == 403
    sign_in(client, "root")
    assert 'href="/office/setup/users"' in client.get("/office/setup").text
    sign_in(client, "reader")
    assert "/office/setup" not in client.get("/office").text
    assert client.get("/office/setup").status_code == 403


def test_evaluations_are_created_and_refused_with_a_message(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    before = snapshot(session)
    answer = _post(client, "/office/setup/evaluations", token, name="2027年度考核", year="二〇二七")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert alert(answer.text).startswith("年度")  # type: ignore[attr-defined]
    assert snapshot(session) == before
    answer = _post(client, "/office/setup/evaluations", token, name="2027年度考核", year="2027")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    created = session.exec(select(Evaluation).where(Evaluation.year == 2027)).one()
    assert created.name == "2027年度考核" and created.status == "draft"
    assert answer.headers["location"] == f"/office/setup/evaluations/{created.id}"  # type: ignore[attr-defined]
    assert audit_actions(session)[-1] == "evaluation.create"
    assert "2027年度考核" in client.get("/office/setup/evaluations").text


def test_periods_are_added_and_a_repeated_code_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    url = f"/office/setup/evaluations/{world.evaluation.id}/periods"
    before = snapshot(session)
    answer = _post(client, url, token, code="Q1", name="又一个一季度", kind="quarter")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "Q1" in alert(answer.text)  # type: ignore[attr-defined]
    assert snapshot(session) == before
    answer = _post(
        client,
        url,
        token,
        code="Q9",
        name="一季度",
        kind="quarter",
        starts_on="2026-04-01",
        ends_on="2026-03-01",
    )
    assert "结束" in alert(answer.text) and snapshot(session) == before  # type: ignore[attr-defined]
    answer = _post(client, url, token, code="H2", name="下半年", kind="half", sort_order="5")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    period = session.exec(select(Period).where(Period.code == "H2")).one()
    assert (period.name, period.kind, period.sort_order) == ("下半年", "half", 5)
    assert audit_actions(session)[-1] == "period.create"


def test_an_evaluation_is_closed_published_and_refused_a_step_out_of_order(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    evaluation_id = world.evaluation.id
    url = f"/office/setup/evaluations/{evaluation_id}/status"
    page = client.get(f"/office/setup/evaluations/{evaluation_id}").text
    assert 'value="close"' in page and 'value="publish"' not in page
    before = snapshot(session)
    answer = _post(client, url, token, step="publish")
    assert answer.status_code == 409  # type: ignore[attr-defined]
    assert alert(answer.text) == "处于“进行中”状态的考核不能改为“已公布”。"  # type: ignore[attr-defined]
    assert snapshot(session) == before
    assert _post(client, url, token, step="close").status_code == 303  # type: ignore[attr-defined]
    assert _post(client, url, token, step="publish").status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(Evaluation, evaluation_id).status == "published"  # type: ignore[union-attr]
    assert audit_actions(session)[-2:] == ["evaluation.status", "publication.publish"]
    page = client.get(f"/office/setup/evaluations/{evaluation_id}").text
    assert 'name="step"' not in page  # publication is final
    before = snapshot(session)
    assert _post(client, url, token, step="open").status_code == 409  # type: ignore[attr-defined]
    assert snapshot(session) == before


def test_categories_and_units_are_created_edited_and_deactivated(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    before = snapshot(session)
    answer = _post(client, "/office/setup/categories", token, code="streets", name="重复")
    assert answer.status_code == 422 and "streets" in alert(answer.text)  # type: ignore[attr-defined]
    answer = _post(client, "/office/setup/units", token, code="S02", name="西城", category="nope")
    assert answer.status_code == 422 and "nope" in alert(answer.text)  # type: ignore[attr-defined]
    answer = _post(client, "/office/setup/units/S01", token, name="", category="streets")
    assert answer.status_code == 422 and alert(answer.text)  # type: ignore[attr-defined]
    assert snapshot(session) == before

    answer = _post(
        client, "/office/setup/categories", token, code="zones", name="园区", kind="zone"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    answer = _post(client, "/office/setup/categories/zones", token, name="开发园区", kind="zone")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    zone = session.exec(select(UnitCategory).where(UnitCategory.code == "zones")).one()
    assert zone.name == "开发园区"
    answer = _post(
        client, "/office/setup/units", token, code="Z01", name="高新区", category="zones"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    answer = _post(
        client, "/office/setup/units/Z01", token, name="高新园区", category="zones", active="0"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    unit = session.exec(select(Unit).where(Unit.code == "Z01")).one()
    assert (unit.name, unit.active, unit.category_id) == ("高新园区", False, zone.id)
    assert audit_actions(session)[-4:] == [
        "category.create",
        "category.update",
        "unit.create",
        "unit.update",
    ]
    assert "否（已停用）" in client.get("/office/setup/units").text


def test_groups_are_created_edited_and_refused_with_a_message(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    before = snapshot(session)
    answer = _post(client, "/office/setup/groups", token, code="bad code", name="x", kind="public")
    assert answer.status_code == 422 and alert(answer.text).startswith("编码：")  # type: ignore[attr-defined]
    answer = _post(client, "/office/setup/groups/firms", token, name="企业", kind="martian")
    assert answer.status_code == 422 and alert(answer.text)  # type: ignore[attr-defined]
    assert snapshot(session) == before
    answer = _post(client, "/office/setup/groups", token, code="reps", name="代表", kind="delegate")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    answer = _post(client, "/office/setup/groups/reps", token, name="人大代表", kind="delegate")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    group = session.exec(select(RespondentGroup).where(RespondentGroup.code == "reps")).one()
    assert (group.name, group.kind) == ("人大代表", "delegate")
    assert audit_actions(session)[-2:] == ["group.create", "group.update"]


def test_the_weight_matrix_refuses_a_row_off_100_percent_and_saves_a_version(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    url = f"/office/setup/evaluations/{world.evaluation.id}/weights"
    policy_page = client.get(f"/office/evaluations/{world.evaluation.id}/satisfaction/policy")
    assert f'href="{url}">修改权重矩阵</a>' in policy_page.text
    page = client.get(url).text
    assert (
        'name="w:streets:citizens" inputmode="decimal" size="6" maxlength="12" value="60"' in page
    )
    cells = {
        "w:streets:citizens": "50",
        "w:streets:firms": "40",
        "w:bureaus:citizens": "70",
        "w:bureaus:firms": "30",
    }
    before = snapshot(session)
    answer = _post(client, url, token, note="调整", **cells)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert alert(answer.text) == "“街道”一行的权重合计为90%，不是100%。未保存任何内容。"  # type: ignore[attr-defined]
    # What was typed comes back, the reason too.
    assert (
        'value="50"' in answer.text
        and 'name="note" required maxlength="500" value="调整"' in answer.text
    )  # type: ignore[attr-defined]
    answer = _post(client, url, token, note="", **{**cells, "w:streets:citizens": "60"})
    assert answer.status_code == 422 and "原因" in alert(answer.text)  # type: ignore[attr-defined]
    answer = _post(client, url, token, note="x", **{**cells, "w:streets:citizens": "六十"})
    assert answer.status_code == 422 and "六十" in alert(answer.text)  # type: ignore[attr-defined]
    assert snapshot(session) == before

    answer = _post(client, url, token, note="企业权重提高", **{**cells, "w:streets:citizens": "60"})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert world.evaluation.id is not None
    weights = {
        (w.category, w.group): w.weight
        for w in policy.get_policy(session, world.evaluation.id).weights
    }
    assert weights == {
        ("streets", "citizens"): pytest.approx(0.6),
        ("streets", "firms"): pytest.approx(0.4),
        ("bureaus", "citizens"): pytest.approx(0.7),
        ("bureaus", "firms"): pytest.approx(0.3),
    }
    versions = policy.history(session, world.evaluation.id)
    assert [(v.version, v.note, v.created_by) for v in versions] == [(1, "企业权重提高", "kaohe")]
    assert audit_actions(session)[-2:] == ["weights.set", "satisfaction_policy.set"]
    page = client.get(answer.headers["location"]).text  # type: ignore[attr-defined]
    assert "已保存为第1版。" in page and "企业权重提高" in page
    # The policy page's weight table names categories and groups, not their codes.
    policy_page = client.get(f"/office/evaluations/{world.evaluation.id}/satisfaction/policy")
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)%</td></tr>", policy_page.text)
    assert ("街道", "企业", "40") in rows and ("部门", "市民", "70") in rows


def test_the_weight_grid_names_rows_off_100_percent_while_typing(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    url = f"/office/setup/evaluations/{world.evaluation.id}/weights/check"
    cells = {"w:streets:citizens": "50", "w:streets:firms": "40", "w:bureaus:citizens": "七十"}
    before = snapshot(session)
    answer = client.post(url, data=cells, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert answer.status_code == 200
    assert re.findall(r'<p class="error">([^<]*)</p>', answer.text) == [
        "部门：有一格不是数字。",  # categories in their order: bureaus before streets
        "街道：目前合计90%，不是100%。",
    ]
    fixed = {"w:streets:citizens": "60", "w:streets:firms": "40"}
    answer = client.post(url, data=fixed, headers={"X-CSRF-Token": token})
    assert "error" not in answer.text
    assert client.post(url, data=cells).status_code == 403
    assert snapshot(session) == before


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["单位代码", "单位名称", "英文名称", "类别代码", "参加考核", "排序"]


def test_a_unit_list_with_bad_rows_is_refused_whole_and_a_good_one_imported(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "kaohe")
    bad = _workbook(
        [
            HEADER,
            ["S01", "东城街道（新名）", "", "streets", "是", 1],
            ["S09", "", "", "streets", "是", 2],
            ["S10", "南城街道", "", "parks", "也许", "三"],
            ["S01", "重复", "", "streets", "", ""],
        ]
    )
    before = snapshot(session)
    answer = client.post(
        "/office/setup/unit-import",
        data={"csrf_token": token},
        files={"file": ("units.xlsx", bad, "application/octet-stream")},
    )
    assert answer.status_code == 422
    problems = [
        (int(row), column, text)
        for row, column, text in re.findall(
            r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", answer.text
        )
    ]
    assert [(row, column) for row, column, _ in problems] == [
        (3, "单位名称"),
        (4, "类别代码"),
        (4, "参加考核"),
        (4, "排序"),
        (5, "单位代码"),
    ]
    assert "parks" in problems[1][2] and "第2行" in problems[4][2]
    assert 'name="payload"' not in answer.text  # nothing to confirm
    forged = _post(client, "/office/setup/unit-import/confirm", token, payload="!!")
    assert forged.status_code == 422  # type: ignore[attr-defined]
    assert alert(forged.text) == "文件不是可读取的 XLSX 工作簿。"  # type: ignore[attr-defined]
    assert snapshot(session) == before

    good = _workbook(
        [
            HEADER,
            ["S01", "东城街道（新名）", "", "streets", "是", 1],
            ["B01", "财政局", "", "bureaus", "否", 2],
        ]
    )
    preview = client.post(
        "/office/setup/unit-import",
        data={"csrf_token": token},
        files={"file": ("units.xlsx", good, "application/octet-stream")},
    )
    assert preview.status_code == 200 and snapshot(session) == before  # a preview stores nothing
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    answer = _post(client, "/office/setup/unit-import/confirm", token, payload=payload)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert "已导入2个单位。" in client.get(answer.headers["location"]).text  # type: ignore[attr-defined]
    session.expire_all()
    units = {u.code: (u.name, u.active) for u in session.exec(select(Unit))}
    assert units == {"S01": ("东城街道（新名）", True), "B01": ("财政局", False)}
    assert audit_actions(session)[-1] == "unit.import"


def test_the_unit_list_exports_with_chinese_headings_and_formulas_as_text(
    client: TestClient, session: Session, world: World
) -> None:
    world.unit.name = '=HYPERLINK("http://x","点我")'
    session.add(world.unit)
    session.commit()
    sign_in(client, "kaohe")
    answer = client.get("/office/setup/units.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    name = sheet["B2"]
    assert name.value == '=HYPERLINK("http://x","点我")'
    assert name.data_type == "s" and name.quotePrefix  # text, never a formula


def test_the_administrator_manages_users_and_tokens(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "root")
    before = snapshot(session)
    answer = _post(
        client, "/office/setup/users", token, username="xiaowang", role="clerk", password="short"
    )
    assert answer.status_code == 422 and "10" in alert(answer.text)  # type: ignore[attr-defined]
    answer = _post(
        client, "/office/setup/users", token, username="dw", role="unit", password="x" * 12
    )
    assert answer.status_code == 422 and alert(answer.text) == "单位账号必须指定所属单位。"  # type: ignore[attr-defined]
    assert snapshot(session) == before

    answer = _post(
        client, "/office/setup/users", token, username="xiaowang", role="clerk", password="a" * 12
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    user = session.exec(select(User).where(User.username == "xiaowang")).one()
    assert user.role == "clerk"
    answer = _post(client, f"/office/setup/users/{user.id}/role", token, role="unit", unit="S01")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    reset = _post(client, f"/office/setup/users/{user.id}/password", token)
    new_password = re.search(r'<code id="shown-once">([^<]+)</code>', reset.text).group(1)  # type: ignore[attr-defined, union-attr]
    assert reset.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    assert (
        _post(client, f"/office/setup/users/{user.id}/active", token, active="0").status_code == 303
    )  # type: ignore[attr-defined]
    session.expire_all()
    user = session.get(User, user.id)  # type: ignore[assignment]
    assert (user.role, user.unit_id, user.active) == ("unit", world.unit.id, False)

    created = _post(client, "/office/setup/users/tokens", token, name="导入脚本", role="office")
    plaintext = re.search(r'<code id="shown-once">([^<]+)</code>', created.text).group(1)  # type: ignore[attr-defined, union-attr]
    assert plaintext.startswith("pyt_")
    assert plaintext not in client.get("/office/setup/users").text  # shown once only
    api = client.post(
        "/api/v1/groups",
        json={"code": "tok", "name": "令牌群体", "kind": "public"},
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    assert api.status_code == 201
    prefix = session.exec(select(ApiToken).where(ApiToken.name == "导入脚本")).one().prefix
    assert (
        _post(client, "/office/setup/users/tokens/revoke", token, prefix=prefix).status_code == 303
    )  # type: ignore[attr-defined]
    api = client.post(
        "/api/v1/groups",
        json={"code": "tok2", "name": "令牌群体二", "kind": "public"},
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    assert api.status_code == 401
    assert audit_actions(session)[-7:] == [
        "user.create",
        "user.role",
        "user.password_reset",
        "user.disable",
        "token.create",
        "group.create",  # what the token did through the API
        "token.revoke",
    ]

    # The new password works once the account is enabled again; the old one no longer.
    assert (
        _post(client, f"/office/setup/users/{user.id}/active", token, active="1").status_code == 303
    )  # type: ignore[attr-defined]
    client.cookies.clear()
    login = client.get("/office/login")
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login.text).group(1)  # type: ignore[union-attr]
    wrong = client.post(
        "/office/login", data={"username": "xiaowang", "password": "a" * 12, "csrf_token": csrf}
    )
    assert wrong.status_code == 400
    right = client.post(
        "/office/login",
        data={"username": "xiaowang", "password": new_password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert right.status_code == 303


def test_the_administrator_cannot_lock_themselves_out(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "root")
    root = session.exec(select(User).where(User.username == "root")).one()
    before = snapshot(session)
    answer = _post(client, f"/office/setup/users/{root.id}/active", token, active="0")
    assert answer.status_code == 409 and alert(answer.text) == "不能停用自己的账号。"  # type: ignore[attr-defined]
    answer = _post(client, f"/office/setup/users/{root.id}/role", token, role="viewer")
    assert answer.status_code == 422 and alert(answer.text) == "不能更改自己的角色。"  # type: ignore[attr-defined]
    assert snapshot(session) == before


def _forms(world: World) -> list[tuple[str, dict[str, str]]]:
    """Every set-up form with input it would accept."""
    evaluation = f"/office/setup/evaluations/{world.evaluation.id}"
    return [
        ("/office/setup/evaluations", {"name": "新考核", "year": "2030"}),
        (f"{evaluation}/periods", {"code": "M1", "name": "一月", "kind": "month"}),
        (f"{evaluation}/status", {"step": "close"}),
        (
            f"{evaluation}/weights",
            {"w:streets:citizens": "50", "w:streets:firms": "50", "note": "平分"},
        ),
        ("/office/setup/categories", {"code": "c9", "name": "类别九"}),
        ("/office/setup/categories/streets", {"name": "街道乡镇"}),
        ("/office/setup/units", {"code": "U9", "name": "单位九", "category": "streets"}),
        ("/office/setup/units/S01", {"name": "东城", "category": "streets", "active": "0"}),
        ("/office/setup/groups", {"code": "g9", "name": "群体九", "kind": "public"}),
        ("/office/setup/groups/firms", {"name": "企业主", "kind": "public"}),
    ]


_ADMIN_FORMS = [
    ("/office/setup/users", {"username": "newbie", "role": "viewer", "password": "p" * 12}),
    ("/office/setup/users/tokens", {"name": "t", "role": "viewer"}),
    ("/office/setup/users/tokens/revoke", {"prefix": "pyt_zzzzzz"}),
]


def test_every_set_up_form_refuses_a_post_without_its_csrf_token(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, "root")
    before = snapshot(session)
    for url, data in [*_forms(world), *_ADMIN_FORMS]:
        answer = client.post(url, data=data, follow_redirects=False)
        assert answer.status_code == 403, url
        assert "重新加载" in answer.text or "刷新" in answer.text, url
    answer = client.post(
        "/office/setup/unit-import",
        files={"file": ("u.xlsx", _workbook([HEADER]), "application/octet-stream")},
    )
    assert answer.status_code == 403
    assert snapshot(session) == before


def test_every_set_up_form_refuses_a_user_without_the_role(
    client: TestClient, session: Session, world: World
) -> None:
    token = sign_in(client, "reader")
    before = snapshot(session)
    for url, data in [*_forms(world), *_ADMIN_FORMS]:
        answer = _post(client, url, token, **data)
        assert answer.status_code == 403, url  # type: ignore[attr-defined]
        assert "您没有执行此操作的权限。" in answer.text, url  # type: ignore[attr-defined]
    assert snapshot(session) == before
    root = session.exec(select(User).where(User.username == "root")).one()
    token = sign_in(client, "kaohe")  # the office sets up, but accounts are the administrator's
    before = snapshot(session)
    for url, data in [
        *_ADMIN_FORMS,
        (f"/office/setup/users/{root.id}/active", {"active": "0"}),
        (f"/office/setup/users/{root.id}/password", {}),
        (f"/office/setup/users/{root.id}/role", {"role": "viewer"}),
    ]:
        assert _post(client, url, token, **data).status_code == 403, url  # type: ignore[attr-defined]
    assert snapshot(session) == before


def test_the_set_up_pages_speak_chinese(client: TestClient, session: Session, world: World) -> None:
    from tests.web.test_pages_speak_chinese import ENGLISH_RUN, SNAKE, _visible

    sign_in(client, "root")
    evaluation = f"/office/setup/evaluations/{world.evaluation.id}"
    pages = [
        "/office/setup",
        "/office/setup/evaluations",
        evaluation,
        f"{evaluation}/weights",
        "/office/setup/units",
        "/office/setup/units/S01",
        "/office/setup/categories/streets",
        "/office/setup/groups",
        "/office/setup/groups?edit=firms",
        "/office/setup/users",
    ]
    for url in pages:
        answer = client.get(url)
        assert answer.status_code == 200, url
        for text in _visible(answer.text):
            assert not ENGLISH_RUN.search(text), (url, text)
            assert not SNAKE.search(text), (url, text)


def test_the_set_up_pages_of_the_demo_speak_chinese(client: TestClient, session: Session) -> None:
    from survey import demo
    from tests.web.test_pages_speak_chinese import ENGLISH_RUN, SNAKE, _visible

    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/office/login").text)
    assert token is not None
    client.post(
        "/office/login",
        data={"username": "office", "password": "demo-password-1", "csrf_token": token.group(1)},
    )
    for url in (
        "/office/setup/evaluations",
        f"/office/setup/evaluations/{evaluation.id}",
        f"/office/setup/evaluations/{evaluation.id}/weights",
        "/office/setup/units",
        "/office/setup/groups",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        for text in _visible(answer.text):
            assert not ENGLISH_RUN.search(text), (url, text)
            assert not SNAKE.search(text), (url, text)


def test_publishing_an_evaluation_with_schemes_freezes_its_composite_results(
    client: TestClient, session: Session
) -> None:
    from survey import demo
    from survey.composite.snapshots import snapshot_of

    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None and snapshot_of(session, evaluation.id) is None
    # End the test's read transaction: closing the evaluation closes its ballot batches,
    # whose clean-up on PostgreSQL waits for every older transaction to end (and answers 503
    # if one does not), as it would for an office user's open report.
    session.commit()
    client.cookies.clear()
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/office/login").text)
    assert token is not None
    csrf = token.group(1)
    client.post(
        "/office/login",
        data={"username": "office", "password": "demo-password-1", "csrf_token": csrf},
    )
    url = f"/office/setup/evaluations/{evaluation.id}/status"
    assert _post(client, url, csrf, step="close").status_code == 303  # type: ignore[attr-defined]
    assert _post(client, url, csrf, step="publish").status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(Evaluation, evaluation.id).status == "published"  # type: ignore[union-attr]
    assert snapshot_of(session, evaluation.id) is not None
    assert audit_actions(session)[-2:] == ["evaluation.status", "publication.publish"]
