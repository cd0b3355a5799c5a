"""Hard-indicator files and pushes: all or nothing, problems by row and column, upserts."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlmodel import Session, col, select

from survey.composite import indicators
from survey.composite.models import IndicatorValue
from survey.composite.schemas import IndicatorValueIn
from survey.errors import Invalid
from survey.import_problems import ImportRejected
from survey.models import AuditLog, Unit
from tests.factories import ACTOR, make_category, make_evaluation, make_unit


def _stored(session: Session) -> list[tuple[str, str, float, float | None, float | None]]:
    return [
        (v.indicator, v.period, v.value, v.target, v.benchmark)
        for v in session.exec(select(IndicatorValue).order_by(IndicatorValue.id))  # type: ignore[arg-type]
    ]


def test_a_file_with_any_bad_row_stores_nothing(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category, code="A1")
    make_unit(session, category, code="A2")
    assert evaluation.id is not None
    text = (
        "Unit,Indicator,Period,Value,Target,Benchmark\n"
        "A1,gdp,Q1,100,90,\n"
        "A2,gdp,Q1,,90,\n"  # row 3: no value
        "A9,gdp,Q1,5,,\n"  # row 4: unknown unit
        "A1,gdp,Q1,7,,\n"  # row 5: repeats row 2
        "A2,gdp,H1,1e400,x,\n"  # row 6: not finite, target not a number
        "A2,g d p,year,1,,\n"  # row 7: not a code
    )
    with pytest.raises(ImportRejected) as refused:
        indicators.import_indicators(session, evaluation.id, text.encode(), "v.csv", actor=ACTOR)
    found = {(p.row, p.column) for p in refused.value.errors}
    assert found == {
        (3, "value"),
        (4, "unit"),
        (5, "period"),
        (6, "value"),
        (6, "target"),
        (7, "indicator"),
    }
    assert refused.value.params["count"] == 6
    assert refused.value.errors[0].field == "row 3, column value"
    assert _stored(session) == []

    with pytest.raises(ImportRejected) as header:
        indicators.import_indicators(
            session, evaluation.id, b"unit,indicator,value,colour\n", "v.csv", actor=ACTOR
        )
    assert {(p.row, p.column) for p in header.value.errors} == {(1, "colour"), (1, "period")}
    with pytest.raises(Invalid):
        indicators.import_indicators(session, evaluation.id, b"", "v.csv", actor=ACTOR)


def test_import_upserts_and_reads_xlsx(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category, code="B1")
    assert evaluation.id is not None
    first = indicators.import_indicators(
        session,
        evaluation.id,
        '\ufeffunit,indicator,period,value,target\nB1,gdp,year,"1,200.5",1000\nB1,gdp,Q1,300,\n'.encode(),
        "v.csv",
        actor=ACTOR,
    )
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (2, 2, 0, 0)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["unit", "indicator", "period", "value", "target", "benchmark"])
    sheet.append(["B1", "gdp", "year", 1200.5, 1000, None])  # the same: unchanged
    sheet.append(["B1", "gdp", "Q1", 320, None, 350])  # changed
    sheet.append(["B1", "revenue", "year", 88, None, None])  # new
    buffer = io.BytesIO()
    workbook.save(buffer)
    second = indicators.import_indicators(
        session, evaluation.id, buffer.getvalue(), "v.xlsx", actor=ACTOR
    )
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    assert sorted(_stored(session)) == [
        ("gdp", "Q1", 320.0, None, 350.0),
        ("gdp", "year", 1200.5, 1000.0, None),
        ("revenue", "year", 88.0, None, None),
    ]
    audit = session.exec(
        select(AuditLog).where(AuditLog.action == "indicators.import").order_by(col(AuditLog.id))
    ).all()
    assert [a.detail["inserted"] for a in audit] == [2, 1]


def test_push_is_idempotent_and_all_or_nothing(session: Session) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category, code="C1")
    assert evaluation.id is not None
    values = [
        IndicatorValueIn(unit="C1", indicator="gdp", period="year", value=10.0, target=12.0),
        IndicatorValueIn(unit="C1", indicator="gdp", period="H1", value=4.0),
    ]
    pushed = indicators.push_indicators(session, evaluation.id, values, ACTOR)
    assert (pushed.inserted, pushed.updated, pushed.unchanged) == (2, 0, 0)
    again = indicators.push_indicators(session, evaluation.id, values, ACTOR)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    bad = [*values, IndicatorValueIn(unit="C9", indicator="gdp", period="year", value=1.0)]
    with pytest.raises(indicators.PushRejected) as refused:
        indicators.push_indicators(session, evaluation.id, bad, ACTOR)
    assert refused.value.errors[0].field == "values[2].unit"
    repeated = [values[0], values[0]]
    with pytest.raises(indicators.PushRejected) as twice:
        indicators.push_indicators(session, evaluation.id, repeated, ACTOR)
    assert twice.value.errors[0].field == "values[1].period"
    assert len(_stored(session)) == 2
    listed = indicators.list_values(session, evaluation.id, unit="C1", period="year")
    assert [(v.indicator, v.value, v.target, v.source) for v in listed] == [
        ("gdp", 10.0, 12.0, "push")
    ]


def test_stored_values_outside_a_push_are_neither_counted_nor_changed(session: Session) -> None:
    """The lookup of stored values asks for units x indicators x periods; it may see others."""
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_unit(session, category, code="A1")
    make_unit(session, category, code="B1")
    assert evaluation.id is not None
    first = [IndicatorValueIn(unit="A1", indicator="gdp", period="Q1", value=1.0)]
    indicators.push_indicators(session, evaluation.id, first, ACTOR)
    crossing = [
        IndicatorValueIn(unit="A1", indicator="gdp", period="year", value=5.0),
        IndicatorValueIn(unit="B1", indicator="gdp", period="Q1", value=2.0),
    ]
    pushed = indicators.push_indicators(session, evaluation.id, crossing, ACTOR)
    assert (pushed.inserted, pushed.updated, pushed.unchanged) == (2, 0, 0)
    changed = [
        IndicatorValueIn(unit="A1", indicator="gdp", period="year", value=6.0),
        IndicatorValueIn(unit="B1", indicator="gdp", period="Q1", value=2.0),
    ]
    again = indicators.push_indicators(session, evaluation.id, changed, ACTOR)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    session.expire_all()
    stored = {
        (v.unit_id, v.indicator, v.period): v.value for v in session.exec(select(IndicatorValue))
    }
    by_code = {u.id: u.code for u in session.exec(select(Unit))}
    assert {(by_code[u], i, p): v for (u, i, p), v in stored.items()} == {
        ("A1", "gdp", "Q1"): 1.0,
        ("A1", "gdp", "year"): 6.0,
        ("B1", "gdp", "Q1"): 2.0,
    }
