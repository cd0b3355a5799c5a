"""The disclosure rule: minimum cell sizes and no differencing between the filters a unit sets."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import product

from survey.satisfaction.disclosure import (
    Key,
    comment_group_visible,
    disclosed,
    revealed_differences,
)


def _cube(people: list[tuple[str, str, frozenset[str]]]) -> dict[Key, int]:
    """Respondents per (group|None, period|None, question|None), counted by hand."""
    groups = sorted({g for g, _, _ in people})
    periods = sorted({p for _, p, _ in people})
    questions = sorted({q for _, _, qs in people for q in qs})
    cube: dict[Key, int] = {}
    for g, p, q in product([None, *groups], [None, *periods], [None, *questions]):
        cube[(g, p, q)] = sum(
            1
            for pg, pp, qs in people
            if (g is None or pg == g) and (p is None or pp == p) and (q is None or q in qs)
        )
    return cube


def test_the_issue_example_withholds_the_secondary_cell() -> None:
    # Group A has 12 respondents, all groups 14: the other 2 would be revealed by subtraction.
    counts: dict[Key, int] = {(None,): 14, ("A",): 12, ("B",): 2}
    shown = disclosed(counts, 5, partitions=(True,))
    assert shown == {(None,)}
    assert revealed_differences(counts, shown, 5) == []


def test_a_difference_of_zero_or_at_least_the_minimum_is_fine() -> None:
    counts: dict[Key, int] = {(None,): 30, ("A",): 12, ("B",): 18, ("C",): 0}
    assert disclosed(counts, 5, partitions=(True,)) == {(None,), ("A",), ("B",), ("C",)}
    # All in one group: the group equals the whole, nothing is revealed.
    counts = {(None,): 9, ("A",): 9}
    assert disclosed(counts, 5, partitions=(True,)) == {(None,), ("A",)}


def test_a_partition_cannot_be_completed_by_subtraction() -> None:
    # C (3) is withheld by the minimum; total 30 minus A (12) and B (15) would give it back.
    counts: dict[Key, int] = {(None,): 30, ("A",): 12, ("B",): 15, ("C",): 3}
    shown = disclosed(counts, 5, partitions=(True,))
    assert ("C",) not in shown and ("A",) not in shown  # the smallest published child goes
    assert shown == {(None,), ("B",)}
    # Pairwise alone would not catch it: each published difference is at least 5.
    assert revealed_differences(counts, {(None,), ("A",), ("B",)}, 5) == []


def test_questions_nest_but_do_not_partition() -> None:
    counts: dict[Key, int] = {(None,): 20, ("q1",): 18, ("q2",): 20}
    # q1 leaves out 2 respondents who answered only q2: withheld; q2 equals the whole.
    assert disclosed(counts, 5, partitions=(False,)) == {(None,), ("q2",)}


def test_random_worlds_never_reveal_fewer_than_the_minimum() -> None:
    """For every pair of filters a unit can set, no published difference is below the minimum."""
    rng = random.Random(20261207)
    for _ in range(150):
        minimum = rng.choice([3, 5, 10])
        groups = [f"g{i}" for i in range(rng.randint(1, 4))]
        periods = [f"p{i}" for i in range(rng.randint(1, 4))]
        questions = [f"q{i}" for i in range(rng.randint(1, 3))]
        people = []
        for _ in range(rng.randint(0, 60)):
            answered = frozenset(q for q in questions if rng.random() < 0.8) or frozenset(
                {questions[0]}
            )
            people.append((rng.choice(groups), rng.choice(periods), answered))
        counts = _cube(people)
        shown = disclosed(counts, minimum)
        assert all(counts[k] == 0 or counts[k] >= minimum for k in shown)
        assert revealed_differences(counts, shown, minimum) == []
        # Every pair, written out independently of revealed_differences.
        for a in shown:
            for b in shown:
                if a != b and all(y is None or x == y for x, y in zip(a, b, strict=True)):
                    difference = counts[b] - counts[a]
                    assert difference == 0 or difference >= minimum, (a, b, counts)
        # Partitions: a published parent minus its published children (groups, periods).
        for parent in shown:
            for d in (0, 1):
                if parent[d] is not None:
                    continue
                children = [
                    k
                    for k in shown
                    if k[d] is not None and all(k[i] == parent[i] for i in range(3) if i != d)
                ]
                rest = counts[parent] - sum(counts[k] for k in children)
                assert rest == 0 or rest >= minimum, (parent, d, counts)
        # The unit keeps its overall figure whenever it meets the minimum.
        if counts[(None, None, None)] >= minimum:
            assert (None, None, None) in shown


def test_the_rule_withholds_no_more_than_needed_in_a_large_even_world() -> None:
    per_cell: defaultdict[Key, int] = defaultdict(int)
    people = [(g, p, frozenset({"q"})) for g in "ab" for p in "xy" for _ in range(20)]
    counts = _cube(people)
    per_cell.update(counts)
    assert disclosed(counts, 5) == set(counts)


def test_comment_groups_are_named_only_above_the_comment_minimum() -> None:
    assert comment_group_visible(10, 10)
    assert not comment_group_visible(9, 10)
