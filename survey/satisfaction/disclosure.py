"""What a unit (or the public) may be shown: minimum cell sizes and no differencing.

A unit chooses filters on its own results: a respondent group or all groups, a period or all
periods, a question or all questions. Every combination is a *cell*, keyed by the filter values
(None: all). Two rules decide which cells are published:

1. **Minimum** (primary suppression): a cell with fewer respondents than ``minimum`` (the
   policy's ``suppression_threshold``, default 5) is withheld; an empty cell (0) says nothing
   about anybody and stays visible as "no answers".
2. **No differencing** (secondary suppression): if cell A's respondents are a subset of cell
   B's, publishing both reveals the figures of the ``n_B - n_A`` respondents in B but not in A.
   So that difference must be 0 or at least ``minimum``. Example: group A has 12 respondents and
   all groups 14: the other 2 would be revealed by subtraction, so group A is withheld too. The
   same holds for a *partition*: a parent cell (all groups) minus every published child cell
   (each group) leaves the withheld children, which together must be 0 or at least
   ``minimum`` respondents. When a rule is broken the narrower cell (the child, the smallest
   first) is withheld, never the broader one: a unit always keeps its overall figure when that
   meets the minimum.

Nesting along a dimension: a value nests in None (all). Groups and periods partition their
parent (each response has one group and one period); questions nest but do not partition (a
respondent answers several questions), so only the pairwise rule applies to them.

Counts are respondents with a valid answer (don't-know excluded), counted in SQL by
:func:`respondent_cube`. The rule itself, :func:`disclosed`, is pure and tested on its own.

Comments follow a minimum of their own (``comment_threshold``, default 10):
:func:`comment_group_visible` says whether a comment shown to a unit may name its respondent
group; nothing else about the respondent (channel, time, response) is ever shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import product

from sqlmodel import Session, col, select

from survey.models import Answer, Period, RespondentGroup

# A cell's filter values, in the order of the dimensions (group, period, question); None: all.
Key = tuple[str | None, ...]
DIMENSIONS = ("group", "period", "question")
# Whether each dimension partitions its "all" cell (see the module's docstring).
PARTITIONS = (True, True, False)


def _nests(narrow: Key, broad: Key) -> bool:
    """Whether ``narrow``'s respondents are among ``broad``'s (and the keys differ)."""
    return narrow != broad and all(b is None or a == b for a, b in zip(narrow, broad, strict=True))


def disclosed(
    counts: Mapping[Key, int], minimum: int, partitions: Sequence[bool] = PARTITIONS
) -> set[Key]:
    """The keys of ``counts`` that may be published (see the module's docstring).

    ``counts`` holds every cell a viewer can reach (respondents per filter combination); a cell
    missing from it cannot be published and is not protected by it either, so callers pass the
    whole cube. The result is the largest set this greedy rule finds, not a proven optimum.
    """
    shown = {key for key, n in counts.items() if n == 0 or n >= minimum}

    def small(difference: int) -> bool:
        return 0 < difference < minimum

    changed = True
    while changed:
        changed = False
        # Pairs: a nested published cell whose difference from a broader one is too small.
        for narrow in sorted(shown, key=lambda k: counts[k]):
            if any(
                _nests(narrow, broad) and small(counts[broad] - counts[narrow])
                for broad in shown
                if broad != narrow
            ):
                shown.discard(narrow)
                changed = True
        # Partitions: a published parent minus its published children along one dimension.
        for parent in list(shown):
            for d, partitioning in enumerate(partitions):
                if not partitioning or parent[d] is not None:
                    continue
                children = [
                    k
                    for k in counts
                    if k[d] is not None
                    and all(k[i] == parent[i] for i in range(len(parent)) if i != d)
                ]
                while True:
                    published = [k for k in children if k in shown and counts[k] > 0]
                    rest = counts[parent] - sum(counts[k] for k in published)
                    if not small(rest) or not published:
                        break
                    shown.discard(min(published, key=lambda k: (counts[k], str(k))))
                    changed = True
    return shown


def revealed_differences(
    counts: Mapping[Key, int], shown: Iterable[Key], minimum: int
) -> list[tuple[Key, Key, int]]:
    """Pairs of published nested cells whose difference names fewer than ``minimum`` people.

    The check the differencing test runs over every pair of filters; empty when ``shown``
    keeps the rule.
    """
    published = list(shown)
    return [
        (narrow, broad, counts[broad] - counts[narrow])
        for narrow in published
        for broad in published
        if _nests(narrow, broad) and 0 < counts[broad] - counts[narrow] < minimum
    ]


def respondent_cube(
    session: Session,
    evaluation_id: int,
    unit_id: int,
    *,
    levels: Iterable[str],
    questions: Sequence[str] = (),
) -> dict[Key, int]:
    """Respondents with a valid answer about the unit, for every filter combination.

    ``levels`` are the scored level codes (a don't-know is not valid); ``questions`` limits the
    "all questions" cells to the policy's questions when it names some. Answers the office left
    out (not counted) are not counted here either.
    """
    rows = session.exec(
        select(Answer.response_id, RespondentGroup.code, Period.code, Answer.question)
        .join(RespondentGroup, col(RespondentGroup.id) == col(Answer.group_id))
        .outerjoin(Period, col(Period.id) == col(Answer.period_id))
        .where(
            Answer.evaluation_id == evaluation_id,
            Answer.unit_id == unit_id,
            col(Answer.counted).is_(True),
            col(Answer.level).in_(list(levels)),
        )
    ).all()
    scored = set(questions)
    people: dict[Key, set[str]] = defaultdict(set)
    groups: set[str] = set()
    periods: set[str] = set()
    asked: set[str] = set()
    for response_id, group, period, question in rows:
        groups.add(group)
        if period is not None:
            periods.add(period)
        asked.add(question)
        in_score = not scored or question in scored
        for g, p, q in product((group, None), (period, None), (question, None)):
            if q is None and not in_score:
                continue  # an answer outside the score is not behind the "all questions" cells
            people[(g, p, q)].add(response_id)
    cube: dict[Key, int] = {}
    axes = ([None, *sorted(groups)], [None, *sorted(periods)], [None, *sorted(asked)])
    for key in product(*axes):
        cube[key] = len(people.get(key, ()))
    return cube


def comment_group_visible(comments_in_group: int, comment_minimum: int) -> bool:
    """Whether a comment shown to a unit may name its respondent group.

    Only when at least ``comment_minimum`` of the unit's comments come from that group, so that
    the group does not narrow the writer down to a handful of people.
    """
    return comments_in_group >= comment_minimum
