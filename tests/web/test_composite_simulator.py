"""The improvement simulator (API and office page) and the rank-change marks over HTTP."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import Session

from survey.composite import indicators
from survey.composite import scheme as schemes
from survey.composite.schemas import IndicatorValueIn
from survey.models import Role
from tests.factories import (
    ACTOR,
    bearer,
    make_category,
    make_evaluation,
    make_token,
    make_unit,
    make_user,
)
from tests.survey.test_composite_improvement import world
from tests.web.setup_world import sign_in


def test_api_answers_each_lever(client: TestClient, session: Session) -> None:
    evaluation_id = world(session)
    url = f"/api/v1/evaluations/{evaluation_id}/results/units/IMA/improvement"
    assert client.get(url).status_code == 401
    answer = client.get(url, headers=bearer(make_token(session, Role.viewer)))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["grade"], body["target_grade"]) == ("合格", "良好")
    levers = {lever["code"]: lever for lever in body["levers"]}
    assert abs(levers["q"]["points_per_step"] - 0.4) < 1e-9
    assert levers["x"]["reachable"] and abs(levers["x"]["change"] - 10.5) < 1e-3
    missing = client.get(
        f"/api/v1/evaluations/{evaluation_id}/results/units/NOPE/improvement",
        headers=bearer(make_token(session, Role.viewer)),
    )
    assert missing.status_code == 404


def test_office_page_in_chinese_and_english(client: TestClient, session: Session) -> None:
    make_user(session, Role.viewer, username="reader")
    evaluation_id = world(session)
    sign_in(client, "reader")
    url = f"/office/evaluations/{evaluation_id}/composite/simulator"
    blank = client.get(url)
    assert (
        blank.status_code == 200
        and "提升模拟" in blank.text
        and 'id="simulation"' not in blank.text
    )
    page = client.get(url, params={"unit": "IMA"})
    assert page.status_code == 200
    assert 'data-lever="hard:q"' in page.text and "升一个等次所需最小变化" in page.text
    assert "+7.488" in page.text and "+10.5" in page.text
    top = client.get(url, params={"unit": "IMC"})
    assert "已是最高等次" in top.text
    unknown = client.get(url, params={"unit": "NOPE"})
    assert unknown.status_code == 404 and 'role="alert"' in unknown.text
    client.get("/lang/en")
    english = client.get(url, params={"unit": "IMC"})
    assert (
        "Least change to the next grade" in english.text and "already in the best" in english.text
    )


# Rank marks ------------------------------------------------------------------------------------

# Two indicators by min-max, weights 0.5 each, varied by +-50 % in the sensitivity draws.
# 2025: P = 90 + 10 wa, R = 100 - 11 wa (P ahead from wa > 0.476: at 0.5 P 95, R 94.5), Q 40,
# T 0: ranks P 1, R 2, Q 3, T 4, with P and R each in the band 1-2.
# 2026: P = 100 - 11 wa, R = 90 + 10 wa (R ahead), T 40, Q 0: R 1, P 2, T 3, Q 4.
# P fell one place within overlapping bands (1-2 both years): not significant. Q fell one
# place from a band 3-3 to 4-4: significant. With a fall of one place listed for interview,
# both stay on the list; P carries the mark.
_VALUES = {
    2025: {"a": {"P": 10, "R": 8.9, "Q": 4, "T": 0}, "b": {"P": 9, "R": 10, "Q": 4, "T": 0}},
    2026: {"a": {"P": 8.9, "R": 10, "Q": 0, "T": 4}, "b": {"P": 10, "R": 9, "Q": 0, "T": 4}},
}


def test_rank_changes_marked_where_bands_overlap(client: TestClient, session: Session) -> None:
    make_user(session, Role.viewer, username="reader")
    category = make_category(session, code="noise")
    for code in "PRQT":
        make_unit(session, category, code=f"N{code}")
    last = make_evaluation(session, year=2025)
    current = make_evaluation(session, year=2026, previous_id=last.id)
    text = """\
category: noise
indicators:
  - code: a
    name: 甲
    weight: 0.5
    method: min_max
    source: {type: hard, indicator: a, period: year}
  - code: b
    name: 乙
    weight: 0.5
    method: min_max
    source: {type: hard, indicator: b, period: year}
interview: {bottom: 0, fall_places: 1}
sensitivity: {weight_band: 0.5}
"""
    for evaluation in (last, current):
        assert evaluation.id is not None
        indicators.push_indicators(
            session,
            evaluation.id,
            [
                IndicatorValueIn(unit=f"N{u}", indicator=k, period="year", value=v)
                for k, by_unit in _VALUES[evaluation.year].items()
                for u, v in by_unit.items()
            ],
            ACTOR,
        )
        schemes.import_text(session, evaluation.id, text, ACTOR)
    token = make_token(session, Role.viewer)
    url = f"/api/v1/evaluations/{current.id}/results"
    plain = client.get(url, params={"category": "noise"}, headers=bearer(token)).json()
    assert all(u["sensitivity"] is None for u in plain["units"])
    body = client.get(
        url,
        params={"category": "noise", "sensitivity": "true", "draws": 200},
        headers=bearer(token),
    ).json()
    units = {u["unit"]: u for u in body["units"]}
    assert {c: units[c]["rank"] for c in units} == {"NR": 1, "NP": 2, "NT": 3, "NQ": 4}
    assert units["NP"]["rank_change"] == -1 and units["NQ"]["rank_change"] == -1
    p, q = units["NP"]["sensitivity"], units["NQ"]["sensitivity"]
    assert (p["rank_low"], p["rank_high"], p["previous_rank_low"], p["previous_rank_high"]) == (
        1,
        2,
        1,
        2,
    )
    assert p["rank_change_distinct"] is False
    assert (q["previous_rank_low"], q["previous_rank_high"], q["rank_change_distinct"]) == (
        3,
        3,
        True,
    )
    # Both stay on the interview list: the mark informs, it does not remove.
    assert units["NP"]["flags"]["interview_fell"] and units["NQ"]["flags"]["interview_fell"]
    sign_in(client, "reader")
    page = client.get(
        f"/office/evaluations/{current.id}/composite",
        params={"category": "noise", "sensitivity": "true", "draws": 200},
    )
    assert page.status_code == 200
    row_p = page.text.split('data-unit="NP"')[1].split("</tr>")[0]
    row_q = page.text.split('data-unit="NQ"')[1].split("</tr>")[0]
    assert 'data-mark="not-distinct"' in row_p and 'data-mark="interview-not-distinct"' in row_p
    assert "data-mark" not in row_q
    assert "由考核办决定" in row_p
    # The export carries last year's band and whether the change is significant.
    export = client.get(
        f"/office/evaluations/{current.id}/composite/export.csv",
        params={"category": "noise", "sensitivity": "true", "draws": 200},
    )
    assert export.status_code == 200
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    header = next(line for line in lines if "上年名次区间下限" in line)
    column = header.index("名次变化是否显著")
    code = header.index("单位代码")
    by_code = {line[code]: line for line in lines if len(line) > column}
    assert (by_code["NP"][column], by_code["NQ"][column]) == ("否", "是")
