"""Sensitivity of ranks and grades: Monte Carlo draws per category, live or from a snapshot."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlmodel import Session

from scoring import SchemeResult, composite_sensitivity, evaluate_scheme
from survey import organisation as org
from survey.composite import scheme as schemes
from survey.composite.explain import tree_from_explanations
from survey.composite.json_values import finite_or_none
from survey.composite.ranking import grade_rule_of
from survey.composite.schemas import CategoryComposite, SchemeSpec, UnitComposite, UnitSensitivity
from survey.models import UnitCategory

SensitivityItem = tuple[UnitCategory, SchemeSpec, SchemeResult, list[UnitComposite]]


def apply_sensitivity(items: Sequence[SensitivityItem], draws: int, seed: int) -> str:
    """Each unit's rank range and grade probabilities onto its result; the method's text."""
    methods: list[str] = []
    for category, spec, result, units in items:
        assert category.id is not None
        rule = grade_rule_of(spec)
        found = composite_sensitivity(
            result,
            categories=[category.code],
            n_draws=draws,
            weight_band=spec.sensitivity.weight_band,
            sampling_error=True,
            grade_rule=rule,
            robust_level=spec.sensitivity.robust_level,
            seed=np.random.default_rng([seed, category.id]),
        )
        methods.append(f"{category.code}: {found.method}")
        for i, unit in enumerate(units):
            probabilities = found.grade_probabilities[i]
            unit.sensitivity = UnitSensitivity(
                median_rank=finite_or_none(found.median_rank[i]),
                rank_low=finite_or_none(found.rank_low[i]),
                rank_high=finite_or_none(found.rank_high[i]),
                grade_probabilities={
                    g: float(p)
                    for g, p in zip(found.grades, probabilities, strict=True)
                    if math.isfinite(p)
                },
                p_point_grade=finite_or_none(found.p_point_grade[i]),
                robust=bool(found.robust[i]),
            )
    return (
        f"seed {seed} (with the category id), weight band and robust level from each "
        "scheme; " + " | ".join(methods)
    )


def published_items(
    session: Session,
    evaluation_id: int,
    categories: Sequence[CategoryComposite],
    units: Sequence[UnitComposite],
    explanations: Mapping[str, Mapping[str, Any]],
) -> list[SensitivityItem]:
    """The published categories' results, rebuilt from the stored explanations.

    Evaluating the tree rebuilt from the explanations gives the stored totals back exactly,
    so the draws perturb the published figures, not today's data.
    """
    items: list[SensitivityItem] = []
    for cat in categories:
        members = [u for u in units if u.category == cat.category]
        category_row = org.category_by_code(session, cat.category)
        spec = schemes.spec_of(
            schemes.get_scheme(session, evaluation_id, cat.category, cat.scheme_version)
        )
        tree = tree_from_explanations([explanations[u.unit]["tree"] for u in members])
        result = evaluate_scheme(
            tree,
            units=[u.unit for u in members],
            missing=explanations[members[0].unit]["tree"]["missing_rule"],
            warn=False,
        )
        items.append((category_row, spec, result, members))
    return items
