"""Scoring indicators in batches changes nothing a user sees.

``build_tree`` scores the hard indicators that share method, parameters and periods together
(``score_rows``). With the batching switched off, every indicator goes through the
one-indicator functions as before; results, category notes (warnings, in order) and every
unit's explanation must come out the same, on data with missing values, equal values, ties,
targets of 0, a fixed target, a linear benchmark, a rank table and a growth rate.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from sqlmodel import Session

from survey.composite import indicators, service
from survey.composite import scheme as schemes
from survey.composite.schemas import IndicatorValueIn
from tests.factories import ACTOR, make_category, make_evaluation, make_unit

SCHEME = """\
category: {category}
periods: {{codes: [Q1, H1, Q1-Q3, year], weights: [0.1, 0.2, 0.3, 0.4]}}
blocks:
  - code: a
    name: 甲
    weight: 0.5
    indicators:
      - {{code: t1, name: t1, weight: 0.1, method: target_completion, params: {{cap: 1.2}},
          source: {{type: hard, indicator: t1}}}}
      - {{code: t2, name: t2, weight: 0.1, method: target_completion, params: {{cap: 1.2}},
          source: {{type: hard, indicator: t2}}}}
      - {{code: t3, name: t3, weight: 0.1, method: target_completion, params: {{target: 50}},
          source: {{type: hard, indicator: t3}}}}
      - {{code: e1, name: e1, weight: 0.1, method: efficacy_coefficient,
          source: {{type: hard, indicator: e1}}}}
      - {{code: e2, name: e2, weight: 0.1, method: efficacy_coefficient,
          source: {{type: hard, indicator: e2}}}}
      - {{code: m1, name: m1, weight: 0.1, method: min_max, params: {{min_points: 40}},
          direction: lower, source: {{type: hard, indicator: m1}}}}
      - {{code: m2, name: m2, weight: 0.1, method: min_max, params: {{min_points: 40}},
          direction: lower, source: {{type: hard, indicator: m2}}}}
      - {{code: g1, name: g1, weight: 0.3, method: min_max,
          source: {{type: hard, indicator: g1, growth: true, period: year}}}}
  - code: b
    name: 乙
    weight: 0.5
    indicators:
      - {{code: z1, name: z1, weight: 0.2, method: z_score, source: {{type: hard, indicator: z1}}}}
      - {{code: z2, name: z2, weight: 0.2, method: z_score, source: {{type: hard, indicator: z2}}}}
      - {{code: r1, name: r1, weight: 0.2, method: rank_points,
          params: {{table: [10, 8, 6], ties: average}}, points: 10,
          source: {{type: hard, indicator: r1}}}}
      - {{code: r2, name: r2, weight: 0.2, method: rank_points,
          params: {{table: [10, 8, 6], ties: average}}, points: 10,
          source: {{type: hard, indicator: r2}}}}
      - {{code: k1, name: k1, weight: 0.1, method: benchmark,
          params: {{mode: linear, zero_at: -100}}, source: {{type: hard, indicator: k1}}}}
      - {{code: k2, name: k2, weight: 0.1, method: benchmark,
          source: {{type: hard, indicator: k2}}}}
"""
PERIODS = ("Q1", "H1", "Q1-Q3", "year")
HARD = ("t1", "t2", "t3", "e1", "e2", "m1", "m2", "z1", "z2", "r1", "r2", "k1", "k2")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return bool(a == b)


def _everything(session: Session, evaluation_id: int, units: list[str]) -> Any:
    results = service.composite_results(session, evaluation_id, viewer=ACTOR)
    explanations = [
        service.explain_unit(session, evaluation_id, code, viewer=ACTOR) for code in units
    ]
    return results.model_dump(mode="json"), explanations


def test_batched_scoring_equals_one_indicator_at_a_time(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    last = make_evaluation(session, year=2025)
    evaluation = make_evaluation(session, year=2026, previous_id=last.id)
    assert last.id is not None and evaluation.id is not None
    categories = [make_category(session) for _ in range(2)]
    units = [make_unit(session, c).code for c in categories for _ in range(7)]
    values: list[IndicatorValueIn] = []
    previous: list[IndicatorValueIn] = []
    for n, unit in enumerate(units):
        for indicator in HARD:
            for p, period in enumerate(PERIODS):
                if rng.random() < 0.15:
                    continue  # missing
                value = round(rng.uniform(-10, 150), 1)
                if indicator == "e2":
                    value = 70.0  # every value equal: no range
                if indicator == "r1":
                    value = float(rng.choice([10, 20, 30]))  # ties
                target = None if rng.random() < 0.1 else (0.0 if n == 0 else 25.0 * (p + 1))
                values.append(
                    IndicatorValueIn(
                        unit=unit,
                        indicator=indicator,
                        period=period,
                        value=value,
                        target=target,
                        benchmark=100.0 + p if rng.random() > 0.1 else None,
                    )
                )
        values.append(IndicatorValueIn(unit=unit, indicator="g1", period="year", value=120.0))
        previous.append(IndicatorValueIn(unit=unit, indicator="g1", period="year", value=100.0 + n))
    indicators.push_indicators(session, evaluation.id, values, ACTOR)
    indicators.push_indicators(session, last.id, previous, ACTOR)
    text = "---\n".join(SCHEME.format(category=c.code) for c in categories)
    schemes.import_text(session, evaluation.id, text, ACTOR)

    batched = _everything(session, evaluation.id, units)
    # The batches did form and give warnings (missing values, no range...).
    assert any(c["notes"] for c in batched[0]["categories"])
    monkeypatch.setattr(schemes._Builder, "batch_hard", lambda self: None)
    one_by_one = _everything(session, evaluation.id, units)
    assert _same(batched[0], one_by_one[0])
    for got, want in zip(batched[1], one_by_one[1], strict=True):
        assert _same(got, want)
