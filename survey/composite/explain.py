"""Explanations of a unit's total: labelling the library's tree, and rebuilding a tree from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoring import SchemeAdjustment, SchemeBlock, SchemeLeaf
from survey.composite import scheme as schemes


def annotate(node: dict[str, Any], built: schemes.BuiltScheme, index: int) -> None:
    """Labels and data sources onto the library's explanation tree of one unit, in place."""
    path = str(node.get("path", ""))
    if path in built.labels:
        name, name_en = built.labels[path]
        node["label"] = name
        node["label_en"] = name_en
    note = built.annotations.get(path)
    if note is not None:
        node["source"] = note(index)
    coefficient = built.annotations.get(path + "#coefficient")
    if coefficient is not None:
        node["coefficient_source"] = coefficient(index)
    for child in node.get("children", []):
        annotate(child, built, index)


def tree_from_explanations(trees: Sequence[Mapping[str, Any]]) -> SchemeBlock:
    """The scheme tree of a category rebuilt from its units' explanations (one per unit).

    Leaf scores, standard errors, adjustment points and coefficients become plain arrays;
    weights, full points, bounds, caps and missing rules are taken as recorded, so that
    evaluating the rebuilt tree gives the recorded totals.
    """

    def floats(nodes: Sequence[Mapping[str, Any]], key: str) -> list[float]:
        return [float(n[key]) for n in nodes]

    def build(nodes: Sequence[Mapping[str, Any]]) -> SchemeLeaf | SchemeBlock | SchemeAdjustment:
        first = nodes[0]
        kind = first["node"]
        if kind == "leaf":
            se = floats(nodes, "se") if "se" in first else None
            return SchemeLeaf(
                first["name"],
                floats(nodes, "score"),
                max_points=float(first["max_points"]),
                weight=None if first["weight"] is None else float(first["weight"]),
                se=se,
            )
        if kind == "adjustment":
            low, high = (float(x) for x in first["bounds"])
            return SchemeAdjustment(first["name"], floats(nodes, "points"), bounds=(low, high))
        children = [build([n["children"][k] for n in nodes]) for k in range(len(first["children"]))]
        coefficient = None
        bounds = None
        if first["coefficient"] is not None:
            coefficient = floats(nodes, "coefficient")
            low, high = (float(x) for x in first["coefficient_bounds"])
            bounds = (low, high)
        cap = None
        if first["cap"] is not None:
            cap_low, cap_high = (float(x) for x in first["cap"])
            cap = (cap_low, cap_high)
        return SchemeBlock(
            first["name"],
            children,
            weight=None if first["weight"] is None else float(first["weight"]),
            max_points=float(first["max_points"]),
            coefficient=coefficient,
            coefficient_bounds=bounds,
            cap=cap,
            missing=first["missing_rule"],
        )

    root = build(trees)
    assert isinstance(root, SchemeBlock)
    return root
