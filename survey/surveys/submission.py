"""Validating a submission against a survey definition, and turning it into rows to store.

The form and the JSON API both build a ``SubmissionInput``; ``validate`` either returns a
``SubmissionPlan`` (what to store) or raises ``SubmissionInvalid`` listing every problem, each
tied to the form field it concerns, so the form can show it inline.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from survey.errors import N_, Invalid
from survey.surveys.definition import Question, SurveyDefinition
from survey.surveys.models import QuestionKind

COMMENT_MAX_LENGTH = 500


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str  # message id
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class SubmissionInvalid(Invalid):
    message = N_("Some answers need your attention.")

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(None, field=errors[0].field if errors else None)


@dataclass
class SubmissionInput:
    group: str | None = None
    profile: dict[str, str] = dataclasses.field(default_factory=dict)
    # (unit code, question code) -> level code
    ratings: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    answers: dict[str, str | list[str]] = dataclasses.field(default_factory=dict)
    # unit code -> comment text
    comments: dict[str, str] = dataclasses.field(default_factory=dict)
    # The service-window QR shows one unit; only that unit's ratings are then required.
    only_unit: str | None = None
    # (unit code, question code) of ratings sent twice with different answers: refused.
    conflicting: set[tuple[str, str]] = dataclasses.field(default_factory=set)


@dataclass(frozen=True)
class AnswerRow:
    unit_id: int | None
    question: str
    level: str | None
    value: float | None


@dataclass(frozen=True)
class CommentRow:
    unit_id: int | None
    question: str | None
    text: str


@dataclass(frozen=True)
class SubmissionPlan:
    survey_id: int
    evaluation_id: int
    period_id: int | None
    group_id: int
    cell_key: str | None
    answers: tuple[AnswerRow, ...]
    comments: tuple[CommentRow, ...]
    content_hash: str


# Field names shared by the form template and the validator.
def rating_field(question: str, unit: str) -> str:
    return f"r.{question}.{unit}"


def comment_field(unit: str) -> str:
    return f"c.{unit}"


def answer_field(question: str) -> str:
    return f"a.{question}"


def clean_text(raw: str, limit: int) -> tuple[str, str | None]:
    """Normalised text, or an error message id. Stored as text; escaped wherever shown.

    Browsers send a textarea's line breaks as CR LF; they are kept as plain line feeds, so
    that a comment of two lines is not taken for one with control characters.
    """
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()
    if "\ufffd" in text:
        # The decoder's replacement character: the bytes sent were not valid UTF-8.
        return text, N_("This text contains characters that could not be read.")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        return text, N_("This text contains control characters.")
    if len(text) > limit:
        return text, N_("Please keep this under %(n)s characters.")
    return text, None


def validate(definition: SurveyDefinition, data: SubmissionInput) -> SubmissionPlan:
    errors: list[FieldError] = []
    group_id = _group(definition, data, errors)
    cells = _cells(definition, data, errors)
    answers: list[AnswerRow] = []
    comments: list[CommentRow] = []

    _ratings(definition, data, answers, errors)
    _comments(definition, data, comments, errors)
    general = {q.code: q for q in definition.general_questions}
    for code in data.answers:
        if code not in general:
            errors.append(
                FieldError(answer_field(code), N_("This question is not part of the survey."))
            )
    for question in definition.general_questions:
        _general_answer(question, data.answers.get(question.code), answers, comments, errors)

    if errors:
        raise SubmissionInvalid(errors)
    assert group_id is not None
    cell_key = ";".join(f"{k}={v}" for k, v in sorted(cells.items())) or None
    return SubmissionPlan(
        survey_id=definition.id,
        evaluation_id=definition.evaluation_id,
        period_id=definition.period_id,
        group_id=group_id,
        cell_key=cell_key,
        answers=tuple(answers),
        comments=tuple(comments),
        content_hash=_content_hash(group_id, cell_key, answers, comments),
    )


def _ratings(
    definition: SurveyDefinition,
    data: SubmissionInput,
    answers: list[AnswerRow],
    errors: list[FieldError],
) -> None:
    """Each rating question for each unit on the form (one unit when the form shows one)."""
    units = definition.units
    if data.only_unit is not None:
        only = definition.unit(data.only_unit)
        if only is None:
            errors.append(FieldError("unit", N_("This unit is not part of the survey.")))
        else:
            units = (only,)
    for unit_code, question_code in sorted(data.conflicting):
        errors.append(
            FieldError(
                rating_field(question_code, unit_code),
                N_("This question was answered twice with different answers."),
            )
        )
    for unit_code, question_code in data.ratings:
        if definition.unit(unit_code) is None:
            errors.append(
                FieldError(
                    rating_field(question_code, unit_code),
                    N_("This unit is not part of the survey."),
                )
            )
    for question in definition.rating_questions:
        assert question.scale is not None
        for unit in units:
            name = rating_field(question.code, unit.code)
            level_code = data.ratings.get((unit.code, question.code))
            if not level_code:
                if question.required:
                    errors.append(FieldError(name, N_("Please choose an answer.")))
                continue
            level = question.scale.level(level_code)
            if level is None:
                errors.append(FieldError(name, N_("This answer is not on the scale.")))
                continue
            answers.append(AnswerRow(unit.id, question.code, level.code, level.value))
    known_rating_codes = {q.code for q in definition.rating_questions}
    for unit_code, question_code in data.ratings:
        if question_code not in known_rating_codes and definition.unit(unit_code) is not None:
            errors.append(
                FieldError(
                    rating_field(question_code, unit_code),
                    N_("This question is not part of the survey."),
                )
            )


def _comments(
    definition: SurveyDefinition,
    data: SubmissionInput,
    comments: list[CommentRow],
    errors: list[FieldError],
) -> None:
    """Comments on units, where the survey takes them, cleaned and within the length limit."""
    for unit_code, raw in data.comments.items():
        if not raw.strip():
            continue
        commented = definition.unit(unit_code)
        if commented is None or not definition.unit_comments:
            errors.append(
                FieldError(comment_field(unit_code), N_("Comments are not taken for this unit."))
            )
            continue
        text, problem = clean_text(raw, COMMENT_MAX_LENGTH)
        if problem:
            errors.append(FieldError(comment_field(unit_code), problem, {"n": COMMENT_MAX_LENGTH}))
            continue
        comments.append(CommentRow(commented.id, None, text))


def _group(
    definition: SurveyDefinition, data: SubmissionInput, errors: list[FieldError]
) -> int | None:
    if data.group:
        group = definition.group(data.group)
        if group is None:
            errors.append(FieldError("group", N_("Please choose who you are from the list.")))
            return None
        return group.id
    if len(definition.groups) == 1:
        return definition.groups[0].id
    errors.append(FieldError("group", N_("Please choose who you are.")))
    return None


def _cells(
    definition: SurveyDefinition, data: SubmissionInput, errors: list[FieldError]
) -> dict[str, str]:
    cells: dict[str, str] = {}
    cell_questions = [q for q in definition.profile_questions if q.kind == QuestionKind.cell]
    variables = {q.variable for q in cell_questions}
    for variable in data.profile:
        if variable not in variables:
            errors.append(
                FieldError(f"p.{variable}", N_("This question is not part of the survey."))
            )
    for question in cell_questions:
        assert question.variable is not None
        name = f"p.{question.variable}"
        chosen = data.profile.get(question.variable, "")
        if not chosen:
            if question.required:
                errors.append(FieldError(name, N_("Please choose an answer.")))
            continue
        if question.option(chosen) is None:
            errors.append(FieldError(name, N_("Please choose one of the options.")))
            continue
        cells[question.variable] = chosen
    return cells


def _general_answer(
    question: Question,
    given: str | list[str] | None,
    answers: list[AnswerRow],
    comments: list[CommentRow],
    errors: list[FieldError],
) -> None:
    name = answer_field(question.code)
    values = [given] if isinstance(given, str) else list(given or [])
    values = [v for v in values if v.strip()]
    if not values:
        if question.required:
            errors.append(FieldError(name, N_("Please answer this question.")))
        return
    if question.kind == QuestionKind.text:
        if len(values) != 1:
            errors.append(FieldError(name, N_("Please answer this question once.")))
            return
        text, problem = clean_text(values[0], question.max_length)
        if problem:
            errors.append(FieldError(name, problem, {"n": question.max_length}))
            return
        comments.append(CommentRow(None, question.code, text))
        return
    if question.kind == QuestionKind.single and len(values) != 1:
        errors.append(FieldError(name, N_("Please choose only one option.")))
        return
    if len(set(values)) != len(values):
        errors.append(FieldError(name, N_("Please choose each option only once.")))
        return
    for value in values:
        if question.option(value) is None:
            errors.append(FieldError(name, N_("Please choose one of the options.")))
            return
    answers.extend(AnswerRow(None, question.code, value, None) for value in values)


def _content_hash(
    group_id: int, cell_key: str | None, answers: list[AnswerRow], comments: list[CommentRow]
) -> str:
    canonical = json.dumps(
        {
            "group": group_id,
            "cells": cell_key,
            "answers": sorted(
                [a.unit_id or 0, a.question, a.level or "", a.value] for a in answers
            ),
            "comments": sorted([c.unit_id or 0, c.question or "", c.text] for c in comments),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
