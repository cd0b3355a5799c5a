"""The office's composite pages over HTTP, signed in, on the demo city."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.composite.models import CompositeAdjustment, CompositeScheme, IndicatorValue
from survey.demo.city import CATEGORIES
from survey.models import AuditLog, Evaluation, EvaluationStatus, Role
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _evaluation(session: Session, year: int) -> int:
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == year)).one()
    assert evaluation.id is not None
    return evaluation.id


def test_results_explanation_and_schemes_pages(client: TestClient, session: Session) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _evaluation(session, 2026)
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    home = client.get("/office").text
    link = f"/office/evaluations/{current}/composite"
    assert f'href="{link}"' in home

    # The plain address shows the first category alone, named in the address so that the
    # export links and a bookmark carry it; the selector offers every category.
    page = client.get(link)
    assert page.status_code == 200
    assert str(page.url).endswith(f"{link}?category=district-urban")
    assert page.text.count(f'href="{link}/units/') == 5
    assert "云江区" in page.text and f"{link}/units/BM04" not in page.text
    offered = re.findall(r'<option value="([\w-]+)"', page.text)
    assert offered == [code for code, *_ in CATEGORIES]
    assert "/composite/export.csv?category=district-urban" in page.text
    # Every category in turn holds the city's 48 units, each once.
    pages = [client.get(link, params={"category": code}).text for code in offered]
    assert sum(p.count(f'href="{link}/units/') for p in pages) == 48
    assert any(f"{link}/units/BM21" in p for p in pages)
    assert any("优秀" in p for p in pages) and any("↑" in p for p in pages)  # grade, rank gain
    assert any('class="tag bad"' in p for p in pages)  # interview or warning flags
    assert client.get(link, params={"category": "NOPE"}).status_code == 404
    # A viewer reads but does not publish.
    assert f'action="{link}/publish"' not in page.text

    one = client.get(
        link, params={"category": "dept-economic", "sensitivity": "true", "draws": 200}
    )
    assert one.status_code == 200
    assert one.text.count(f'href="{link}/units/') == 8
    assert "%" in one.text

    unit = client.get(f"{link}/units/QX01")
    assert unit.status_code == 200
    assert "高质量发展" in unit.text and "地区生产总值" in unit.text
    assert "target_completion" in unit.text and "period_weights" not in unit.text
    assert 'class="tree"' in unit.text
    assert client.get(f"{link}/units/NOPE").status_code == 404
    # The unit's rank band is offered on request and is the category page's band for it.
    assert 'name="sensitivity" value="true"' in unit.text
    _band_agrees_with_the_category_page(client, link, "BM01", "dept-economic")

    schemes = client.get(f"{link}/schemes", params={"show": "district-urban"})
    assert schemes.status_code == 200
    assert "category: district-urban" in schemes.text and "<fieldset disabled>" in schemes.text
    assert client.get(f"{link}/adjustments").status_code == 200

    published = _evaluation(session, 2025)
    frozen = client.get(f"/office/evaluations/{published}/composite")
    assert frozen.status_code == 200 and "2025" in frozen.text


def test_office_imports_a_scheme_values_and_adjustments_then_publishes(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = _evaluation(session, 2026)
    make_user(session, Role.viewer, username="reader2")
    token = _sign_in(client, "reader2")
    base = f"/office/evaluations/{current}/composite"
    assert client.post(f"{base}/publish", data={"csrf_token": token}).status_code == 403

    client.cookies.clear()
    make_user(session, Role.office, username="kaohe")
    token = _sign_in(client, "kaohe")
    exported = client.get(
        f"/api/v1/evaluations/{current}/schemes/export", params={"category": "zone-specialised"}
    ).text
    broken = exported.replace("points: 220", "points: many")
    checked = client.post(
        f"{base}/schemes", data={"csrf_token": token, "text": broken, "action": "import"}
    )
    assert checked.status_code == 422
    line = 1 + broken.splitlines().index("    points: many")
    assert f"{line}" in checked.text and "blocks[0].points" in checked.text
    stored = client.post(
        f"{base}/schemes",
        data={"csrf_token": token, "text": exported, "action": "import", "note": "再次导入"},
        follow_redirects=False,
    )
    assert stored.status_code == 303
    versions = session.exec(
        select(CompositeScheme.version).where(CompositeScheme.evaluation_id == current)
    ).all()
    assert max(versions) == 2

    csv_file = "unit,indicator,period,value\nYQ04,fdi,year,2.5\nYQ04,trade,year,abc\n"
    refused = client.post(
        f"{base}/indicators",
        data={"csrf_token": token},
        files={"file": ("values.csv", csv_file.encode(), "text/csv")},
    )
    assert refused.status_code == 422 and "abc" in refused.text
    good = client.post(
        f"{base}/indicators",
        data={"csrf_token": token},
        files={"file": ("values.csv", csv_file.replace("abc", "99").encode(), "text/csv")},
        follow_redirects=False,
    )
    assert good.status_code == 303
    stored_fdi = session.exec(
        select(IndicatorValue).where(
            IndicatorValue.evaluation_id == current, IndicatorValue.indicator == "trade"
        )
    ).all()
    assert 99.0 in [v.value for v in stored_fdi]

    bad = client.post(
        f"{base}/adjustments",
        data={
            "csrf_token": token,
            "unit": "QX02",
            "item": "nothing",
            "points": "3",
            "reason": "x",
            "approved_by": "市考核委",
        },
    )
    assert bad.status_code == 422 and "honour" in bad.text
    unreasoned = client.post(
        f"{base}/adjustments",
        data={
            "csrf_token": token,
            "unit": "QX02",
            "item": "honour",
            "points": "3",
            "reason": "",
            "approved_by": "市考核委",
        },
    )
    assert unreasoned.status_code == 422
    assert "事由：不能为空" in unreasoned.text and "String should" not in unreasoned.text
    added = client.post(
        f"{base}/adjustments",
        data={
            "csrf_token": token,
            "unit": "QX02",
            "item": "honour",
            "points": "3",
            "reason": "全国文明城区复评",
            "approved_by": "市考核委",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    entry = session.exec(
        select(CompositeAdjustment).where(CompositeAdjustment.reason == "全国文明城区复评")
    ).one()
    listing = client.get(f"{base}/adjustments").text
    assert "全国文明城区复评" in listing
    deleted = client.post(
        f"{base}/adjustments/{entry.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    actions = set(session.exec(select(AuditLog.action)).all())
    assert {"composite_adjustment.add", "composite_adjustment.delete"} <= actions
    assert {"composite_scheme.import", "indicators.import"} <= actions

    # Publishing needs a closed evaluation; then the button freezes the results.
    evaluation = session.get(Evaluation, current)
    assert evaluation is not None
    evaluation.status = EvaluationStatus.closed
    session.add(evaluation)
    session.commit()
    page = client.get(base).text
    assert f'action="{base}/publish"' in page
    published = client.post(f"{base}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert published.status_code == 303
    session.refresh(evaluation)
    assert evaluation.status == EvaluationStatus.published
    assert f'action="{base}/publish"' not in client.get(base).text


def _band_row(html: str) -> list[str]:
    """The median rank, band and grade probabilities in the unit's band table."""
    section = html.split('id="band"', 1)[1].split("</section>", 1)[0]
    row = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row.split("<td>")[1:]]


def _category_row(html: str, link: str, unit: str) -> list[str]:
    """The same three figures in the unit's row of the category page (before last year's
    rank band, the row's last cell)."""
    row = html.split(f'href="{link}/units/{unit}"', 1)[1].split("</tr>", 1)[0]
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in row.split("<td>")[1:]]
    return cells[-4:-1]


def _band_agrees_with_the_category_page(
    client: TestClient, link: str, unit: str, category: str
) -> None:
    params = {"sensitivity": "true", "draws": 200}
    page = client.get(f"{link}/units/{unit}", params=params)
    assert page.status_code == 200
    band = _band_row(page.text)
    whole = client.get(link, params={"category": category, **params}).text
    assert band == _category_row(whole, link, unit)
    median, span, _grades = band
    low, high = (int(x) for x in span.split(" – "))
    assert low <= int(median) <= high


def test_explanation_shows_entropy_ahp_and_topsis_blocks(
    client: TestClient, session: Session
) -> None:
    from survey.accounts import Principal
    from survey.composite import scheme as schemes
    from survey.composite.indicators import import_indicators

    demo.load_demo(session, office_password="demo-password-1")
    current = _evaluation(session, 2026)
    office = Principal(name="test", role=Role.office)

    def criteria(method: str, codes: str = "abc") -> str:
        return "".join(
            f"      - {{code: {c}, name: 指标{c}, {method}"
            f"source: {{type: hard, indicator: m_{c}, period: year}}}}\n"
            for c in codes
        )

    text = (
        "category: dept-social\nblocks:\n"
        "  - code: ent\n    name: 熵权板块\n    points: 50\n"
        "    weighting: {method: entropy}\n    indicators:\n"
        + criteria("method: min_max, ", "ab")
        + "  - code: ahp\n    name: 层次板块\n    points: 50\n"
        "    weighting: {method: ahp, matrix: [[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]}\n"
        "    indicators:\n"
        + criteria("method: min_max, ")
        + "  - code: top\n    name: 优选板块\n    points: 50\n"
        "    topsis: {normalisation: vector}\n    weighting: {method: entropy}\n"
        "    indicators:\n" + criteria("")
    )
    schemes.import_text(session, current, text, office)
    rows = ["unit,indicator,period,value"] + [
        f"BM{k:02d},m_{c},year,{(k * 7 + ord(c) * 3) % 50 + 10}"
        for k in range(9, 17)
        for c in "abc"
    ]
    import_indicators(
        session, current, ("\n".join(rows) + "\n").encode(), "values.csv", actor=office
    )
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    page = client.get(f"/office/evaluations/{current}/composite/units/BM09")
    assert page.status_code == 200
    assert page.text.count('data-weighting="entropy"') == 2  # the entropy block and TOPSIS
    assert 'data-weighting="ahp"' in page.text
    assert "层次分析法权重：一致性比率 CR 0.033" in page.text
    assert 'data-topsis="vector"' in page.text and "TOPSIS相对贴近度" in page.text
    assert "负理想解" in page.text and "向量规范化" in page.text
