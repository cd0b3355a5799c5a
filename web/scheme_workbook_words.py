"""Scheme workbook problems in words, shared by the office pages and the command line."""

from __future__ import annotations

from typing import Any

from survey.composite.scheme_workbook import WorkbookProblem
from survey.config import SUPPORTED_LANGUAGES
from web.i18n import gettext


def translations_for(language: str) -> list[Any]:
    """The reader's language first (it names sheets in problems), then every other one."""
    others = [code for code in SUPPORTED_LANGUAGES if code != language]
    return [lambda m, lang=code: gettext(lang, m) for code in (language, *others)]


def problem_line(language: str, problem: WorkbookProblem) -> str:
    """A workbook problem in words, led by its cell and column heading."""
    if problem.checked:
        # The shared checks say "Line …, field: …"; the cell replaces that lead.
        marked = gettext(
            language, problem.message, **{**problem.params, "line": "\x00", "field": "\x01"}
        )
        cut = max(marked.find("\x01"), marked.find("\x00"))
        text = marked[cut + 1 :] if cut >= 0 else marked
        text = text.lstrip("行：:，, ")
    else:
        text = gettext(language, problem.message, **problem.params)
    if problem.heading:
        return gettext(
            language,
            "Sheet %(sheet)s, row %(row)s, column %(column)s (%(heading)s): %(problem)s",
            sheet=problem.sheet,
            row=problem.row,
            column=problem.column,
            heading=problem.heading,
            problem=text,
        )
    return gettext(
        language,
        "Sheet %(sheet)s, row %(row)s, column %(column)s: %(problem)s",
        sheet=problem.sheet,
        row=problem.row,
        column=problem.column,
        problem=text,
    )
