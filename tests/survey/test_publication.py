"""Publication versions: canonical JSON, freezing, corrections and verification.

A small city is built the same way twice when needed (explicit codes and ids, fixed times),
so that its digests can be compared between this run's database (PostgreSQL in CI's second
run) and a fresh SQLite file in the same test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Engine, text, update
from sqlmodel import Session, SQLModel

from survey.composite import indicators, inputs
from survey.composite import scheme as schemes
from survey.composite import service as composite_service
from survey.composite.schemas import AdjustmentCreate, IndicatorValueIn, QualitativeScoreIn
from survey.db import build_engine
from survey.errors import Conflict, Invalid, NotFound
from survey.migrate import upgrade
from survey.models import (
    Evaluation,
    EvaluationStatus,
    GroupWeight,
    Period,
    PeriodKind,
    PublicationVersion,
    RespondentGroup,
    Unit,
    UnitCategory,
)
from survey.organisation import lifecycle
from survey.publication import canonical, service
from survey.publication import inputs as frozen_inputs
from survey.satisfaction.service import satisfaction_results
from tests.factories import ACTOR
from tests.survey.satisfaction_data import add_many

FIXED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

SCHEME = """\
category: districts
indicators:
  - {code: sat, name: 群众满意度, points: 30, source: {type: satisfaction}}
  - code: growth
    name: 收入增速
    points: 40
    method: min_max
    params: {low: -0.1, high: 0.2}
    source: {type: hard, indicator: revenue, period: year, growth: true}
  - {code: law, name: 依法行政, points: 30, source: {type: qualitative, item: law}}
adjustments:
  - code: bonus
    name: 加减分
    items:
      - {code: honour, name: 省部级表彰, low: 1, high: 5}
grades:
  thresholds: [80, 70, 60]
interview: null
"""
LAST_SCHEME = """\
category: districts
indicators:
  - code: revenue
    name: 收入
    points: 100
    method: min_max
    params: {low: 0, high: 200}
    source: {type: hard, indicator: revenue, period: year}
interview: null
"""
UNITS = ["D1", "D2", "D3", "D4"]
# Answers per unit and group: citizens (weight 0.35) and firms (0.65); D4's firms are only 3,
# under the suppression threshold of 5.
CITIZENS = {
    "D1": {"satisfied": 30, "fairly_satisfied": 11, "dissatisfied": 4},
    "D2": {"satisfied": 17, "fairly_satisfied": 20, "basically_satisfied": 9},
    "D3": {"satisfied": 9, "basically_satisfied": 13, "dissatisfied": 12, "dont_know": 3},
    "D4": {"satisfied": 21, "fairly_satisfied": 7, "basically_satisfied": 7},
}
FIRMS = {
    "D1": {"satisfied": 7, "fairly_satisfied": 6},
    "D2": {"satisfied": 3, "fairly_satisfied": 9, "dissatisfied": 2},
    "D3": {"fairly_satisfied": 8, "basically_satisfied": 3},
    "D4": {"satisfied": 2, "dissatisfied": 1},
}
REVENUE_LAST = {"D1": 100.0, "D2": 120.0, "D3": 90.0, "D4": 70.0}
REVENUE_NOW = {"D1": 112.5, "D2": 121.3, "D3": 99.0, "D4": 66.6}
LAW = {"D1": 91.0, "D2": 84.5, "D3": 77.25, "D4": 80.0}


def build_city(session: Session) -> Evaluation:
    """Last year's published evaluation and this year's open one, with every kind of input."""
    category = UnitCategory(id=1, code="districts", name="区县", name_en="Districts")
    lead_category = UnitCategory(id=2, code="bureaus", name="市直部门", sort_order=1)
    session.add_all([category, lead_category])
    session.flush()
    for k, code in enumerate(UNITS):
        session.add(Unit(id=k + 1, code=code, name=f"第{k + 1}区", category_id=1, sort_order=k))
    session.add(Unit(id=9, code="LAW", name="司法局", category_id=2))
    citizens = RespondentGroup(id=1, code="citizens", name="市民", kind="public")
    firms = RespondentGroup(id=2, code="firms", name="企业", kind="public", sort_order=1)
    session.add_all([citizens, firms])
    last = Evaluation(id=1, name="2025年度考核", year=2025, status=EvaluationStatus.closed)
    current = Evaluation(
        id=2, name="2026年度考核", year=2026, status=EvaluationStatus.open, previous_id=1
    )
    session.add_all([last, current])
    session.flush()
    session.add(Period(id=1, evaluation_id=2, code="Q1", name="一季度", kind=PeriodKind.quarter))
    session.add(GroupWeight(evaluation_id=2, category_id=1, group_id=1, weight=0.35))
    session.add(GroupWeight(evaluation_id=2, category_id=1, group_id=2, weight=0.65))
    session.commit()
    schemes.import_text(session, 1, LAST_SCHEME, ACTOR)
    indicators.push_indicators(
        session,
        1,
        [
            IndicatorValueIn(unit=u, indicator="revenue", period="year", value=v)
            for u, v in REVENUE_LAST.items()
        ],
        ACTOR,
    )
    service.publish(session, 1, ACTOR)
    units = {u: session.get(Unit, k + 1) for k, u in enumerate(UNITS)}
    for code, unit in units.items():
        assert unit is not None
        add_many(session, current, citizens, unit, CITIZENS[code], period_id=1)
        add_many(session, current, firms, unit, FIRMS[code], period_id=1)
    schemes.import_text(session, 2, SCHEME, ACTOR)
    indicators.push_indicators(
        session,
        2,
        [
            IndicatorValueIn(unit=u, indicator="revenue", period="year", value=v)
            for u, v in REVENUE_NOW.items()
        ],
        ACTOR,
    )
    inputs.put_qualitative(
        session,
        2,
        [QualitativeScoreIn(unit=u, item="law", lead="LAW", score=s) for u, s in LAW.items()],
        ACTOR,
    )
    inputs.add_adjustment(
        session,
        2,
        AdjustmentCreate(
            unit="D3", item="honour", points=2.5, reason="省级表彰", approved_by="市考核委"
        ),
        ACTOR,
    )
    _fix_times(session)
    lifecycle.take_step(session, 2, lifecycle.Step.close, ACTOR)
    return current


def _fix_times(session: Session) -> None:
    """Every time in the frozen tables set to one instant, so that two builds are alike."""
    names = [*frozen_inputs.ORGANISATION_TABLES, *frozen_inputs.EVALUATION_TABLES]
    for name in names:
        table = SQLModel.metadata.tables[name]
        for column in table.c:
            if isinstance(getattr(column.type, "impl", column.type), DateTime):
                session.execute(update(table).values({column.name: FIXED}))
    session.commit()


def _reset_ids(engine: Engine) -> None:
    """PostgreSQL keeps its id sequences across the suite's emptying; start them again."""
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))


@pytest.fixture
def city(session: Session, engine: Engine) -> Evaluation:
    _reset_ids(engine)
    return build_city(session)


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> Iterator[Session]:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(url)
    other = build_engine(url)
    with Session(other, expire_on_commit=False) as session:
        yield session
    other.dispose()


# Canonical JSON ----------------------------------------------------------------------------


def test_canonical_json_sorts_keys_fixes_floats_and_keeps_utf8() -> None:
    value = {"b": [1, 2.5, -0.0, math.nan, 1e-12], "a": "满意", "c": {"z": True, "y": None}}
    assert canonical.canonical_json(value) == (
        '{"a":"满意","b":[1,2.5,0.0,null,0.0],"c":{"y":null,"z":false}}'.replace("false", "true")
    )
    # Rounded at ten decimals, then the shortest form that reads back the same double.
    assert canonical.canonical_float(84.31934567891234) == "84.3193456789"
    assert canonical.canonical_float(0.1 + 0.2) == "0.3"
    assert canonical.canonical_float(100.0) == "100.0"
    # The same number from another summation order (last-bit noise) writes the same text.
    assert canonical.canonical_float(sum([0.1] * 10)) == canonical.canonical_float(1.0)
    text_ = canonical.canonical_json({"k": "评议"})
    assert canonical.digest(text_) == __import__("hashlib").sha256(text_.encode()).hexdigest()
    # Reading the text back and writing it again gives the same bytes.
    again = canonical.canonical_json(json.loads(canonical.canonical_json(value)))
    assert again == canonical.canonical_json(value)


# Publishing, correcting and verifying --------------------------------------------------------


def test_publish_correct_and_verify(session: Session, city: Evaluation) -> None:
    assert city.id == 2
    # What the live tables give before publishing, to compare with the frozen computation.
    live_composite = composite_service.composite_results(session, 2, viewer=ACTOR)
    live_satisfaction = satisfaction_results(session, 2, viewer=ACTOR, rank_intervals=False)
    first = service.publish(session, 2, ACTOR)
    assert first.version == 1 and first.reason == ""
    assert first.inputs_digest == canonical.digest(first.inputs_json)
    assert first.results_digest == canonical.digest(first.results_json)
    frozen = json.loads(first.inputs_json)
    # The inputs hold the counts per period, channel, unit, group, question, level and cell.
    assert [2, "qr", 1, 1, "overall", "satisfied", None, 30] not in frozen["counts"]["answers"]
    assert [1, "qr", 1, 1, "overall", "satisfied", None, 30] in frozen["counts"]["answers"]
    assert {r["unit_id"]: r["score"] for r in frozen["tables"]["qualitative_score"]} == {
        1: 91.0,
        2: 84.5,
        3: 77.25,
        4: 80.0,
    }
    assert frozen["previous"]["ranks"] == {"districts": {"D1": 2, "D2": 1, "D3": 3, "D4": 4}}
    # Recomputing from the frozen inputs, twice, gives the stored digest each time.
    for _ in range(2):
        recomputed, _ = service._results_from(first.inputs_json, 2, None)
        assert canonical.digest(recomputed) == first.results_digest
    assert service.verify(session, 2).ok

    # Hand-checked: D4's firms (3 answers) are withheld from the public, and D1's score is
    # the weighted mean of its trimmed group means.
    results = json.loads(first.results_json)
    d4 = next(
        u for u in results["satisfaction"]["cells"] if u["unit"] == "D4" and u["group"] == "firms"
    )
    assert d4["mean"] is None
    totals = {u["unit"]: u["total"] for u in results["composite"]["units"]}
    assert set(totals) == set(UNITS)
    # The frozen inputs are complete: the results computed from them alone are the live ones.
    assert totals == pytest.approx({u.unit: u.total for u in live_composite.units}, abs=1e-9)
    assert {u["unit"]: (u["rank"], u["grade"]) for u in results["composite"]["units"]} == {
        u.unit: (u.rank, u.grade) for u in live_composite.units
    }
    assert {u["unit"]: u["score"] for u in results["satisfaction"]["units"]} == pytest.approx(
        {u.unit: u.score for u in live_satisfaction.units}, abs=1e-9
    )

    # A correction: refused without a reason, then a new version with one.
    with pytest.raises(Conflict):
        service.publish(session, 2, ACTOR)
    service.reopen_for_correction(session, 2, ACTOR)
    with pytest.raises(Invalid):
        service.publish(session, 2, ACTOR, reason="  ")
    inputs.add_adjustment(
        session,
        2,
        AdjustmentCreate(unit="D4", item="honour", points=3, reason="补录", approved_by="市考核委"),
        ACTOR,
    )
    second = service.publish(session, 2, ACTOR, reason="补录D4加分")
    assert second.version == 2 and second.reason == "补录D4加分"
    assert second.results_digest != first.results_digest
    new_totals = {u["unit"]: u["total"] for u in service.results_of(second)["composite"]["units"]}
    assert new_totals["D4"] == pytest.approx(totals["D4"] + 3)
    assert {k: v for k, v in new_totals.items() if k != "D4"} == pytest.approx(
        {k: v for k, v in totals.items() if k != "D4"}
    )
    # The earlier version stays readable; the public page shows the newest by default.
    found, shown = service.public_publication(session, 2)
    assert shown.version == 2 and [v.version for v in found.shown] == [1, 2]
    assert service.public_publication(session, 2, 1)[1].results_digest == first.results_digest
    # The composite results served now are version 2's.
    served = composite_service.composite_results(session, 2, viewer=None)
    assert {u.unit: u.total for u in served.units} == pytest.approx(new_totals)
    report = service.verify(session, 2)
    assert report.ok and [v[0] for v in report.versions] == [1, 2]

    # Withdrawn versions leave the public page; put back, they return.
    service.set_withdrawn(session, 2, 2, True, ACTOR)
    assert service.public_publication(session, 2)[1].version == 1
    service.set_withdrawn(session, 2, 1, True, ACTOR)
    with pytest.raises(NotFound):
        service.public_publication(session, 2)
    assert 2 not in {p.evaluation.id for p in service.public_listing(session)}
    service.set_withdrawn(session, 2, 2, False, ACTOR)
    assert service.public_publication(session, 2)[1].version == 2


def test_published_figures_do_not_move_and_verify_finds_changes_behind_the_back(
    session: Session, city: Evaluation
) -> None:
    service.publish(session, 2, ACTOR)
    before = satisfaction_results(session, 2, viewer=None, rank_intervals=False)
    d1 = next(u for u in before.units if u.unit == "D1")
    # One more answer slips in behind every channel's back (straight into the tables).
    unit = session.get(Unit, 1)
    citizens = session.get(RespondentGroup, 1)
    assert unit is not None and citizens is not None
    add_many(session, city, citizens, unit, {"dissatisfied": 1}, period_id=1)
    after = satisfaction_results(session, 2, viewer=ACTOR, rank_intervals=False)
    assert next(u for u in after.units if u.unit == "D1").n_valid == d1.n_valid
    assert next(u for u in after.units if u.unit == "D1").score == d1.score
    report = service.verify(session, 2)
    assert not report.ok
    assert [(d.version, d.part) for d in report.differences] == [(None, "inputs.counts")]


def test_verify_names_the_version_and_part_of_an_altered_stored_input(
    session: Session, city: Evaluation
) -> None:
    first = service.publish(session, 2, ACTOR)
    service.reopen_for_correction(session, 2, ACTOR)
    service.publish(session, 2, ACTOR, reason="复核")
    assert service.verify(session, 2).ok
    altered = first.inputs_json.replace('"score":91.0', '"score":99.0')
    assert altered != first.inputs_json
    session.execute(
        text("UPDATE publication_version SET inputs_json = :t WHERE id = :id"),
        {"t": altered, "id": first.id},
    )
    session.commit()
    report = service.verify(session, 2)
    parts = {(d.version, d.part) for d in report.differences}
    assert (1, "inputs.tables.qualitative_score") in parts
    assert (1, "results.composite") in parts and (1, "results.composite.districts") in parts
    assert all(d.version == 1 for d in report.differences)


def test_digests_agree_between_this_database_and_a_fresh_sqlite_file(
    session: Session, city: Evaluation, fresh_sqlite: Session
) -> None:
    here = service.publish(session, 2, ACTOR)
    build_city(fresh_sqlite)
    there = service.publish(fresh_sqlite, 2, ACTOR)
    assert json.loads(here.inputs_json) == json.loads(there.inputs_json)
    assert here.inputs_digest == there.inputs_digest
    assert here.results_digest == there.results_digest
    # And last year's, published inside the build.
    assert [v.results_digest for v in service.versions_of(session, 1)] == [
        v.results_digest for v in service.versions_of(fresh_sqlite, 1)
    ]
    assert session.get(PublicationVersion, here.id) is not None
