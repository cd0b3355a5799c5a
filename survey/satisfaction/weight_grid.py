"""The group weight matrix as the office edits it: one row per unit category, percentages.

Each saved grid is the next version of the satisfaction policy (``policy.set_weights``), so
a row that does not reach 100% is refused here with the category's name, before any write.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from survey import organisation as org
from survey import rules
from survey.accounts import Principal
from survey.errors import N_, Invalid, Named
from survey.rules import Action
from survey.satisfaction import policy
from survey.schemas import CategoryPublic, GroupPublic, WeightEntry, WeightPublic

# A row must total 100 within this many percentage points (typed decimals such as 33.33).
PERCENT_TOLERANCE = 1e-4
MAX_NOTE_LENGTH = 500


@dataclass(frozen=True)
class WeightGrid:
    categories: list[CategoryPublic]
    groups: list[GroupPublic]
    # (category code, group code) -> the percentage as the form shows it; absent: no weight.
    cells: dict[tuple[str, str], str]

    def row_total(self, category: str) -> str:
        """The row's sum as typed; empty when the row is blank or holds something not a number."""
        values: list[float] = []
        for (row, _), text in self.cells.items():
            if row == category and text.strip():
                try:
                    values.append(float(text.strip().replace("%", "")))
                except ValueError:
                    return ""
        return percent_text(math.fsum(values)) if values else ""


def percent_text(value: float) -> str:
    """60.0 -> "60", 33.333333 -> "33.3333": what the office typed, without float noise."""
    rounded = round(value, 4)
    return str(int(rounded)) if float(rounded).is_integer() else f"{rounded:.4f}".rstrip("0")


def rows_off(grid: WeightGrid) -> list[tuple[CategoryPublic, str]]:
    """Rows typed so far that do not total 100% (the total as text; empty: not a number)."""
    off: list[tuple[CategoryPublic, str]] = []
    for category in grid.categories:
        typed = any(c == category.code and v.strip() for (c, _), v in grid.cells.items())
        total = grid.row_total(category.code)
        if typed and (not total or abs(float(total) - 100) > PERCENT_TOLERANCE):
            off.append((category, total))
    return off


def grid_of(session: Session, evaluation_id: int) -> WeightGrid:
    weights = org.get_weights(session, evaluation_id)
    return WeightGrid(
        categories=org.list_categories(session),
        groups=org.list_groups(session),
        cells={(w.category, w.group): percent_text(w.weight * 100) for w in weights},
    )


def save_grid(
    session: Session,
    evaluation_id: int,
    cells: Mapping[tuple[str, str], str],
    actor: Principal,
    *,
    note: str,
    ip: str = "",
) -> list[WeightPublic]:
    """Store the grid as the next policy version, or refuse the whole grid and store nothing.

    A blank cell is no weight. A row left wholly blank is not weighted, unless it was
    weighted before: weights cannot be dropped by blanking them, so that row must total 100%.
    """
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(actor, Action.edit, evaluation.status)
    note = note.strip()
    if not note:
        raise Invalid(
            N_("Say why the weights change: the reason is kept with the version."), field="note"
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise Invalid(
            N_("The reason may have at most %(n)s characters."), field="note", n=MAX_NOTE_LENGTH
        )
    before = {w.category for w in org.get_weights(session, evaluation_id)}
    groups = org.list_groups(session)
    entries: list[WeightEntry] = []
    for category in org.list_categories(session):
        row: list[tuple[GroupPublic, float]] = []
        for group in groups:
            text = cells.get((category.code, group.code), "").strip().replace("%", "")
            if not text:
                continue
            row.append((group, _percent(text, category, group)))
        if not row and category.code not in before:
            continue
        total = math.fsum(value for _, value in row)
        if abs(total - 100) > PERCENT_TOLERANCE:
            raise Invalid(
                N_(
                    "The weights of the row %(category)s add up to %(total)s%%, not 100%%. "
                    "Nothing was saved."
                ),
                field="weights",
                category=Named(category.name, category.name_en),
                total=percent_text(total),
            )
        entries.extend(
            WeightEntry(category=category.code, group=group.code, weight=value / 100)
            for group, value in row
        )
    if not entries:
        raise Invalid(N_("Enter the weights of at least one category."), field="weights")
    return policy.set_weights(session, evaluation_id, entries, actor, note=note, ip=ip)


def _percent(text: str, category: CategoryPublic, group: GroupPublic) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise Invalid(
            N_(
                "The weight of %(group)s in the row %(category)s must be a percentage "
                "from 0 to 100, not “%(value)s”. Nothing was saved."
            ),
            field="weights",
            category=Named(category.name, category.name_en),
            group=Named(group.name, group.name_en),
            value=text,
        )
    return value
