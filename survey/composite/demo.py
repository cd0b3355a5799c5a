"""Composite scoring of the demo city: a scheme per category, two years of data, and the
published 2025 results.

Districts have five blocks with the development blocks at 80 % of the points and key
indicators scored on scale, speed and quality (Qingdao), the 高质量发展 block times Lanzhou's
tier coefficient; functional zones are comprehensive (weights) or specialised (220 of 500
points on foreign investment and trade); departments have business goals with excellence
goals, public appraisal from the satisfaction results, and qualitative scores from lead
departments, of which the Bureau of Justice breaks the differentiation rule for the urban
districts. Everything is drawn from one seed, so the demo is the same on every load.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from survey.accounts import Principal
from survey.composite import indicators, inputs, service
from survey.composite import scheme as schemes
from survey.composite.demo_schemes import DEPARTMENT_TITLES, scheme_file
from survey.composite.schemas import (
    AdjustmentCreate,
    ExcellenceGoalIn,
    IndicatorValueIn,
    QualitativeScoreIn,
)
from survey.models import Evaluation, RespondentGroup, Unit, UnitCategory
from survey.security import random_id

SEED = 20261121 + 6
QUARTERS = ("Q1", "H1", "Q1-Q3", "year")
SHARES = (0.22, 0.47, 0.73, 1.0)  # how much of a year's flow a cumulative node holds

# Data --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoComposite:
    schemes: int
    indicator_values: int
    adjustments: int
    published_units: int


def _compliant_scores(rng: random.Random, n: int) -> list[float]:
    """Scores that meet the differentiation rule: few at 90+, enough under 80, no 100."""
    top = int(0.3 * n)
    low = -(-2 * n // 10)  # ceil(0.2 n)
    scores = (
        [rng.uniform(90, 96) for _ in range(top)]
        + [rng.uniform(70, 79.5) for _ in range(low)]
        + [rng.uniform(80, 89.5) for _ in range(n - top - low)]
    )
    rng.shuffle(scores)
    return [round(s, 1) for s in scores]


def _cumulative(
    rows: list[IndicatorValueIn],
    unit: str,
    indicator: str,
    year_value: float,
    year_target: float,
    rng: random.Random,
) -> None:
    for node, share in zip(QUARTERS, SHARES, strict=True):
        jitter = 1.0 if node == "year" else rng.uniform(0.9, 1.08)
        rows.append(
            IndicatorValueIn(
                unit=unit,
                indicator=indicator,
                period=node,
                value=round(year_value * share * jitter, 2),
                target=round(year_target * share, 2),
            )
        )


def _values(year: int, units: dict[str, list[Unit]]) -> list[IndicatorValueIn]:
    """Hard-indicator values of one year: each unit keeps its profile (``stable``) and the
    year adds its own variation (``rng``), so that ranks move a little between years."""
    stable = random.Random(SEED + 1)  # noqa: S311  (reproducible demo data)
    rng = random.Random(SEED + year)  # noqa: S311
    rows: list[IndicatorValueIn] = []
    growth = year - 2025

    def one(unit: str, indicator: str, value: float, **extra: float) -> None:
        rows.append(
            IndicatorValueIn(
                unit=unit, indicator=indicator, period="year", value=round(value, 3), **extra
            )
        )

    for category in ("district-urban", "district-county"):
        urban = category == "district-urban"
        for k, unit in enumerate(units[category]):
            base = (1900 - 260 * k) if urban else (880 - 75 * k)
            strength = stable.uniform(0.85, 1.15) * rng.uniform(0.95, 1.05)
            gdp_growth = rng.uniform(3.5, 7.5)
            if unit.code == "QX10" and growth:
                gdp_growth = 2.4  # below the 3 % warning level
            gdp = base * strength * (1 + 0.055 * growth)
            one(unit.code, "gdp", gdp)
            one(unit.code, "gdp_growth", gdp_growth)
            one(unit.code, "gdp_increment", gdp * gdp_growth / 100)
            one(unit.code, "new_economy_share", rng.uniform(22, 41))
            revenue = gdp * stable.uniform(0.07, 0.1) * rng.uniform(0.99, 1.03)
            if unit.code == "QX03" and growth:
                revenue *= 0.85  # fell clearly against last year
            one(unit.code, "revenue", revenue)
            one(unit.code, "revenue_growth", rng.uniform(-2, 9))
            one(unit.code, "tax_share", rng.uniform(66, 86))
            investment_target = gdp * 0.3
            investment = investment_target * rng.uniform(0.86, 1.08)
            if unit.code == "QX07" and growth:
                investment *= 0.7  # fell by more than 10 %
            _cumulative(rows, unit.code, "investment", investment, investment_target, rng)
            fdi_target = gdp * 0.004
            one(unit.code, "fdi", fdi_target * rng.uniform(0.8, 1.1), target=round(fdi_target, 3))
            one(unit.code, "projects", rng.uniform(82, 104), target=100.0)
            one(
                unit.code,
                "attraction",
                gdp * rng.uniform(0.05, 0.12),
                benchmark=round(gdp * 0.1, 3),
            )
            one(unit.code, "rd_intensity", rng.uniform(1.4, 3.8))
            one(unit.code, "hightech", float(rng.randint(40, 420)))
            one(unit.code, "public_satisfaction", rng.uniform(82, 95))
    for category in ("zone-comprehensive", "zone-specialised"):
        for unit in units[category]:
            scale = stable.uniform(0.7, 1.3)
            fdi_target = 3.0 * scale
            fdi = fdi_target * rng.uniform(0.75, 1.05)
            if unit.code == "YQ02" and growth:
                fdi *= 0.75
            one(unit.code, "fdi", fdi, target=round(fdi_target, 3))
            trade_target = 120 * scale
            one(unit.code, "trade", trade_target * rng.uniform(0.8, 1.05), target=trade_target)
            one(unit.code, "output_growth", rng.uniform(2, 14))
            one(unit.code, "hightech", float(rng.randint(30, 260)))
    for category in DEPARTMENT_TITLES:
        for unit in units[category]:
            done = rng.uniform(91, 100.5)
            _cumulative(rows, unit.code, "key_tasks", done, 100.0, rng)
    return rows


def _qualitative(units: dict[str, list[Unit]], rng: random.Random) -> list[QualitativeScoreIn]:
    scores: list[QualitativeScoreIn] = []

    def give(item: str, lead: str, scored: Sequence[Unit], *, lenient: bool = False) -> None:
        if lenient:
            # The Bureau of Justice grades the urban districts too kindly: three of five at
            # 90 or more (at most one may be) and none below 80 (one must be).
            values = [93.0, 91.5, 90.0, 88.0, 86.5][: len(scored)]
        else:
            values = _compliant_scores(rng, len(scored))
        scores.extend(
            QualitativeScoreIn(unit=u.code, item=item, lead=lead, score=v)
            for u, v in zip(scored, values, strict=True)
        )

    give("rule_of_law", "BM21", units["district-urban"], lenient=True)
    give("rule_of_law", "BM21", units["district-county"])
    give("safety", "BM20", units["district-urban"])
    give("safety", "BM20", units["district-county"])
    for category in ("zone-comprehensive", "zone-specialised"):
        give("business_env", "BM24", units[category])
    for category in DEPARTMENT_TITLES:
        members = units[category]
        # No department scores itself: the Audit Bureau scores the Bureau of Justice, the
        # Administrative Approval Service Bureau the Big Data Bureau.
        give("rule_of_law", "BM21", [u for u in members if u.code != "BM21"])
        give("service", "BM25", [u for u in members if u.code != "BM25"])
    scores.append(QualitativeScoreIn(unit="BM21", item="rule_of_law", lead="BM23", score=78.0))
    scores.append(QualitativeScoreIn(unit="BM25", item="service", lead="BM24", score=77.0))
    return scores


_GOALS = [
    ("对标深圳优化审批流程", "Benchmark Shenzhen's approval process"),
    ("重点领域改革攻坚", "Key reform breakthrough"),
    ("数字化服务全覆盖", "Digital services everywhere"),
]


def _excellence(units: dict[str, list[Unit]], rng: random.Random) -> list[ExcellenceGoalIn]:
    goals: list[ExcellenceGoalIn] = []
    for category in DEPARTMENT_TITLES:
        for unit in units[category]:
            for k in range(rng.randint(1, 3)):
                title, _ = _GOALS[k]
                goals.append(
                    ExcellenceGoalIn(
                        unit=unit.code,
                        code=f"goal{k + 1}",
                        title=title,
                        difficulty=round(rng.uniform(0.85, 1.2), 2),
                        dimensions={
                            name: round(rng.uniform(70, 98), 1)
                            for name in ("创优性", "攻坚性", "创新性", "效益性")
                        },
                    )
                )
    return goals


_ADJUSTMENTS: dict[int, list[tuple[str, str, float, str]]] = {
    2025: [
        ("QX02", "honour", 3, "全国文明城区"),
        ("QX09", "negative", -2, "安全生产事故通报"),
        ("YQ05", "major_project", 4, "世界500强项目落地"),
        ("BM03", "honour", 2, "全省营商环境先进单位"),
    ],
    2026: [
        ("QX01", "major_project", 5, "实际投资百亿元以上项目"),
        ("QX01", "honour", 4, "国家级表彰"),
        ("QX06", "negative", -3, "环保督察问题通报"),
        ("YQ02", "major_project", 6, "世界500强企业区域总部"),
        ("BM24", "honour", 3, "国务院督查激励"),
        ("BM13", "negative", -1.5, "信访事项办理不力"),
    ],
}


def _seed_satisfaction(session: Session, evaluation: Evaluation, rng: random.Random) -> int:
    """Last year's appraisal of the departments, as imported responses."""
    from survey.surveys.writer import ANSWER_COLUMNS, RESPONSE_COLUMNS, insert_rows

    assert evaluation.id is not None
    departments = list(
        session.exec(
            select(Unit)
            .join(UnitCategory, col(UnitCategory.id) == Unit.category_id)
            .where(col(UnitCategory.code).startswith("dept-"))
            .order_by(col(Unit.code))
        )
    )
    groups = {g.code: g.id for g in session.exec(select(RespondentGroup))}
    liked = {u.id: rng.uniform(0.55, 0.9) for u in departments}
    sizes = {"citizens": 240, "enterprise": 60, "npc": 30, "cppcc": 30, "party": 20}
    sizes |= {"cadres": 40, "civil": 20}
    levels = [
        ("satisfied", 100.0),
        ("fairly_satisfied", 80.0),
        ("basically_satisfied", 60.0),
        ("dissatisfied", 0.0),
    ]
    start = datetime(evaluation.year, 11, 1, tzinfo=UTC)
    responses: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    for group, count in sizes.items():
        for _ in range(count):
            response = {
                "id": random_id(),
                "evaluation_id": evaluation.id,
                "group_id": groups[group],
                "channel": "import",
                "submitted_at": start + timedelta(days=rng.randrange(0, 40)),
                "time_precision": "day",
                "quality_flags": 0,
            }
            responses.append(tuple(response.get(c) for c in RESPONSE_COLUMNS))
            for seq, unit in enumerate(departments):
                if rng.random() < 0.15:
                    level, value = "dont_know", None
                else:
                    q = liked[unit.id]
                    weights = [q**2, 2 * q * (1 - q), (1 - q) * 0.8, (1 - q) ** 1.5 * 0.6]
                    level, value = rng.choices(levels, weights)[0]
                answer = {
                    "response_id": response["id"],
                    "seq": seq,
                    "evaluation_id": evaluation.id,
                    "group_id": groups[group],
                    "unit_id": unit.id,
                    "question": "overall",
                    "level": level,
                    "value": value,
                    "counted": True,  # no quality flags in this seed
                }
                answers.append(tuple(answer.get(c) for c in ANSWER_COLUMNS))
    insert_rows(session.connection(), responses, answers, [])
    session.commit()
    return len(responses)


def load_demo_composite(
    session: Session, evaluations: Sequence[Evaluation], actor: Principal
) -> DemoComposite:
    """Schemes, data and inputs of both demo years; the published year gets its snapshot."""
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data, not secrets)
    categories = {c.id: c.code for c in session.exec(select(UnitCategory))}
    units: dict[str, list[Unit]] = {}
    for unit in session.exec(select(Unit).order_by(col(Unit.sort_order), col(Unit.code))):
        units.setdefault(categories[unit.category_id], []).append(unit)
    stored_schemes = values = entries = published = 0
    for evaluation in evaluations:
        assert evaluation.id is not None
        was = evaluation.status
        if was == "published":
            # Last year's data went in while it was open; it was published afterwards.
            evaluation.status = "closed"
            session.add(evaluation)
            session.commit()
            _seed_satisfaction(session, evaluation, rng)
        stored_schemes += len(
            schemes.import_text(
                session,
                evaluation.id,
                scheme_file(evaluation.year),
                actor,
                note=f"{evaluation.year}年度考核方案",
            )
        )
        rows = _values(evaluation.year, units)
        values += indicators.push_indicators(session, evaluation.id, rows, actor).received
        inputs.put_qualitative(session, evaluation.id, _qualitative(units, rng), actor)
        inputs.put_excellence(session, evaluation.id, _excellence(units, rng), actor)
        for code, item, points, reason in _ADJUSTMENTS.get(evaluation.year, []):
            inputs.add_adjustment(
                session,
                evaluation.id,
                AdjustmentCreate(
                    unit=code, item=item, points=points, reason=reason, approved_by="市考核委"
                ),
                actor,
            )
            entries += 1
        if was == "published":
            published += len(service.publish_results(session, evaluation.id, actor).units)
    return DemoComposite(
        schemes=stored_schemes,
        indicator_values=values,
        adjustments=entries,
        published_units=published,
    )
