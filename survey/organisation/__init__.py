"""Organisation: evaluations and periods, unit categories and units, groups and their weights.

The area's public functions, as importers use them (``from survey import organisation as org``);
each lives in the module named for what it holds.
"""

from __future__ import annotations

from survey.organisation.evaluations import (
    add_period,
    create_evaluation,
    evaluation_public,
    get_evaluation,
    list_evaluations,
    periods_of,
    update_evaluation,
)
from survey.organisation.groups import (
    WEIGHT_TOLERANCE,
    create_group,
    get_weights,
    group_by_code,
    list_groups,
    replace_weights,
    update_group,
)
from survey.organisation.units import (
    category_by_code,
    create_category,
    create_unit,
    list_categories,
    list_units,
    unit_by_code,
    unit_public,
    update_category,
    update_unit,
)

__all__ = [
    "WEIGHT_TOLERANCE",
    "add_period",
    "category_by_code",
    "create_category",
    "create_evaluation",
    "create_group",
    "create_unit",
    "evaluation_public",
    "get_evaluation",
    "get_weights",
    "group_by_code",
    "list_categories",
    "list_evaluations",
    "list_groups",
    "list_units",
    "periods_of",
    "replace_weights",
    "unit_by_code",
    "unit_public",
    "update_category",
    "update_evaluation",
    "update_group",
    "update_unit",
]
