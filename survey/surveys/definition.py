"""A survey's definition resolved for the form and the validator: units, groups, questions."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from survey.errors import N_, NotFound
from survey.models import (
    Period,
    RespondentGroup,
    Survey,
    SurveyCategory,
    SurveyGroup,
    SurveyQuestion,
    SurveyUnit,
    Unit,
    UnitCategory,
)
from survey.surveys.models import QuestionKind, QuestionRole, SurveyStatus
from survey.surveys.scales import Scale, scale
from survey.timeutil import utcnow


@dataclass(frozen=True)
class UnitItem:
    id: int
    code: str
    name: str
    name_en: str
    category_code: str
    category_name: str
    category_name_en: str


@dataclass(frozen=True)
class GroupItem:
    id: int
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    label_en: str


@dataclass(frozen=True)
class Question:
    code: str
    kind: QuestionKind
    prompt: str
    prompt_en: str
    required: bool
    max_length: int
    scale: Scale | None = None
    options: tuple[Option, ...] = ()
    variable: str | None = None
    role: QuestionRole | None = None

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class SurveyDefinition:
    id: int
    slug: str
    evaluation_id: int
    period_id: int | None
    period_code: str | None
    title: str
    title_en: str
    introduction: str
    introduction_en: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    unit_comments: bool
    one_per_device: bool
    min_seconds: int
    units: tuple[UnitItem, ...]
    groups: tuple[GroupItem, ...]
    questions: tuple[Question, ...]
    _unit_by_code: dict[str, UnitItem] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._unit_by_code.update({u.code: u for u in self.units})

    def unit(self, code: str) -> UnitItem | None:
        return self._unit_by_code.get(code)

    def group(self, code: str) -> GroupItem | None:
        return next((g for g in self.groups if g.code == code), None)

    @cached_property
    def rating_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == QuestionKind.rating)

    @cached_property
    def profile_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind in (QuestionKind.group, QuestionKind.cell))

    @cached_property
    def general_questions(self) -> tuple[Question, ...]:
        kinds = (QuestionKind.single, QuestionKind.multiple, QuestionKind.text)
        return tuple(q for q in self.questions if q.kind in kinds)

    def accepting(self, now: datetime | None = None) -> bool:
        return self.refusal(now) is None

    def refusal(self, now: datetime | None = None) -> str | None:
        """Why the survey takes no answers now (a message id), or None when it does."""
        now = now or utcnow()
        if self.status == SurveyStatus.draft or (self.opens_at and now < self.opens_at):
            return N_("This survey has not opened yet.")
        if self.status == SurveyStatus.closed or (self.closes_at and now >= self.closes_at):
            return N_("This survey has closed. Thank you for your interest.")
        return None


def load_definition(session: Session, survey: Survey) -> SurveyDefinition:
    assert survey.id is not None
    explicit = select(SurveyUnit.unit_id).where(SurveyUnit.survey_id == survey.id)
    by_category = select(SurveyCategory.category_id).where(SurveyCategory.survey_id == survey.id)
    rows = session.exec(
        select(Unit, UnitCategory)
        .join(UnitCategory, col(UnitCategory.id) == Unit.category_id)
        .where(
            col(Unit.id).in_(explicit) | (col(Unit.category_id).in_(by_category) & col(Unit.active))
        )
        .order_by(col(UnitCategory.sort_order), col(Unit.sort_order), col(Unit.code))
    ).all()
    units = tuple(
        UnitItem(u.id, u.code, u.name, u.name_en, c.code, c.name, c.name_en)  # type: ignore[arg-type]
        for u, c in rows
    )
    groups = tuple(
        GroupItem(g.id, g.code, g.name, g.name_en)  # type: ignore[arg-type]
        for g in session.exec(
            select(RespondentGroup)
            .join(SurveyGroup, col(SurveyGroup.group_id) == RespondentGroup.id)
            .where(SurveyGroup.survey_id == survey.id)
            .order_by(col(RespondentGroup.sort_order))
        )
    )
    questions = tuple(
        Question(
            code=q.code,
            kind=QuestionKind(q.kind),
            prompt=q.prompt,
            prompt_en=q.prompt_en,
            required=q.required,
            max_length=q.max_length,
            scale=scale(q.scale) if q.scale else None,
            options=tuple(Option(o["code"], o["label"], o.get("label_en", "")) for o in q.options),
            variable=q.variable,
            role=QuestionRole(q.role) if q.role else None,
        )
        for q in session.exec(
            select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == survey.id)
            .order_by(col(SurveyQuestion.sort_order), col(SurveyQuestion.id))
        )
    )
    period = session.get(Period, survey.period_id) if survey.period_id else None
    return SurveyDefinition(
        id=survey.id,
        slug=survey.slug,
        evaluation_id=survey.evaluation_id,
        period_id=survey.period_id,
        period_code=period.code if period else None,
        title=survey.title,
        title_en=survey.title_en,
        introduction=survey.introduction,
        introduction_en=survey.introduction_en,
        status=survey.status,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        unit_comments=survey.unit_comments,
        one_per_device=survey.one_per_device,
        min_seconds=survey.min_seconds,
        units=units,
        groups=groups,
        questions=questions,
    )


class DefinitionCache:
    """Definitions by slug, re-read after ``ttl`` seconds.

    The form is read far more often than a survey changes; a few seconds of staleness is
    harmless because the writer checks the survey's status again inside the transaction that
    stores each submission. When an entry expires, one caller reloads it while the others keep
    using the old one, so a busy survey does not send every waiting request to the database.
    """

    def __init__(self, engine: Engine, ttl: float = 5.0) -> None:
        self._engine = engine
        self._ttl = ttl
        self._entries: dict[str, tuple[float, SurveyDefinition]] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    def cached(self, slug: str) -> SurveyDefinition | None:
        """The definition if it can be used without touching the database (never blocks)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(slug)
            if entry is None:
                return None
            if now - entry[0] < self._ttl or slug in self._refreshing:
                return entry[1]
            self._refreshing.add(slug)
        return None

    def get(self, slug: str) -> SurveyDefinition:
        """The definition, reading the database when the cached one is missing or stale."""
        found = self.cached(slug)
        if found is not None:
            return found
        try:
            with Session(self._engine) as session:
                survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
                if survey is None:
                    raise NotFound(N_("This survey does not exist. Please check the address."))
                definition = load_definition(session, survey)
        finally:
            with self._lock:
                self._refreshing.discard(slug)
        with self._lock:
            self._entries[slug] = (time.monotonic(), definition)
        return definition

    def forget(self, slug: str) -> None:
        with self._lock:
            self._entries.pop(slug, None)
