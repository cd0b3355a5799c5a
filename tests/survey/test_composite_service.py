"""Sources and rules of the composite service, each against figures worked out by hand."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from scoring import recompute
from survey.composite import indicators, inputs, service
from survey.composite import scheme as schemes
from survey.composite.schemas import (
    ExcellenceGoalIn,
    IndicatorValueIn,
    QualitativeScoreIn,
)
from survey.models import EvaluationStatus
from tests.factories import (
    ACTOR,
    make_category,
    make_evaluation,
    make_group,
    make_unit,
    set_weight,
)
from tests.survey.satisfaction_data import add_many


def _totals(session: Session, evaluation_id: int) -> dict[str, float | None]:
    results = service.composite_results(session, evaluation_id, viewer=ACTOR)
    return {u.unit: u.total for u in results.units}


def test_growth_against_the_previous_evaluation_and_monthly_values(session: Session) -> None:
    category = make_category(session)
    make_unit(session, category, code="M1")
    make_unit(session, category, code="M2")
    last = make_evaluation(session, year=2025)
    current = make_evaluation(session, year=2026, previous_id=last.id)
    assert last.id is not None and current.id is not None
    indicators.push_indicators(
        session,
        last.id,
        [
            IndicatorValueIn(unit="M1", indicator="revenue", period="year", value=100),
            IndicatorValueIn(unit="M2", indicator="revenue", period="year", value=200),
        ],
        ACTOR,
    )
    values = [
        IndicatorValueIn(unit="M1", indicator="revenue", period="year", value=110),  # +10 %
        IndicatorValueIn(unit="M2", indicator="revenue", period="year", value=190),  # -5 %
    ]
    for month in range(1, 13):
        code = f"M{month:02d}"
        values.append(
            IndicatorValueIn(unit="M1", indicator="power", period=code, value=10, target=10)
        )
        if month != 7:  # M2 did not report July
            values.append(
                IndicatorValueIn(unit="M2", indicator="power", period=code, value=5, target=10)
            )
    indicators.push_indicators(session, current.id, values, ACTOR)
    text = f"""\
category: {category.code}
indicators:
  - code: speed
    name: 收入增速
    points: 20
    method: min_max
    params: {{low: -0.1, high: 0.1}}
    source: {{type: hard, indicator: revenue, period: year, growth: true}}
  - code: power
    name: 用电量
    points: 10
    method: target_completion
    source:
      type: hard
      indicator: power
      monthly: {{how: sum, cumulative: true, weights: [0.1, 0.2, 0.3, 0.4]}}
"""
    schemes.import_text(session, current.id, text, ACTOR)
    # speed: M1 grows 10 % -> (0.1 + 0.1) / 0.2 * 20 = 20; M2 -5 % -> 0.05 / 0.2 * 20 = 5.
    # power: M1 reaches every cumulative target -> 10. M2 has half of each target, and no
    # July: Q1-Q3 and the year are missing ("nan" rule), so Q1 and H1 (5 points each) are
    # renormalised: (0.1 * 5 + 0.2 * 5) / 0.3 = 5.
    assert _totals(session, current.id) == pytest.approx({"M1": 30.0, "M2": 10.0})
    explanation = service.explain_unit(session, current.id, "M2", viewer=ACTOR)
    growth = explanation["tree"]["children"][0]["detail"]["growth"]
    assert growth["inputs"] == {"current": 190.0, "previous": 200.0}
    monthly = explanation["tree"]["children"][1]
    assert monthly["source"]["monthly"]["values"]["M07"] == "NaN"
    assert monthly["detail"]["parameters"]["periods"] == ["Q1", "H1", "Q1-Q3", "year"]
    assert recompute(explanation["tree"]) == pytest.approx(10.0)


def test_satisfaction_scores_groups_and_rates(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    u1 = make_unit(session, category, code="S1")
    a, b = make_group(session), make_group(session)
    set_weight(session, evaluation, category, a, 0.6)
    set_weight(session, evaluation, category, b, 0.4)
    assert evaluation.id is not None
    # S1: group A 5 x 100 and 5 x 0 (mean 50, 50 % satisfied); group B 10 x 80 (mean 80,
    # 100 % satisfied: 比较满意 counts as satisfied).
    add_many(session, evaluation, a, u1, {"satisfied": 5, "dissatisfied": 5})
    add_many(session, evaluation, b, u1, {"fairly_satisfied": 10})
    text = f"""\
category: {category.code}
indicators:
  - {{code: all, name: 满意度, points: 10, source: {{type: satisfaction}}}}
  - code: only_b
    name: 企业满意度
    points: 10
    source: {{type: satisfaction, groups: [{b.code}]}}
  - code: rate
    name: 满意率
    points: 10
    source: {{type: satisfaction, measure: satisfied_rate}}
  - code: rate_a
    name: 群众满意率
    points: 10
    source: {{type: satisfaction, measure: satisfied_rate, groups: [{a.code}]}}
"""
    schemes.import_text(session, evaluation.id, text, ACTOR)
    # all: 0.6 * 50 + 0.4 * 80 = 62 -> 6.2 points; only_b: 80 -> 8.0;
    # rate: 0.6 * 50 % + 0.4 * 100 % = 70 % -> 7.0; rate_a: 50 % -> 5.0. Total 26.2.
    assert _totals(session, evaluation.id) == pytest.approx({"S1": 26.2})
    explanation = service.explain_unit(session, evaluation.id, "S1", viewer=ACTOR)
    leaves = {c["name"]: c for c in explanation["tree"]["children"]}
    # The rate's error is the satisfaction results' one: var(p_A) = 0.5 * 0.5 / (10 - 1),
    # var(p_B) = 0 (all satisfied); 0.6^2 * 0.25 / 9 = 0.01, so 0.1 or 10 points (the
    # binomial p(1-p)/n gave 0.6 * sqrt(0.025) = 9.49 points before).
    assert leaves["rate"]["source"]["se"] == pytest.approx(10.0)
    assert leaves["rate_a"]["source"]["se"] == pytest.approx(100 * (0.25 / 9) ** 0.5)
    assert [g["group"] for g in leaves["rate_a"]["source"]["groups_used"]] == [a.code]
    # Group A's standard error: sd 50 (population of 0s and 100s, ddof 1 -> 52.70) / sqrt 10;
    # the leaf carries the combined error rescaled to its 10 points.
    assert leaves["all"]["se"] > 0
    assert leaves["all"]["se"] == pytest.approx(leaves["all"]["source"]["se"] / 10)
    assert [g["group"] for g in leaves["only_b"]["source"]["groups_used"]] == [b.code]


def test_excellence_goals_with_difficulty(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category, code="D1")
    make_unit(session, category, code="D2")
    assert evaluation.id is not None
    inputs.put_excellence(
        session,
        evaluation.id,
        [
            ExcellenceGoalIn(
                unit="D1",
                code="g1",
                title="对标深圳",
                difficulty=1.2,
                dimensions={"创优性": 90, "攻坚性": 90},
            ),
            ExcellenceGoalIn(
                unit="D1",
                code="g2",
                title="流程再造",
                difficulty=0.8,
                dimensions={"创优性": 50, "攻坚性": 70},
            ),
            ExcellenceGoalIn(
                unit="D2",
                code="g1",
                title="平台建设",
                difficulty=1.0,
                dimensions={"创优性": 80, "攻坚性": 80, "创新性": 80},
            ),
        ],
        ACTOR,
    )
    text = f"""\
category: {category.code}
indicators:
  - code: excellence
    name: 创优目标
    points: 15
    source: {{type: excellence, difficulty: [0.8, 1.2]}}
"""
    schemes.import_text(session, evaluation.id, text, ACTOR)
    # D1: goals score 90 (x 1.2) and 60 (x 0.8): 15 * (108 + 48) / 2 / 100 = 11.7.
    # D2: 80 x 1.0: 15 * 0.8 = 12.
    assert _totals(session, evaluation.id) == pytest.approx({"D1": 11.7, "D2": 12.0})
    node = service.explain_unit(session, evaluation.id, "D1", viewer=ACTOR)["tree"]["children"][0]
    # The effective difficulty weights each goal by its score: (1.2 * 90 + 0.8 * 60) / 150.
    assert node["coefficient"] == pytest.approx(1.04)
    assert [g["code"] for g in node["source"]["goals"]] == ["g1", "g2"]


def test_coefficients_warnings_and_the_penalty_rule(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    units = [make_unit(session, category, code=f"K{i}") for i in range(1, 6)]
    lead_category = make_category(session)
    make_unit(session, lead_category, code="LEAD")
    assert evaluation.id is not None
    values = []
    for k, unit in enumerate(units):
        values += [
            IndicatorValueIn(unit=unit.code, indicator="output", period="year", value=50 + 10 * k),
            IndicatorValueIn(unit=unit.code, indicator="output", period="H1", value=30),
            IndicatorValueIn(unit=unit.code, indicator="base", period="year", value=1.0 + k / 100),
        ]
    values.append(IndicatorValueIn(unit="LEAD", indicator="output", period="year", value=80))
    indicators.push_indicators(session, evaluation.id, values, ACTOR)
    # Qualitative scores of five units: 95, 92, 88, 85, 81 -> two >= 90 (at most
    # floor(0.3 * 5) = 1) and none < 80 (at least ceil(0.2 * 5) = 1): broken twice.
    inputs.put_qualitative(
        session,
        evaluation.id,
        [
            QualitativeScoreIn(unit=u.code, item="law", lead="LEAD", score=s)
            for u, s in zip(units, [95, 92, 88, 85, 81], strict=True)
        ],
        ACTOR,
    )
    text = f"""\
category: {category.code}
blocks:
  - code: output
    name: 产出
    points: 100
    coefficient:
      indicator: output
      period: year
      rule: rank
      thresholds: [1, 2]
      tiers: [1.0, 1.05, 1.1]
      base_indicator: base
    indicators:
      - code: output
        name: 产出
        points: 100
        method: min_max
        params: {{low: 0, high: 100}}
        source: {{type: hard, indicator: output, period: year}}
warnings:
  - {{indicator: output, period: year, against: H1, max_drop: 0.1, threshold: 55}}
interview: {{bottom: 1, fall_places: null}}
differentiation: {{high: 90, max_high_share: 0.3, low: 80, min_low_share: 0.2}}
---
category: {lead_category.code}
indicators:
  - code: output
    name: 产出
    points: 100
    method: min_max
    params: {{low: 0, high: 100}}
    source: {{type: hard, indicator: output, period: year}}
interview: null
"""
    schemes.import_text(session, evaluation.id, text, ACTOR)
    results = service.composite_results(session, evaluation.id, viewer=ACTOR)
    totals = {u.unit: u.total for u in results.units}
    # Output 50..90; rank rule with cuts 1 and 2: rank 1 (K5) top tier 1.10, rank 2 (K4)
    # 1.05, the rest 1.00; each plus its base above 1.00 (k / 100):
    #   K1 50 * 1.00 = 50; K2 60 * 1.01 = 60.6; K3 70 * 1.02 = 71.4;
    #   K4 80 * (1.03 + 0.05) = 86.4; K5 90 * (1.04 + 0.10) = 102.6.
    assert totals == pytest.approx(
        {"K1": 50.0, "K2": 60.6, "K3": 71.4, "K4": 86.4, "K5": 102.6, "LEAD": 80.0}
    )
    warned = {u.unit: u.flags.warnings for u in results.units if u.flags.warnings}
    # Against H1 (30) every unit rose; only K1 (50 < 55) is below the warning level.
    assert list(warned) == ["K1"] and warned["K1"][0].breached and not warned["K1"][0].dropped
    assert [u.unit for u in results.units if u.flags.interview] == ["K1"]
    # The rule is broken, but the lead department's own scheme has no penalty item.
    (report,) = results.differentiation
    assert not report.passed and not report.penalty_applied and len(report.violations) == 2
    assert totals["LEAD"] == 80.0


def test_missing_values_are_notes_not_errors(session: Session) -> None:
    evaluation = make_evaluation(session, status=EvaluationStatus.open)
    category = make_category(session)
    make_unit(session, category, code="N1")
    make_unit(session, category, code="N2")
    assert evaluation.id is not None
    indicators.push_indicators(
        session,
        evaluation.id,
        [IndicatorValueIn(unit="N1", indicator="x", period="year", value=5)],
        ACTOR,
    )
    text = f"""\
category: {category.code}
indicators:
  - {{code: x, name: X, points: 10, method: min_max, params: {{low: 0, high: 10}},
     source: {{type: hard, indicator: x, period: year}}}}
"""
    schemes.import_text(session, evaluation.id, text, ACTOR)
    results = service.composite_results(session, evaluation.id, viewer=ACTOR)
    by_code = {u.unit: u for u in results.units}
    assert by_code["N1"].total == 5.0 and by_code["N1"].rank == 1
    assert by_code["N2"].total is None and by_code["N2"].rank is None
    assert by_code["N2"].not_scored and "value_missing" in by_code["N2"].not_scored
    assert any("N2" in note.text for note in results.categories[0].notes)
    explanation = service.explain_unit(session, evaluation.id, "N2", viewer=ACTOR)
    assert explanation["total"] == "NaN" and explanation["result"]["total"] is None
