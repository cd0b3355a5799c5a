"""What the public results page shows of a version: the published figures by category."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CategoryView:
    """One category: its satisfaction rows and composite rows, best first."""

    code: str
    name: str
    name_en: str
    satisfaction: list[dict[str, Any]] = field(default_factory=list)
    composite: list[dict[str, Any]] = field(default_factory=list)
    scheme_version: int | None = None
    max_total: float | None = None


def _order(row: dict[str, Any], rank_key: str = "rank") -> tuple[int, int, str]:
    rank = row.get(rank_key)
    return (0 if rank is not None else 1, rank or 0, str(row.get("unit")))


def categories_of(results: dict[str, Any]) -> list[CategoryView]:
    """The categories in their published order with their units ranked."""
    views: dict[str, CategoryView] = {}
    satisfaction = results["satisfaction"]
    for category in satisfaction["categories"]:
        views[category["category"]] = CategoryView(
            category["category"], category["name"], category["name_en"]
        )
    for unit in satisfaction["units"]:
        view = views.get(unit["category"])
        if view is not None:
            view.satisfaction.append(unit)
    composite = results.get("composite") or {}
    for category in composite.get("categories", []):
        view = views.setdefault(
            category["category"],
            CategoryView(category["category"], category["name"], category["name_en"]),
        )
        view.scheme_version = category.get("scheme_version")
        view.max_total = category.get("max_total")
    for unit in composite.get("units", []):
        view = views.get(unit["category"])
        if view is not None:
            view.composite.append(unit)
    for view in views.values():
        view.satisfaction.sort(key=_order)
        view.composite.sort(key=_order)
    return list(views.values())
