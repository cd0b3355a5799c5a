"""Importing historical or paper responses from a CSV or XLSX file in long format.

The file has a header row with ``respondent_id, group, unit, question, answer`` in any order,
plus any number of weighting-cell columns (e.g. ``district``, ``age``); one row per answer.
Three column names are kept for a sample design: ``weight`` (the respondent's design weight, a
positive number), ``stratum`` and ``psu`` (the primary sampling unit, or cluster); a
respondent's rows agree on them, and an empty cell means none (weight 1).
``group``, ``unit`` and ``question`` are codes; ``answer`` is a level code (``satisfied``,
``fairly_satisfied``, ``basically_satisfied``, ``dissatisfied``, ``dont_know``), its Chinese
label (满意, 比较满意, 基本满意, 不满意, 不了解) or a number for numeric scales. The rows of one
``respondent_id`` become one response. CSV files are UTF-8, with or without a byte-order mark.

Importing is all or nothing: every row is checked first, every problem is reported with its
row (the header is row 1, as a spreadsheet numbers it) and column, and nothing is stored
unless the whole file is good. A file whose respondents were imported before is refused.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from survey import audit
from survey import organisation as org
from survey.accounts import Principal
from survey.db import refresh_statistics
from survey.errors import N_, Conflict, Invalid, NotFound
from survey.import_problems import ImportProblem, ImportRejected
from survey.models import (
    Channel,
    EvaluationStatus,
    Period,
    RespondentGroup,
    Response,
    TimePrecision,
    Unit,
)
from survey.satisfaction.policy import current_version, scorable, settings_of
from survey.satisfaction.schemas import PolicySettings
from survey.schemas import CODE_PATTERN
from survey.security import random_id
from survey.surveys.models import Survey, SurveyQuestion
from survey.surveys.scales import DONT_KNOW, SCALES, ScaleKind
from survey.surveys.writer import ANSWER_COLUMNS, RESPONSE_COLUMNS, insert_rows
from survey.timeutil import truncate_to_day, utcnow

REQUIRED_COLUMNS = ("respondent_id", "group", "unit", "question", "answer")
DESIGN_COLUMNS = ("weight", "stratum", "psu")
# A weight is the number of people a respondent stands for: more than ten million is no
# city's sample, and 1e308 would overflow the sums.
MAX_WEIGHT = 10_000_000
MAX_DESIGN_LABEL = 64
# The Chinese labels printed on paper forms and used in spreadsheets.
CHINESE_LABELS = {
    "满意": "satisfied",
    "比较满意": "fairly_satisfied",
    "基本满意": "basically_satisfied",
    "不满意": "dissatisfied",
    "不了解": DONT_KNOW,
}
MAX_PROBLEMS = 200
MAX_RESPONDENT_ID = 64
MAX_CELL_KEY = 200
_CODE = re.compile(CODE_PATTERN)
_LOOKUP_CHUNK = 500
_SATISFACTION = SCALES[ScaleKind.satisfaction]
_LEVELS = "levels"
_NUMBERS = "numbers"


class AlreadyImported(Conflict):
    message = N_(
        "%(count)s respondents of this file were already imported into this evaluation "
        "(for example %(example)s); nothing was stored."
    )


@dataclass(frozen=True)
class ImportReport:
    evaluation_id: int
    period: str | None
    respondents: int
    answers: int


@dataclass(frozen=True)
class _Design:
    """A respondent's sample design; None where the file does not give it."""

    weight: float | None = None
    stratum: str | None = None
    psu: str | None = None


@dataclass
class _Respondent:
    row: int
    group_id: int
    cells: dict[str, str]
    design: _Design = field(default_factory=_Design)
    answers: list[tuple[int, str, str, float | None]] = field(default_factory=list)
    seen: dict[tuple[int, str], int] = field(default_factory=dict)


# Reading the file ----------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells as text)`` for every row of a CSV or XLSX file, header included."""
    if Path(filename).suffix.lower() == ".xlsx":
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    return ((number, row) for number, row in enumerate(reader, start=1))


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid(N_("The file is not a readable XLSX workbook.")) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(v) for v in values]
        finally:
            workbook.close()

    return rows()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Checking and storing ----------------------------------------------------------------------


def import_responses(
    session: Session,
    evaluation_id: int,
    data: bytes,
    filename: str,
    *,
    actor: Principal,
    period: str | None = None,
) -> ImportReport:
    """Check the whole file, then store it in one transaction, or store nothing."""
    period_id, respondents = _checked(session, evaluation_id, data, filename, period)
    responses, answers, refs = _rows(evaluation_id, period_id, respondents)
    designed = any(r.design != _Design() for r in respondents.values())
    try:
        connection = session.connection()
        insert_rows(
            connection,
            [tuple(r.get(c) for c in RESPONSE_COLUMNS) for r in responses],
            [] if designed else [tuple(a.get(c) for c in ANSWER_COLUMNS) for a in answers],
            [],
        )
        if designed:
            _store_design(connection, responses, answers)
        if "external_ref" not in RESPONSE_COLUMNS:
            # The writer's column list has no external_ref; the unique index on
            # (evaluation_id, external_ref) still guards this transaction.
            connection.execute(
                text("UPDATE response SET external_ref = :ref WHERE id = :id").bindparams(
                    bindparam("ref"), bindparam("id")
                ),
                refs,
            )
        audit.record(
            session,
            actor.name,
            "responses.import",
            target_type="evaluation",
            target_id=evaluation_id,
            file=Path(filename).name[:200],
            period=period,
            respondents=len(responses),
            answers=len(answers),
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        # Someone imported the same respondents between the check and this commit.
        _refuse_repeats(session, evaluation_id, list(respondents))
        raise
    except Exception:
        session.rollback()
        raise
    refresh_statistics(session)
    return ImportReport(
        evaluation_id=evaluation_id,
        period=period,
        respondents=len(responses),
        answers=len(answers),
    )


def check_responses(
    session: Session,
    evaluation_id: int,
    data: bytes,
    filename: str,
    *,
    period: str | None = None,
) -> ImportReport:
    """Every check ``import_responses`` makes, storing nothing: what an import would store,
    or the same refusals (``ImportRejected`` lists every problem)."""
    _, respondents = _checked(session, evaluation_id, data, filename, period)
    return ImportReport(
        evaluation_id=evaluation_id,
        period=period,
        respondents=len(respondents),
        answers=sum(len(r.answers) for r in respondents.values()),
    )


def _checked(
    session: Session, evaluation_id: int, data: bytes, filename: str, period: str | None
) -> tuple[int | None, dict[str, _Respondent]]:
    """The period's id and the file's respondents, once the evaluation, period and every row
    passed."""
    evaluation = org.get_evaluation(session, evaluation_id)
    if evaluation.status in (EvaluationStatus.closed, EvaluationStatus.published):
        # Closed means closed for every channel: nothing stored after the close may move a
        # result.
        raise Conflict(N_("This evaluation has closed: it takes no more answers."))
    period_id = _period_id(session, evaluation_id, period)
    respondents = _parse(
        session,
        read_table(data, filename),
        _rated_questions(session, evaluation_id),
        settings_of(current_version(session, evaluation_id)),
    )
    _refuse_repeats(session, evaluation_id, list(respondents))
    return period_id, respondents


def _period_id(session: Session, evaluation_id: int, period: str | None) -> int | None:
    if period is None:
        return None
    found = session.exec(
        select(Period).where(Period.evaluation_id == evaluation_id, Period.code == period)
    ).first()
    if found is None:
        raise NotFound(N_("The evaluation has no period %(code)s."), code=period)
    return found.id


def _store_design(
    connection: Connection, responses: list[dict[str, Any]], answers: list[dict[str, Any]]
) -> None:
    """The design columns, which the shared writer's column lists do not have: the responses'
    set after their insert, the answers inserted with them."""
    connection.execute(
        text(
            "UPDATE response SET design_weight = :w, stratum = :s, psu = :p WHERE id = :id"
        ).bindparams(bindparam("w"), bindparam("s"), bindparam("p"), bindparam("id")),
        [
            {"w": r["design_weight"], "s": r["stratum"], "p": r["psu"], "id": r["id"]}
            for r in responses
        ],
    )
    columns = (*ANSWER_COLUMNS, *_ANSWER_DESIGN_COLUMNS)
    connection.execute(
        insert(SQLModel.metadata.tables["answer"]),
        [{c: a.get(c) for c in columns} for a in answers],
    )


_ANSWER_DESIGN_COLUMNS = ("design_weight", "stratum", "psu")


def _rows(
    evaluation_id: int, period_id: int | None, respondents: dict[str, _Respondent]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, str]]]:
    """Response rows, answer rows and external refs to store."""
    submitted_at = truncate_to_day(utcnow())
    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    refs: list[dict[str, str]] = []
    for external_ref, respondent in respondents.items():
        response_id = random_id()
        responses.append(
            {
                "id": response_id,
                "evaluation_id": evaluation_id,
                "period_id": period_id,
                "group_id": respondent.group_id,
                "channel": Channel.import_.value,
                "submitted_at": submitted_at,
                "time_precision": TimePrecision.day.value,
                "quality_flags": 0,
                "cell_key": _cell_key(respondent.cells),
                "external_ref": external_ref,
                "design_weight": respondent.design.weight,
                "stratum": respondent.design.stratum,
                "psu": respondent.design.psu,
            }
        )
        refs.append({"ref": external_ref, "id": response_id})
        for seq, (unit_id, question, level, value) in enumerate(respondent.answers):
            row = {
                "response_id": response_id,
                "seq": seq,
                "evaluation_id": evaluation_id,
                "period_id": period_id,
                "group_id": respondent.group_id,
                "unit_id": unit_id,
                "question": question,
                "level": level,
                "value": value,
                "cell_key": _cell_key(respondent.cells),
                "counted": True,  # imported responses carry no quality flags
                "design_weight": respondent.design.weight,
                "stratum": respondent.design.stratum,
                "psu": respondent.design.psu,
            }
            answers.append(row)
    return responses, answers, refs


def _cell_key(cells: dict[str, str]) -> str | None:
    return ";".join(f"{k}={v}" for k, v in sorted(cells.items()) if v) or None


def _refuse_repeats(session: Session, evaluation_id: int, refs: Sequence[str]) -> None:
    found: list[str] = []
    for start in range(0, len(refs), _LOOKUP_CHUNK):
        chunk = refs[start : start + _LOOKUP_CHUNK]
        found.extend(
            ref
            for ref in session.exec(
                select(Response.external_ref).where(
                    Response.evaluation_id == evaluation_id,
                    col(Response.external_ref).in_(chunk),
                )
            )
            if ref is not None
        )
    if found:
        raise AlreadyImported(count=len(found), example=sorted(found)[0])


class _Problems:
    def __init__(self) -> None:
        self.items: list[ImportProblem] = []
        self.more = 0

    def add(self, row: int, column: str, message: str, /, **params: Any) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(ImportProblem(row, column, message, params))
        else:
            self.more += 1


@dataclass(frozen=True)
class _Header:
    """The header row: how many columns, where each named column is, the cell columns."""

    width: int
    position: dict[str, int]
    cell_columns: list[str]


@dataclass(frozen=True)
class _Row:
    """One row's values, each None where the row has a problem with it."""

    number: int
    ref: str
    group_id: int | None
    unit_id: int | None
    question: str
    answer: tuple[str, float | None] | None
    cells: dict[str, str]
    design: _Design = _Design()


def _rated_questions(session: Session, evaluation_id: int) -> set[str]:
    """Codes of the questions the evaluation's surveys ask on a level scale (满意 … 不满意)."""
    return set(
        session.exec(
            select(SurveyQuestion.code)
            .join(Survey, col(Survey.id) == col(SurveyQuestion.survey_id))
            .where(Survey.evaluation_id == evaluation_id, col(SurveyQuestion.scale).is_not(None))
        )
    )


def _parse(
    session: Session,
    table: Iterator[tuple[int, list[str]]],
    rated: Collection[str] = (),
    policy: PolicySettings | None = None,
) -> dict[str, _Respondent]:
    problems = _Problems()
    header = _read_header(table, problems)
    units = {u.code: u.id for u in session.exec(select(Unit)) if u.id is not None}
    groups = {g.code: g.id for g in session.exec(select(RespondentGroup)) if g.id is not None}
    respondents: dict[str, _Respondent] = {}
    question_kind: dict[str, tuple[str, int]] = {}
    rows_seen = 0
    for number, raw in table:
        cells = [(raw[i].strip() if i < len(raw) else "") for i in range(header.width)]
        if not any(cells):
            continue  # blank lines between blocks are common in spreadsheets
        rows_seen += 1
        value = {name: cells[i] for name, i in header.position.items()}
        before = len(problems.items) + problems.more
        row = _check_row(number, value, header, units, groups, problems)
        # A number refused for a rated question does not also count as mixing kinds.
        if not _check_rated(row, rated, problems):
            _check_kind(row, question_kind, problems)
        if len(problems.items) + problems.more > before:
            continue
        if policy is not None and not _check_scorable(row, policy, problems):
            continue
        _add_answer(respondents, row, problems)
    if problems.items:
        raise ImportRejected(problems.items, more=problems.more)
    if rows_seen == 0:
        raise Invalid(N_("The file has a header but no answers."))
    return respondents


def _read_header(table: Iterator[tuple[int, list[str]]], problems: _Problems) -> _Header:
    header_row = next(table, None)
    if header_row is None:
        raise Invalid(N_("The file is empty."))
    header = [name.strip().lower() for name in header_row[1]]
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in position:
            problems.add(1, name, N_("This column appears twice."))
        position[name] = i
    for name in REQUIRED_COLUMNS:
        if name not in position:
            problems.add(1, name, N_("This column is missing."))
    cell_columns = [n for n in position if n not in REQUIRED_COLUMNS and n not in DESIGN_COLUMNS]
    for name in cell_columns:
        if not _CODE.match(name):
            problems.add(
                1,
                name,
                N_("A weighting-cell column needs a name of letters, digits, . _ or -."),
            )
    if problems.items:
        raise ImportRejected(problems.items, more=problems.more)
    return _Header(width=len(header), position=position, cell_columns=cell_columns)


def _check_row(
    number: int,
    value: dict[str, str],
    header: _Header,
    units: dict[str, int],
    groups: dict[str, int],
    problems: _Problems,
) -> _Row:
    """Each cell of the row checked on its own, every problem added."""
    unreadable = [name for name, text_value in value.items() if _has_control(text_value)]
    for name in unreadable:
        # Codes, numbers and cells hold no line breaks or terminal codes; and PostgreSQL text
        # cannot hold NUL at all (looking the row up would fail instead of refusing it).
        problems.add(number, name, N_("This text contains control characters."))
    if unreadable:
        return _Row(number, "", None, None, "", None, {})
    ref = value["respondent_id"]
    if not ref:
        problems.add(number, "respondent_id", N_("This cell is empty."))
    elif len(ref) > MAX_RESPONDENT_ID:
        problems.add(number, "respondent_id", N_("At most %(n)s characters."), n=MAX_RESPONDENT_ID)
    group_id = _code_of(number, "group", value["group"], groups, problems)
    unit_id = _code_of(number, "unit", value["unit"], units, problems)
    question = value["question"]
    if not question:
        problems.add(number, "question", N_("This cell is empty."))
    elif not _CODE.match(question):
        problems.add(
            number,
            "question",
            N_("%(value)s is not a valid code: up to 32 letters, digits, . _ or -."),
            value=question,
        )
    answer = _answer(number, value["answer"], problems)
    row_cells = {name: value[name] for name in header.cell_columns}
    for name, text_value in row_cells.items():
        if any(s in text_value for s in (";", "=")):
            problems.add(number, name, N_("A weighting cell must not contain ; or =."))
    if len(_cell_key(row_cells) or "") > MAX_CELL_KEY:
        problems.add(
            number,
            header.cell_columns[0],
            N_("The weighting cells of a row take at most %(n)s characters together."),
            n=MAX_CELL_KEY,
        )
    design = _design(number, value, problems)
    return _Row(number, ref, group_id, unit_id, question, answer, row_cells, design)


def _design(number: int, value: dict[str, str], problems: _Problems) -> _Design:
    """The row's design weight, stratum and PSU (each None when the file has no such column)."""
    # An empty cell gives no design (weight 1, no stratum, no PSU): a file may mix a
    # weighted sample with other groups' respondents.
    weight: float | None = None
    raw = value.get("weight")
    if raw:
        try:
            weight = float(raw)
        except ValueError:
            weight = math.nan
        if not (math.isfinite(weight) and 0 < weight <= MAX_WEIGHT):
            problems.add(
                number,
                "weight",
                N_("The weight %(value)s is not a number above 0 and at most %(n)s."),
                value=raw,
                n=MAX_WEIGHT,
            )
            weight = None
    labels: dict[str, str | None] = {}
    for name in ("stratum", "psu"):
        label = value.get(name) or None
        if label is not None and len(label) > MAX_DESIGN_LABEL:
            problems.add(number, name, N_("At most %(n)s characters."), n=MAX_DESIGN_LABEL)
        labels[name] = label
    return _Design(weight=weight, stratum=labels["stratum"], psu=labels["psu"])


def _has_control(text_value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text_value)


# Numbers beyond this are no answer any scale gives (and 1e308 would overflow the sums).
LARGEST_NUMBER = 1_000_000


def _check_rated(row: _Row, rated: Collection[str], problems: _Problems) -> bool:
    """A question the surveys ask on a level scale takes levels, not numbers; no number is
    beyond ``LARGEST_NUMBER``. Whether the row's answer was refused here."""
    if row.answer is None or row.answer[1] is None or row.answer[0] in _LEVEL_CODES:
        return False
    if row.question in rated:
        problems.add(
            row.number,
            "answer",
            N_("%(question)s takes a level such as 满意, not a number."),
            question=row.question,
        )
    elif abs(row.answer[1]) > LARGEST_NUMBER:
        problems.add(
            row.number,
            "answer",
            N_("%(value)s is out of range: numbers run from -%(n)s to %(n)s."),
            value=row.answer[0],
            n=LARGEST_NUMBER,
        )
    else:
        return False
    return True


def _check_scorable(row: _Row, policy: PolicySettings, problems: _Problems) -> bool:
    """An answer to a question the policy scores must be one it can score: one of its levels,
    don't know, or a number on its numeric scale (else it would only ever be counted as
    unscored). Whether the answer passed."""
    assert row.answer is not None
    if policy.questions and row.question not in policy.questions:
        return True
    if scorable(policy, row.answer[0]):
        return True
    problems.add(
        row.number,
        "answer",
        N_(
            "The satisfaction policy cannot score the answer %(value)s to %(question)s: it is "
            "neither one of the policy's levels nor on its numeric scale."
        ),
        value=row.answer[0],
        question=row.question,
    )
    return False


def _check_kind(row: _Row, question_kind: dict[str, tuple[str, int]], problems: _Problems) -> None:
    """Don't know belongs to every scale; the other answers must share one kind."""
    if row.answer is None or not row.question or row.answer[0] == DONT_KNOW:
        return
    kind = _LEVELS if row.answer[0] in _LEVEL_CODES else _NUMBERS
    first = question_kind.setdefault(row.question, (kind, row.number))
    if first[0] != kind:
        problems.add(
            row.number,
            "answer",
            N_("The question %(question)s mixes levels and numbers (compare row %(row)s)."),
            question=row.question,
            row=first[1],
        )


def _add_answer(respondents: dict[str, _Respondent], row: _Row, problems: _Problems) -> None:
    """A good row's answer added to its respondent, whose rows must agree."""
    assert row.group_id is not None and row.unit_id is not None and row.answer is not None
    number, ref = row.number, row.ref
    respondent = respondents.get(ref)
    if respondent is None:
        respondent = _Respondent(
            row=number, group_id=row.group_id, cells=row.cells, design=row.design
        )
        respondents[ref] = respondent
    else:
        if respondent.group_id != row.group_id:
            problems.add(
                number,
                "group",
                N_("The respondent %(id)s has another group in row %(row)s."),
                id=ref,
                row=respondent.row,
            )
        for name in DESIGN_COLUMNS:
            if getattr(row.design, name) != getattr(respondent.design, name):
                problems.add(
                    number,
                    name,
                    N_("The respondent %(id)s has another value here in row %(row)s."),
                    id=ref,
                    row=respondent.row,
                )
        for name, text_value in row.cells.items():
            if respondent.cells.get(name) != text_value:
                problems.add(
                    number,
                    name,
                    N_("The respondent %(id)s has another value here in row %(row)s."),
                    id=ref,
                    row=respondent.row,
                )
    earlier = respondent.seen.get((row.unit_id, row.question))
    if earlier is not None:
        problems.add(
            number,
            "answer",
            N_("The respondent already answered this question about this unit in row %(row)s."),
            row=earlier,
        )
        return
    respondent.seen[(row.unit_id, row.question)] = number
    respondent.answers.append((row.unit_id, row.question, row.answer[0], row.answer[1]))


_LEVEL_CODES = frozenset(level.code for level in _SATISFACTION.levels)


def _code_of(
    row: int, column: str, code: str, known: dict[str, int], problems: _Problems
) -> int | None:
    if not code:
        problems.add(row, column, N_("This cell is empty."))
        return None
    found = known.get(code)
    if found is None:
        message = (
            N_("No unit has the code %(code)s.")
            if column == "unit"
            else N_("No respondent group has the code %(code)s.")
        )
        problems.add(row, column, message, code=code)
    return found


def _answer(row: int, raw: str, problems: _Problems) -> tuple[str, float | None] | None:
    """``(level, value)``: a satisfaction level with its points, or a number as itself."""
    if not raw:
        problems.add(row, "answer", N_("This cell is empty."))
        return None
    code = CHINESE_LABELS.get(raw, raw.lower())
    level = _SATISFACTION.level(code)
    if level is not None:
        return level.code, level.value
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        problems.add(
            row,
            "answer",
            N_("%(value)s is neither a satisfaction level nor a number."),
            value=raw,
        )
        return None
    canonical = str(int(number)) if number.is_integer() else f"{number:g}"
    return canonical, number
