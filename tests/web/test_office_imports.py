"""Response and hard-indicator imports in the browser over HTTP: upload, a preview with every
problem by row and column in Chinese, then confirm; nothing is stored while any row is bad."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, func, select

from survey.composite.models import IndicatorValue
from survey.models import Answer, AuditLog, Evaluation, Response, Role
from tests.factories import (
    PASSWORD,
    make_category,
    make_evaluation,
    make_group,
    make_unit,
    make_user,
)

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@dataclass(frozen=True)
class Place:
    evaluation: Evaluation
    units: tuple[str, str]
    group: str


def _place(session: Session) -> Place:
    category = make_category(session)
    first, second = make_unit(session, category), make_unit(session, category)
    group = make_group(session)
    evaluation = make_evaluation(session)
    make_user(session, Role.office, username="kaohe")
    return Place(evaluation, (first.code, second.code), group.code)


def _sign_in(client: TestClient) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/office/login", data={"username": "kaohe", "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.url.path == "/office", signed_in.text
    return token


def _check(
    client: TestClient,
    token: str,
    kind: str,
    evaluation_id: int,
    name: str,
    data: bytes,
    **form: str,
) -> object:
    return client.post(
        "/office/imports/check",
        data={"csrf_token": token, "kind": kind, "evaluation_id": str(evaluation_id), **form},
        files={"file": (name, data, "application/octet-stream")},
    )


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


def _responses_csv(place: Place, bad_unit: bool) -> bytes:
    first, second = place.units
    rows = [
        "respondent_id,group,unit,question,answer,district",
        f"p1,{place.group},{first},overall,满意,east",
        f"p1,{place.group},{'NOPE' if bad_unit else second},overall,基本满意,east",
        f"p2,{place.group},{first},overall,dissatisfied,west",
        f"p2,{place.group},{second},overall,不了解,west",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8-sig")


def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_stored_then_the_fixed_file_imports(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    token = _sign_in(client)
    page = client.get("/office/imports")
    assert page.status_code == 200 and "导入答卷" in page.text and "导入硬指标数据" in page.text
    evaluation_id = place.evaluation.id
    assert evaluation_id is not None

    refused = _check(
        client, token, "responses", evaluation_id, "answers.csv", _responses_csv(place, True)
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    assert "第 3 行" in html and "单位 <code>unit</code>" in html
    assert "没有编码为 NOPE 的单位。" in html
    assert "payload" not in html  # nothing to confirm
    assert _count(session, Response) == 0 and _count(session, Answer) == 0

    checked = _check(
        client,
        token,
        "responses",
        evaluation_id,
        "answers.csv",
        _responses_csv(place, False),
        period="Q2",
    )
    assert checked.status_code == 200  # type: ignore[attr-defined]
    assert "可导入 2 名答卷人的 4 条回答。" in checked.text  # type: ignore[attr-defined]
    # Checking stores nothing either.
    assert _count(session, Response) == 0
    carried = dict(HIDDEN.findall(checked.text))  # type: ignore[attr-defined]
    assert carried["kind"] == "responses" and carried["period"] == "Q2"

    # A carried file that was changed on the way is refused, and stores nothing.
    forged = {**carried, "filename": "other.csv"}
    answer = client.post("/office/imports/confirm", data=forged)
    assert answer.status_code == 422 and "请重新检查文件" in answer.text
    assert _count(session, Response) == 0

    done = client.post("/office/imports/confirm", data=carried)
    assert done.status_code == 200
    assert "已导入 2 名答卷人的 4 条回答。" in done.text
    assert _count(session, Response) == 2 and _count(session, Answer) == 4
    levels = sorted(session.exec(select(Answer.level)).all())
    assert levels == ["basically_satisfied", "dissatisfied", "dont_know", "satisfied"]
    logged = session.exec(select(AuditLog).where(AuditLog.action == "responses.import")).all()
    assert [entry.actor for entry in logged] == ["kaohe"]

    # Confirming the same file twice is refused: its respondents are in already.
    again = client.post("/office/imports/confirm", data=carried)
    assert again.status_code == 409 and "p1" in again.text
    assert _count(session, Response) == 2


def test_indicator_values_from_an_xlsx_file_with_every_problem_listed(
    client: TestClient, session: Session
) -> None:
    place = _place(session)
    token = _sign_in(client)
    evaluation_id = place.evaluation.id
    assert evaluation_id is not None
    first, second = place.units

    def workbook(value: object, indicator: str) -> bytes:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["unit", "indicator", "period", "value", "target"])
        sheet.append([first, "revenue", "Q1", 120.5, 100])
        sheet.append([second, "revenue", "Q1", value, 100])
        sheet.append([second, indicator, "Q1", 3, None])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    refused = _check(
        client, token, "indicators", evaluation_id, "values.xlsx", workbook("lots", "")
    )
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    assert "第 3 行" in html and "数值 <code>value</code>" in html
    assert "第 4 行" in html and "指标 <code>indicator</code>" in html
    assert _count(session, IndicatorValue) == 0

    checked = _check(
        client, token, "indicators", evaluation_id, "values.xlsx", workbook(98, "staff")
    )
    assert checked.status_code == 200  # type: ignore[attr-defined]
    assert "可导入 3 个数值。" in checked.text  # type: ignore[attr-defined]
    assert _count(session, IndicatorValue) == 0
    carried = dict(HIDDEN.findall(checked.text))  # type: ignore[attr-defined]
    done = client.post("/office/imports/confirm", data=carried)
    assert done.status_code == 200
    assert "已导入3个数值：新增3个，修改0个，未变0个。" in done.text
    session.expire_all()
    values = sorted(session.exec(select(IndicatorValue.indicator, IndicatorValue.value)).all())
    assert values == [("revenue", 98.0), ("revenue", 120.5), ("staff", 3.0)]


def test_the_import_page_needs_the_office_role(client: TestClient, session: Session) -> None:
    make_user(session, Role.viewer, username="reader")
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": "reader", "password": PASSWORD, "csrf_token": token}
    )
    assert client.get("/office/imports").status_code == 403
    assert (
        client.post(
            "/office/imports/check",
            data={"csrf_token": token, "kind": "responses", "evaluation_id": "1"},
            files={"file": ("a.csv", b"x", "text/csv")},
        ).status_code
        == 403
    )


def test_design_weights_through_the_office_upload(client: TestClient, session: Session) -> None:
    place = _place(session)
    token = _sign_in(client)
    evaluation_id = place.evaluation.id
    assert evaluation_id is not None
    first, second = place.units
    rows = [
        "respondent_id,group,unit,question,answer,weight,stratum",
        f"w1,{place.group},{first},overall,满意,2.5,east",
        f"w2,{place.group},{second},overall,不满意,-1,west",
        f"w3,{place.group},{second},overall,满意,很多,west",
    ]
    data = ("\n".join(rows) + "\n").encode("utf-8-sig")
    refused = _check(client, token, "responses", evaluation_id, "w.csv", data)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    html = refused.text  # type: ignore[attr-defined]
    assert "第 3 行" in html and "第 4 行" in html
    assert "权重 -1 不是大于 0 且不超过 10000000 的数。" in html
    assert "权重 很多 不是大于 0 且不超过 10000000 的数。" in html
    assert _count(session, Response) == 0 and _count(session, Answer) == 0

    good = data.decode("utf-8-sig").replace(",-1,", ",4,").replace(",很多,", ",4,")
    checked = _check(client, token, "responses", evaluation_id, "w.csv", good.encode())
    assert checked.status_code == 200  # type: ignore[attr-defined]
    carried = dict(HIDDEN.findall(checked.text))  # type: ignore[attr-defined]
    done = client.post("/office/imports/confirm", data=carried)
    assert done.status_code == 200
    session.expire_all()
    stored = {r.external_ref: (r.design_weight, r.stratum) for r in session.exec(select(Response))}
    assert stored == {"w1": (2.5, "east"), "w2": (4.0, "west"), "w3": (4.0, "west")}
