"""The combined satisfaction rate and numeric scales through the API and the CLI.

Every figure is worked out by hand in the comments (and the intervals with statsmodels); the
answers go in as an office imports them: a CSV file, here through ``pingyi import responses``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, create_engine
from statsmodels.stats.proportion import proportion_confint

from survey.models import Role
from survey.satisfaction.importer import import_responses
from tests.cli_runs import run_cli as _run
from tests.factories import (
    ACTOR,
    bearer,
    make_category,
    make_evaluation,
    make_group,
    make_token,
    make_unit,
    set_weight,
)

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder

# Group A (weight 0.6) answers 10, 8, 6, 4, 0 on a 0-10 scale: 100, 80, 60, 40, 0 points,
# mean 56, sample variance 5920 / 4 = 1480; three of five at 6 or more: rate 0.6.
# Group B (weight 0.4) answers 9, 9, 7, 5, 10: 90, 90, 70, 50, 100 points, mean 80, variance
# 1600 / 4 = 400; four of five satisfied: rate 0.8.
ZERO_TEN = {"a": ["10", "8", "6", "4", "0"], "b": ["9", "9", "7", "5", "10"]}
SCORE = 0.6 * 56 + 0.4 * 80  # 65.6
SCORE_SE = math.sqrt(0.36 * 1480 / 5 + 0.16 * 400 / 5)  # sqrt(119.36)
RATE = 0.6 * 0.6 + 0.4 * 0.8  # 0.68
RATE_VAR = 0.36 * (0.6 * 0.4 / 4) + 0.16 * (0.8 * 0.2 / 4)  # 0.028
RATE_N = RATE * (1 - RATE) / RATE_VAR  # 7.771...


def _file(answers: dict[str, list[str]], groups: dict[str, str], unit: str) -> bytes:
    lines = ["respondent_id,group,unit,question,answer"]
    for key, values in answers.items():
        lines += [f"{key}{i},{groups[key]},{unit},overall,{v}" for i, v in enumerate(values)]
    return ("\n".join(lines) + "\n").encode()


def test_combined_rate_and_a_zero_to_ten_scale_through_the_api(
    client: TestClient, session: Session
) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    unit = make_unit(session, category)
    a, b = make_group(session), make_group(session, kind="delegate")
    set_weight(session, evaluation, category, a, 0.6)
    set_weight(session, evaluation, category, b, 0.4)
    office = bearer(make_token(session, Role.office))
    policy_url = f"/api/v1/evaluations/{evaluation.id}/satisfaction-policy"
    # A scale that runs backwards is refused in the reader's language (the installation's,
    # Chinese), and nothing is stored.
    refused = client.put(policy_url, json={"numeric_scale": {"low": 10, "high": 0}}, headers=office)
    assert refused.status_code == 422 and "数值量表" in refused.text
    assert client.get(policy_url).json()["version"] == 0
    saved = client.put(
        policy_url,
        json={"numeric_scale": {"low": 0, "high": 10, "satisfied_from": 6}},
        headers=office,
    )
    assert saved.status_code == 200, saved.text
    assert evaluation.id is not None
    data = _file(ZERO_TEN, {"a": a.code, "b": b.code}, unit.code)
    import_responses(session, evaluation.id, data, "paper.csv", actor=ACTOR)

    body = client.get(f"/api/v1/evaluations/{evaluation.id}/satisfaction", headers=office).json()
    assert body["unscored_answers"] == 0
    [found] = body["units"]
    assert found["score"] == pytest.approx(SCORE)
    assert found["se"] == pytest.approx(SCORE_SE)
    assert found["satisfied_rate"] == pytest.approx(RATE)
    assert found["rate_se"] == pytest.approx(math.sqrt(RATE_VAR))
    assert found["rate_n_eff"] == pytest.approx(RATE_N)
    low, high = proportion_confint(RATE * RATE_N, RATE_N, alpha=0.05, method="wilson")
    assert (found["rate_ci_low"], found["rate_ci_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    cells = {c["group"]: c for c in body["cells"]}
    assert cells[a.code]["rate_se"] == pytest.approx(math.sqrt(0.6 * 0.4 / 4))
    assert cells[b.code]["mean"] == pytest.approx(80)


def _setup_cli_database(tmp_path: Path, scale: dict[str, float]) -> tuple[int, str, str, str]:
    """An evaluation with one unit and two weighted groups in the CLI's database."""
    tmp_path.mkdir(exist_ok=True)
    assert _run(tmp_path, "migrate").returncode == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    from survey.satisfaction.policy import set_policy
    from survey.satisfaction.schemas import NumericScaleSettings, SatisfactionPolicyPut

    with Session(engine) as session:
        evaluation = make_evaluation(session)
        category = make_category(session)
        unit = make_unit(session, category)
        a, b = make_group(session), make_group(session, kind="delegate")
        set_weight(session, evaluation, category, a, 0.6)
        set_weight(session, evaluation, category, b, 0.4)
        assert evaluation.id is not None
        put = SatisfactionPolicyPut(numeric_scale=NumericScaleSettings(**scale))
        set_policy(session, evaluation.id, put, ACTOR)
        found = evaluation.id, unit.code, a.code, b.code
    engine.dispose()
    return found


def test_zero_to_ten_and_one_to_hundred_scales_through_the_cli(tmp_path: Path) -> None:
    evaluation, unit, a, b = _setup_cli_database(tmp_path, {"low": 0, "high": 10})
    answers = tmp_path / "paper.csv"
    answers.write_bytes(_file(ZERO_TEN, {"a": a, "b": b}, unit))
    imported = _run(tmp_path, "import", "responses", str(answers), "--evaluation", str(evaluation))
    assert imported.returncode == 0, imported.stderr
    shown = _run(tmp_path, "results", "satisfaction", str(evaluation))
    assert shown.returncode == 0, shown.stderr
    [found] = json.loads(shown.stdout)["units"]
    # No satisfied_from: the answer worth 60 points, 6, counts as satisfied, as above.
    assert found["score"] == pytest.approx(SCORE)
    assert found["satisfied_rate"] == pytest.approx(RATE)
    assert found["rate_se"] == pytest.approx(math.sqrt(RATE_VAR))
    table = _run(
        tmp_path,
        "results",
        "satisfaction",
        str(evaluation),
        "--format",
        "csv",
        PINGYI_DEFAULT_LANGUAGE="zh-CN",
    )
    [row] = list(csv.DictReader(io.StringIO(table.stdout)))
    assert float(row["满意率"].rstrip("%")) == pytest.approx(68.0)

    # A 1-100 scale with 40 different answers, 41 to 80, from group A alone: points
    # 100 (v - 1) / 99, mean 100 * 59.5 / 99; the sample variance of 40 consecutive whole
    # numbers is 40 * 41 / 12; satisfied from 1 + 0.6 * 99 = 60.4, so 61 to 80: half.
    wide, unit, a, _ = _setup_cli_database(tmp_path / "wide", {"low": 1, "high": 100})
    answers = tmp_path / "wide.csv"
    answers.write_bytes(_file({"a": [str(v) for v in range(41, 81)]}, {"a": a}, unit))
    imported = _run(
        tmp_path / "wide", "import", "responses", str(answers), "--evaluation", str(wide)
    )
    assert imported.returncode == 0, imported.stderr
    shown = _run(tmp_path / "wide", "results", "satisfaction", str(wide))
    body = json.loads(shown.stdout)
    [found] = body["units"]
    assert body["unscored_answers"] == 0
    assert found["score"] == pytest.approx(100 * 59.5 / 99)
    assert found["se"] == pytest.approx(100 / 99 * math.sqrt(40 * 41 / 12 / 40))
    assert found["satisfied_rate"] == pytest.approx(0.5)
    assert found["rate_se"] == pytest.approx(math.sqrt(0.25 / 39))
    # Trimmed mean without 41 and 80: the same centre.
    [cell] = [c for c in body["cells"] if c["group"] == a]
    assert cell["trimmed_mean"] == pytest.approx(100 * 59.5 / 99)


def test_an_import_the_policy_cannot_score_names_its_rows_in_chinese(tmp_path: Path) -> None:
    evaluation, unit, a, b = _setup_cli_database(tmp_path, {"low": 1, "high": 5})
    answers = tmp_path / "paper.csv"
    answers.write_text(
        "respondent_id,group,unit,question,answer\n"
        f"r1,{a},{unit},overall,4\n"
        f"r2,{a},{unit},overall,7\n"
        f"r3,{b},{unit},overall,不了解\n"
        f"r4,{b},{unit},overall,0\n",
        encoding="utf-8",
    )
    refused = _run(
        tmp_path,
        "import",
        "responses",
        str(answers),
        "--evaluation",
        str(evaluation),
        PINGYI_DEFAULT_LANGUAGE="zh-CN",
    )
    assert refused.returncode == 1
    assert "第 3 行" in refused.stderr and "第 5 行" in refused.stderr, refused.stderr
    assert "第 2 行" not in refused.stderr and "第 4 行" not in refused.stderr
    assert "满意度计分规则无法为题目 overall 的答案 7 计分" in refused.stderr
    shown = _run(tmp_path, "results", "satisfaction", str(evaluation))
    assert json.loads(shown.stdout)["cells"] == []
