"""An evaluation's whole set-up as one YAML file: periods, categories, units, groups, weights,
the satisfaction policy and the composite schemes, exported and imported as a new evaluation.

An analyst reproduces a case with one ``evaluation import``, one response import and one
results command. Import goes through the same services the office uses (so their checks,
audit entries and policy and scheme versions apply) but in one transaction: the services
commit at their end, and during an import those commits are flushes, so a file refused at
any step stores nothing. Categories, units and groups are shared by every evaluation of a
database: those the file names that exist already are kept as they are, but only when they
say the same (a unit in another category, say, is refused rather than moved).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from survey import organisation as org
from survey.accounts import Principal
from survey.composite import scheme as schemes
from survey.errors import N_, Invalid, NotFound
from survey.models import Evaluation, RespondentGroup, Unit, UnitCategory
from survey.satisfaction import policy
from survey.satisfaction.schemas import PolicySettings, SatisfactionPolicyPut
from survey.schemas import (
    CategoryCreate,
    EvaluationCreate,
    GroupCreate,
    PeriodCreate,
    UnitCreate,
    WeightEntry,
)
from survey.validation import problem_message

FORMAT = "pingyi-evaluation/1"


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvaluationHead(_File):
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    year: int = Field(ge=2000, le=2100)


class EvaluationSetup(_File):
    """The file: everything an evaluation needs before its answers come in."""

    format: Literal["pingyi-evaluation/1"]
    evaluation: EvaluationHead
    periods: list[PeriodCreate] = Field(default_factory=list)
    categories: list[CategoryCreate] = Field(default_factory=list)
    units: list[UnitCreate] = Field(default_factory=list)
    groups: list[GroupCreate] = Field(default_factory=list)
    weights: list[WeightEntry] = Field(default_factory=list)
    policy: PolicySettings | None = None
    schemes: str | None = Field(default=None, description="The schemes as `scheme export` writes")


class SetupRejected(Invalid):
    """The file cannot be imported; ``problem`` says why and nothing was stored."""


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def export_setup(session: Session, evaluation_id: int) -> str:
    """The evaluation's set-up as YAML (the format ``import_setup`` reads)."""
    evaluation = org.get_evaluation(session, evaluation_id)
    assert evaluation.id is not None
    weights = org.get_weights(session, evaluation.id)
    used_categories = {w.category for w in weights}
    current = policy.current_version(session, evaluation.id)
    try:
        scheme_text: str | None = schemes.export_text(session, evaluation.id)
    except NotFound:  # an evaluation without schemes exports none
        scheme_text = None
    if scheme_text is not None:
        used_categories |= {s.category for s in schemes.list_schemes(session, evaluation.id)}
    categories = session.exec(
        select(UnitCategory).order_by(col(UnitCategory.sort_order), col(UnitCategory.code))
    ).all()
    category_ids = {c.id: c.code for c in categories if c.code in used_categories}
    units = session.exec(
        select(Unit)
        .where(col(Unit.category_id).in_(list(category_ids)))
        .order_by(col(Unit.sort_order), col(Unit.code))
    ).all()
    groups = session.exec(
        select(RespondentGroup).order_by(col(RespondentGroup.sort_order), col(RespondentGroup.code))
    ).all()
    data: dict[str, Any] = {
        "format": FORMAT,
        "evaluation": {
            "name": evaluation.name,
            "name_en": evaluation.name_en,
            "year": evaluation.year,
        },
        "periods": [
            PeriodCreate.model_validate(p, from_attributes=True).model_dump(mode="json")
            for p in org.periods_of(session, evaluation.id)
        ],
        "categories": [
            CategoryCreate.model_validate(c, from_attributes=True).model_dump(mode="json")
            for c in categories
            if c.code in used_categories
        ],
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "name_en": u.name_en,
                "category": category_ids[u.category_id],
                "active": u.active,
                "sort_order": u.sort_order,
            }
            for u in units
        ],
        "groups": [
            GroupCreate.model_validate(g, from_attributes=True).model_dump(mode="json")
            # Every group: a group without a weight may still answer (and is shared anyway).
            for g in groups
        ],
        "weights": [w.model_dump(mode="json") for w in weights],
        # Never saved: the defaults, written out so that the file does not depend on them.
        "policy": policy.settings_of(current).model_dump(mode="json"),
        "schemes": scheme_text,
    }
    header = f"# Pingyi {FORMAT}: {evaluation.name} ({evaluation.year})\n"
    return header + yaml.dump(
        _plain(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


class _Dumper(yaml.SafeDumper):
    """Multi-line text (the schemes) as a literal block, readable and diffable as written."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def parse_setup(text: str) -> EvaluationSetup:
    """The file read and checked for shape; a refusal names the first problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise SetupRejected(
            N_("The file is not valid YAML (line %(line)s): nothing was stored."),
            line=mark.line + 1 if mark is not None else "-",
        ) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise SetupRejected(
            N_("The file is not an evaluation set-up (format: %(format)s): nothing was stored."),
            format=FORMAT,
        )
    try:
        return EvaluationSetup.model_validate(raw)
    except ValidationError as error:
        item = error.errors()[0]
        where = ".".join(str(p) for p in item["loc"])
        raise SetupRejected(
            N_("%(field)s: %(problem)s Nothing was stored."),
            field=where,
            problem=problem_message(item),
        ) from None


@contextmanager
def _one_transaction(session: Session) -> Iterator[None]:
    """The services' own commits become flushes: one commit at the end, or nothing."""
    commit = session.commit
    session.commit = session.flush  # type: ignore[method-assign]
    try:
        yield
    except BaseException:
        session.commit = commit  # type: ignore[method-assign]
        session.rollback()
        raise
    session.commit = commit  # type: ignore[method-assign]
    session.commit()


def _same(existing: Any, wanted: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return all(getattr(existing, k) == wanted[k] for k in keys)


def import_setup(session: Session, text: str, actor: Principal, *, ip: str = "") -> Evaluation:
    """A new evaluation from a set-up file, in one transaction (all or nothing)."""
    setup = parse_setup(text)
    with _one_transaction(session):
        evaluation = org.create_evaluation(
            session,
            EvaluationCreate(
                name=setup.evaluation.name,
                name_en=setup.evaluation.name_en,
                year=setup.evaluation.year,
                periods=setup.periods,
            ),
            actor,
        )
        assert evaluation.id is not None
        for category in setup.categories:
            found = session.exec(
                select(UnitCategory).where(UnitCategory.code == category.code)
            ).first()
            if found is None:
                org.create_category(session, category, actor)
            elif not _same(found, category.model_dump(), ("name", "kind")):
                raise SetupRejected(
                    N_(
                        "The category %(code)s exists with another name or kind: nothing was "
                        "stored."
                    ),
                    code=category.code,
                )
        for group in setup.groups:
            found_group = session.exec(
                select(RespondentGroup).where(RespondentGroup.code == group.code)
            ).first()
            if found_group is None:
                org.create_group(session, group, actor)
            elif not _same(found_group, group.model_dump(), ("name", "kind")):
                raise SetupRejected(
                    N_("The group %(code)s exists with another name or kind: nothing was stored."),
                    code=group.code,
                )
        for unit in setup.units:
            found_unit = session.exec(select(Unit).where(Unit.code == unit.code)).first()
            if found_unit is None:
                org.create_unit(session, unit, actor)
                continue
            home = org.category_by_code(session, unit.category)
            if found_unit.category_id != home.id or found_unit.name != unit.name:
                raise SetupRejected(
                    N_(
                        "The unit %(code)s exists with another name or category: nothing was "
                        "stored."
                    ),
                    code=unit.code,
                )
        if setup.policy is not None or setup.weights:
            settings = setup.policy or PolicySettings()
            policy.set_policy(
                session,
                evaluation.id,
                SatisfactionPolicyPut(
                    **settings.model_dump(),
                    weights=setup.weights or None,
                    note="evaluation import",
                ),
                actor,
                ip=ip,
            )
        if setup.schemes:
            try:
                schemes.import_text(
                    session, evaluation.id, setup.schemes, actor, note="evaluation import", ip=ip
                )
            except schemes.SchemeRejected as error:
                raise _in_file(error, text) from None
    return evaluation


def _in_file(error: schemes.SchemeRejected, text: str) -> schemes.SchemeRejected:
    """The schemes' problems with the lines of the set-up file, not of the schemes alone
    (when they are written as a literal block, as ``export_setup`` writes them)."""
    root = yaml.compose(text)
    offset = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "schemes" and isinstance(value, yaml.ScalarNode) and value.style == "|":
                offset = value.start_mark.line + 1
    if offset is None:
        return error
    moved = [
        replace(p, line=p.line + offset, params={**p.params, "line": p.line + offset})
        if p.line is not None
        else p
        for p in error.errors
    ]
    return schemes.SchemeRejected(moved)
