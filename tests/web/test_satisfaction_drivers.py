"""Key drivers through the JSON API and the office page, against statsmodels on the answers."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, create_engine, select

from survey import demo
from survey.demo.drivers import ASPECTS
from survey.models import Answer, Evaluation, Response, Role, Survey, SurveyQuestion, Unit
from survey.satisfaction.schemas import PolicySettings
from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run
from tests.factories import bearer, make_token
from tests.web.test_satisfaction_unit import TOKEN
from web.i18n import LANGUAGE_COOKIE

SCORES = {level.code: level.score for level in PolicySettings().level_scores}


def _shapley(frame: pd.DataFrame, y: str, xs: list[str]) -> dict[str, float]:
    """Average R^2 gain of each aspect over every order of entry, each R^2 an OLS fit."""
    fits: dict[frozenset[str], float] = {frozenset(): 0.0}
    for size in range(1, len(xs) + 1):
        for subset in itertools.combinations(xs, size):
            model = sm.OLS(frame[y], sm.add_constant(frame[list(subset)])).fit()
            fits[frozenset(subset)] = float(model.rsquared)
    gains = dict.fromkeys(xs, 0.0)
    orders = list(itertools.permutations(xs))
    for order in orders:
        entered: frozenset[str] = frozenset()
        for x in order:
            gains[x] += fits[entered | {x}] - fits[entered]
            entered = entered | {x}
    return {x: g / len(orders) for x, g in gains.items()}


def _respondents(session: Session, survey: Survey, questions: list[str]) -> pd.DataFrame:
    """One row per (response, unit) with every question scored: read with the ORM, pivoted here."""
    rows = session.exec(
        select(Answer.response_id, Unit.code, Answer.question, Answer.level)
        .join(Response, col(Response.id) == Answer.response_id)
        .join(Unit, col(Unit.id) == Answer.unit_id)
        .where(Response.survey_id == survey.id, col(Answer.counted))
    ).all()
    long = pd.DataFrame(rows, columns=["response", "unit", "question", "level"])
    long["score"] = long["level"].map(SCORES)
    wide = long.pivot_table(
        index=["response", "unit"], columns="question", values="score", aggfunc="max"
    )
    return wide[questions].dropna().reset_index()


def _setup(session: Session) -> tuple[int, Survey, list[str]]:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    questions = session.exec(
        select(SurveyQuestion)
        .where(col(SurveyQuestion.role).is_not(None))
        .order_by(col(SurveyQuestion.sort_order))
    ).all()
    survey = session.get(Survey, questions[0].survey_id)
    assert evaluation.id is not None and survey is not None
    return evaluation.id, survey, [q.code for q in questions]


def _api(client: TestClient, token: dict[str, str], evaluation_id: int, **params: str) -> Any:
    response = client.get(
        f"/api/v1/evaluations/{evaluation_id}/satisfaction/drivers", params=params, headers=token
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_unit_drivers_match_statsmodels_on_the_answers(
    client: TestClient, session: Session
) -> None:
    evaluation_id, survey, questions = _setup(session)
    overall, aspects = questions[0], questions[1:]
    assert overall == "overall" and len(aspects) == 4
    data = _respondents(session, survey, questions)
    token = bearer(make_token(session, Role.office))
    unit_means = data.groupby("unit")[aspects].mean()
    category = unit_means.mean()
    for code in sorted(data["unit"].unique()):
        got = _api(client, token, evaluation_id, unit=code)
        mine = data[data["unit"] == code]
        result = got["unit"]
        assert result["n"] == len(mine)
        expected = _shapley(mine, overall, aspects)
        full = sm.OLS(mine[overall], sm.add_constant(mine[aspects])).fit().rsquared
        assert result["r_squared"] == pytest.approx(full, abs=1e-9)
        assert result["overall_performance"] == pytest.approx(mine[overall].mean())
        cut = np.mean(list(expected.values()))
        for aspect in result["aspects"]:
            x = aspect["code"]
            assert aspect["importance"] == pytest.approx(expected[x], abs=1e-9)
            assert aspect["importance_low"] <= aspect["importance"] <= aspect["importance_high"]
            assert aspect["performance"] == pytest.approx(mine[x].mean())
            assert aspect["reference"] == pytest.approx(category[x])
            important = expected[x] >= cut
            good = mine[x].mean() >= category[x]
            quadrant = {
                (True, True): "keep_up",
                (True, False): "concentrate_here",
                (False, False): "low_priority",
                (False, True): "possible_overkill",
            }[(important, good)]
            assert aspect["quadrant"] == quadrant
            assert aspect["focus"] == (quadrant == "concentrate_here")


def test_category_drivers_are_the_within_unit_fit(client: TestClient, session: Session) -> None:
    evaluation_id, survey, questions = _setup(session)
    overall, aspects = questions[0], questions[1:]
    data = _respondents(session, survey, questions)
    # Centring on each unit's means is OLS with a fixed effect per unit; R^2 is the within R^2.
    within = data[questions] - data.groupby("unit")[questions].transform("mean")
    expected = _shapley(within, overall, aspects)
    token = bearer(make_token(session, Role.office))
    got = _api(client, token, evaluation_id, category="dept-service")
    assert got["unit"] is None
    result = got["category"]
    assert result["n"] == len(data)
    unit_means = data.groupby("unit")[questions].mean().mean()
    assert result["overall_performance"] == pytest.approx(unit_means[overall])
    for aspect in result["aspects"]:
        assert aspect["importance"] == pytest.approx(expected[aspect["code"]], abs=1e-9)
        assert aspect["performance"] == pytest.approx(unit_means[aspect["code"]])
        assert aspect["reference"] == pytest.approx(unit_means[aspects].mean())
    # The demo's overall view leans on efficiency most and on openness least.
    ranked = sorted(result["aspects"], key=lambda a: -a["importance"])
    assert ranked[0]["code"] == "efficiency" and ranked[-1]["code"] == "openness"


def test_the_api_refuses_what_it_cannot_answer(client: TestClient, session: Session) -> None:
    evaluation_id, _, _ = _setup(session)
    url = f"/api/v1/evaluations/{evaluation_id}/satisfaction/drivers"
    assert client.get(url, params={"unit": "BM24"}).status_code == 401
    viewer = bearer(make_token(session, Role.viewer))
    assert client.get(url, params={"unit": "BM24"}, headers=viewer).status_code == 403
    office = bearer(make_token(session, Role.office))
    neither = client.get(url, headers={**office, "Accept-Language": "zh-CN"})
    assert neither.status_code == 422
    both = client.get(url, params={"unit": "BM24", "category": "dept-service"}, headers=office)
    assert both.status_code == 422
    assert client.get(url, params={"unit": "NOPE"}, headers=office).status_code == 404
    # BM09 is on no survey with an overall question and aspects.
    assert client.get(url, params={"unit": "BM09"}, headers=office).status_code == 404
    social = client.get(url, params={"category": "dept-social"}, headers=office)
    assert social.status_code == 404


def test_a_survey_definition_states_its_roles(client: TestClient, session: Session) -> None:
    evaluation_id, _, _ = _setup(session)
    office = bearer(make_token(session, Role.office))
    body: dict[str, Any] = {
        "evaluation_id": evaluation_id,
        "title": "窗口",
        "categories": ["dept-service"],
        "groups": ["citizens"],
        "questions": [
            {
                "code": "a",
                "kind": "rating",
                "scale": "satisfaction",
                "prompt": "效率",
                "role": "aspect",
            },
            {
                "code": "b",
                "kind": "rating",
                "scale": "satisfaction",
                "prompt": "态度",
                "role": "aspect",
            },
        ],
    }
    count = len(session.exec(select(Survey)).all())
    refused = client.post("/api/v1/surveys", json=body, headers=office)
    assert refused.status_code == 422
    assert "overall question" in refused.text
    body["questions"].append(
        {"code": "t", "kind": "text", "prompt": "建议", "role": "overall", "required": False}
    )
    assert client.post("/api/v1/surveys", json=body, headers=office).status_code == 422
    session.expire_all()
    assert len(session.exec(select(Survey)).all()) == count


def test_the_office_page_shows_the_api_figures(client: TestClient, session: Session) -> None:
    evaluation_id, _, _ = _setup(session)
    token = bearer(make_token(session, Role.office))
    got = _api(client, token, evaluation_id, unit="BM24")
    csrf = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/office/login",
        data={"username": "office", "password": "demo-password-1", "csrf_token": csrf},
    )
    assert signed_in.status_code in (200, 303)
    unit_page = client.get(f"/office/evaluations/{evaluation_id}/satisfaction/units/BM24").text
    link = f"/office/evaluations/{evaluation_id}/satisfaction/units/BM24/drivers"
    assert re.search(rf'href="[^"]*{link}" data-link="drivers"', unit_page)
    page = client.get(link)
    assert page.status_code == 200
    html = page.text
    assert "关键驱动因素" in html
    for aspect in got["unit"]["aspects"]:
        row = re.search(
            rf'<table class="drivers" data-scope="unit">.*?<tr data-aspect="{aspect["code"]}"'
            rf' data-quadrant="(\w+)".*?<td data-importance>([\d.]+)</td>.*?'
            rf"<td data-performance>([\d.]+)</td>",
            html,
            re.S,
        )
        assert row is not None
        assert row.group(1) == aspect["quadrant"]
        assert row.group(2) == f"{aspect['importance']:.3f}"
        assert row.group(3) == f"{aspect['performance']:.1f}"
    client.cookies.set(LANGUAGE_COOKIE, "en")
    english = client.get(link).text
    assert "Key drivers" in english
    # The survey by its English title, when it has one.
    assert "Survey: Yunjiang 2026: service windows." in english and "政务服务窗口" not in english
    names = ("Keep up the good work", "Concentrate here", "Low priority", "Possible overkill")
    assert any(name in english for name in names)
    client.cookies.set(LANGUAGE_COOKIE, "zh-CN")
    category = client.get(
        f"/office/evaluations/{evaluation_id}/satisfaction/categories/dept-service/drivers"
    )
    assert category.status_code == 200
    assert 'data-scope="category"' in category.text
    aspects = got["unit"]["aspects"]
    # The office page links its downloads; they answer with the same figures.
    page = client.get(f"/office/evaluations/{evaluation_id}/satisfaction/units/BM24/drivers").text
    link = re.search(r'href="([^"]*/drivers/export\.csv\?unit=BM24)"', page)
    assert link is not None
    download = client.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    downloaded = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {r["分项代码"]: r["重要性（占R²份额）"] for r in downloaded[: len(aspects)]} == {
        a["code"]: f"{a['importance']:.1%}" for a in got["unit"]["aspects"]
    }
    assert (
        client.get(
            f"/office/evaluations/{evaluation_id}/satisfaction/drivers/export.xlsx?unit=NOPE"
        ).status_code
        == 404
    )
    # A unit without a driver survey: no link, and the page answers 404.
    other = client.get(f"/office/evaluations/{evaluation_id}/satisfaction/units/BM09").text
    assert "/drivers" not in other
    missing = client.get(f"/office/evaluations/{evaluation_id}/satisfaction/units/BM09/drivers")
    assert missing.status_code == 404


@pytest.mark.own_sqlite
def test_the_cli_carries_the_drivers(tmp_path: Path) -> None:
    """``pingyi results drivers`` as a subprocess, against statsmodels on the answers of the
    database it read."""
    assert demo_into(tmp_path).returncode == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with Session(engine) as cli_session:
        survey = cli_session.exec(
            select(Survey).join(SurveyQuestion).where(col(SurveyQuestion.role).is_not(None))
        ).first()
        assert survey is not None
        data = _respondents(cli_session, survey, ["overall", *(code for code, *_ in ASPECTS)])
    engine.dispose()
    mine = data[data["unit"] == "BM24"]
    aspects = [c for c in mine.columns if c not in ("response", "unit", "overall")]
    expected = _shapley(mine, "overall", aspects)

    as_json = _run(tmp_path, "results", "drivers", "2", "--unit", "BM24")
    assert as_json.returncode == 0, as_json.stderr
    got = json.loads(as_json.stdout)["unit"]
    assert got["n"] == len(mine)
    assert {a["code"]: a["importance"] for a in got["aspects"]} == pytest.approx(expected, abs=1e-9)

    as_csv = _run(
        tmp_path,
        "results",
        "drivers",
        "2",
        "--unit",
        "BM24",
        "--format",
        "csv",
        PINGYI_DEFAULT_LANGUAGE="zh-CN",
    )
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    # The unit's aspects, then its category's, headed in Chinese.
    assert [r["范围"] for r in rows] == ["单位"] * len(aspects) + ["考核类别"] * len(aspects)
    by_aspect = {r["分项代码"]: r for r in rows[: len(aspects)]}
    for code, share in expected.items():
        assert by_aspect[code]["重要性（占R²份额）"] == f"{share:.1%}"

    refused = _run(tmp_path, "results", "drivers", "2")
    assert refused.returncode == 2 and "--unit" in refused.stderr
    missing = _run(tmp_path, "results", "drivers", "2", "--unit", "BM09")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr

    book = tmp_path / "drivers.xlsx"
    as_xlsx = _run(
        tmp_path,
        "results",
        "drivers",
        "2",
        "--category",
        "dept-service",
        "--format",
        "xlsx",
        "--out",
        str(book),
        PINGYI_DEFAULT_LANGUAGE="zh-CN",
    )
    assert as_xlsx.returncode == 0, as_xlsx.stderr
    workbook = load_workbook(book)
    assert workbook.sheetnames == ["关键驱动因素", "方法"]
    method = {row[0].value: row[1].value for row in workbook["方法"].iter_rows(min_row=2)}
    assert "Shapley" in method["方法"]
    workbook.close()
