"""Group weights of each unit category laid out on the respondent-group axis."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from scoring._common import BoolArray, FloatArray, frozen_array


@dataclass(frozen=True, eq=False)
class GroupWeightMatrix:
    """Weights ``W_h`` per category and group, ready for :func:`combine_groups_many`.

    Attributes
    ----------
    categories : tuple[str, ...]
        Category labels, the row order.
    groups : tuple[str, ...]
        Group labels, the column order (the group axis of the counts).
    weights : ndarray of float, shape (C, G)
        Weight of each group in each category's score (any positive scale; they are
        renormalised over the groups used); 0 where no entry names the pair.
    listed : ndarray of bool, shape (C,)
        Whether any entry names the category together with one of ``groups``. A category
        that is not listed has no weights at all, which is not the same as weights of 0.
    """

    categories: tuple[str, ...]
    groups: tuple[str, ...]
    weights: FloatArray
    listed: BoolArray

    def row(self, category: str) -> FloatArray | None:
        """The category's weights over ``groups``, or None when it is not listed."""
        try:
            k = self.categories.index(category)
        except ValueError:
            return None
        return self.weights[k] if self.listed[k] else None


def group_weight_matrix(
    entries: Iterable[tuple[str, str, float]],
    categories: Sequence[str],
    groups: Sequence[str],
) -> GroupWeightMatrix:
    """Lay out ``(category, group, weight)`` entries as a category x group matrix.

    Parameters
    ----------
    entries : iterable of (str, str, float)
        Category label, group label and the group's weight in that category (>= 0, finite).
        Entries naming a category or group not in ``categories``/``groups`` are ignored
        (their units or answers are not in the data); a later entry for the same pair
        replaces an earlier one.
    categories : sequence of str, length C
        The row labels.
    groups : sequence of str, length G
        The column labels.

    Returns
    -------
    GroupWeightMatrix
    """
    row_of = {c: k for k, c in enumerate(categories)}
    col_of = {g: j for j, g in enumerate(groups)}
    weights = np.zeros((len(row_of), len(col_of)))
    listed = np.zeros(len(row_of), dtype=np.bool_)
    for category, group, weight in entries:
        k, j = row_of.get(category), col_of.get(group)
        if k is None or j is None:
            continue
        value = float(weight)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight of {group!r} in {category!r} must be >= 0, got {weight!r}")
        weights[k, j] = value
        listed[k] = True
    return GroupWeightMatrix(
        categories=tuple(categories),
        groups=tuple(groups),
        weights=frozen_array(weights),
        listed=frozen_array(listed, dtype=np.bool_),
    )
