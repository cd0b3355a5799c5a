"""Loading the whole demo city into an empty database, with its office login."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from survey.accounts import create_user
from survey.config import DEVELOPMENT_SECRET
from survey.db import refresh_statistics
from survey.demo.ballots import load_demo_ballots
from survey.demo.city import (
    CATEGORIES,
    CITY,
    DEMO_ACTOR,
    DEMO_OFFICE_USER,
    EVALUATIONS,
    GROUPS,
    QUARTERS,
    UNITS,
    WEIGHTS_PERCENT,
    DemoInfo,
)
from survey.demo.comments import load_demo_rectification
from survey.demo.drivers import load_demo_driver_survey
from survey.demo.leads import load_demo_leads
from survey.demo.publication import load_demo_publication
from survey.demo.responses import load_demo_survey
from survey.demo.tally import load_demo_tally
from survey.demo.topics import load_demo_topics
from survey.demo.units import load_demo_units
from survey.errors import N_, Conflict
from survey.models import (
    Evaluation,
    GroupWeight,
    Period,
    PeriodKind,
    RespondentGroup,
    Role,
    Unit,
    UnitCategory,
)
from survey.security import new_password


def load_demo_composite(session: Session) -> tuple[int, int]:
    """Composite schemes, two years of hard-indicator data and inputs; 2025's results frozen."""
    from survey.composite.demo import load_demo_composite as load

    evaluations = list(session.exec(select(Evaluation).order_by(col(Evaluation.year))))
    loaded = load(session, evaluations, DEMO_ACTOR)
    return loaded.schemes, loaded.indicator_values


def load_demo(
    session: Session, *, office_password: str | None = None, secret: str = DEVELOPMENT_SECRET
) -> DemoInfo:
    """Load the demo city into an empty, migrated database and create its office login."""
    if session.exec(select(Unit)).first() is not None:
        raise Conflict(
            N_("The database already holds units; the demo loads only into an empty one.")
        )
    categories, groups, unit_count = _add_organisation(session)
    current = _add_evaluations(session, categories, groups)
    password = office_password or new_password()
    create_user(session, DEMO_OFFICE_USER, password, Role.office, display_name="考核办")
    session.commit()
    assert current.id is not None
    survey, seeded = load_demo_survey(session, current.id, year=current.year)
    load_demo_driver_survey(session, current.id, year=current.year)
    ballots = load_demo_ballots(session, current.id, secret=secret)
    load_demo_tally(session, current.id)
    composite_schemes, indicator_values = load_demo_composite(session)
    unit_logins = load_demo_units(session)
    lead_logins = load_demo_leads(session, password=office_password)
    load_demo_rectification(session, current.id)
    load_demo_publication(session, DEMO_ACTOR)
    # Last: topics tag the comments that exist by now.
    load_demo_topics(session)
    # Every table was filled just now: the statistics of all of them, not only the answers.
    refresh_statistics(session, None)
    return DemoInfo(
        categories=len(categories),
        units=unit_count,
        groups=len(groups),
        evaluations=len(EVALUATIONS),
        office_username=DEMO_OFFICE_USER,
        office_password=password,
        survey_slug=survey.slug,
        survey_responses=seeded,
        ballots_cast=ballots.cast,
        ballot_batches=ballots.batches,
        try_codes=ballots.try_codes,
        composite_schemes=composite_schemes,
        indicator_values=indicator_values,
        unit_logins=unit_logins,
        lead_logins=lead_logins,
    )


def _add_organisation(
    session: Session,
) -> tuple[dict[str, UnitCategory], dict[str, RespondentGroup], int]:
    """The city's unit categories, units and respondent groups; returns them and the unit count."""
    categories: dict[str, UnitCategory] = {}
    for order, (code, name, name_en, kind) in enumerate(CATEGORIES):
        category = UnitCategory(code=code, name=name, name_en=name_en, kind=kind, sort_order=order)
        session.add(category)
        categories[code] = category
    session.flush()
    unit_count = 0
    for category_code, units in UNITS.items():
        for order, (code, name, name_en) in enumerate(units):
            category_id = categories[category_code].id
            assert category_id is not None
            session.add(
                Unit(
                    code=code, name=name, name_en=name_en, category_id=category_id, sort_order=order
                )
            )
            unit_count += 1
    groups: dict[str, RespondentGroup] = {}
    for order, (code, name, name_en, kind) in enumerate(GROUPS):
        group = RespondentGroup(code=code, name=name, name_en=name_en, kind=kind, sort_order=order)
        session.add(group)
        groups[code] = group
    session.flush()
    return categories, groups, unit_count


def _add_evaluations(
    session: Session, categories: dict[str, UnitCategory], groups: dict[str, RespondentGroup]
) -> Evaluation:
    """Last year's published evaluation and this year's open one; returns this year's."""
    previous: Evaluation | None = None
    for year, status in EVALUATIONS:
        evaluation = Evaluation(
            name=f"{CITY}{year}年度综合考核",
            name_en=f"Yunjiang {year} comprehensive evaluation",
            year=year,
            status=status,
            previous_id=previous.id if previous else None,
        )
        session.add(evaluation)
        session.flush()
        assert evaluation.id is not None
        for order, (code, name, name_en, start, end) in enumerate(QUARTERS):
            session.add(
                Period(
                    evaluation_id=evaluation.id,
                    code=code,
                    name=name,
                    name_en=name_en,
                    kind=PeriodKind.quarter,
                    sort_order=order,
                    starts_on=date(year, *start),
                    ends_on=date(year, *end),
                )
            )
        for category_code, weights in WEIGHTS_PERCENT.items():
            assert sum(weights.values()) == 100
            for group_code, percent in weights.items():
                category_id, group_id = categories[category_code].id, groups[group_code].id
                assert category_id is not None and group_id is not None
                session.add(
                    GroupWeight(
                        evaluation_id=evaluation.id,
                        category_id=category_id,
                        group_id=group_id,
                        weight=percent / 100,
                    )
                )
        previous = evaluation
    assert previous is not None
    return previous
