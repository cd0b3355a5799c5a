"""What changes between two versions of a scheme, as sentences the office can read.

Each change is a ``Message`` (an id with parameters, translated by the web layer): blocks
and indicators added, removed or changed field by field, grades, periods, bonus and
deduction items, coefficients, warnings and the settings of the scheme sheet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from survey.composite import scheme_workbook_layout as layout
from survey.composite.schemas import BlockSpec, IndicatorSpec, SchemeSpec
from survey.errors import N_, Message

NONE = N_("(none)")


def _m(message: str, /, **params: Any) -> Message:
    return Message(message, params)


_INDICATOR_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", N_("Name"), ""),
    ("name_en", N_("English name"), ""),
    ("points", N_("Points"), ""),
    ("weight", N_("Weight"), ""),
    ("direction", N_("Direction"), "direction"),
    ("method", N_("Scoring method"), "method"),
    ("params", N_("Method parameters"), ""),
    ("source", N_("Source"), ""),
    ("parts", N_("Scale, speed and quality parts"), ""),
)
_BLOCK_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", N_("Name"), ""),
    ("name_en", N_("English name"), ""),
    ("points", N_("Points"), ""),
    ("weight", N_("Weight"), ""),
    ("missing", N_("Missing indicators"), "missing"),
    ("cap", N_("Bounds (low, high)"), ""),
    ("coefficient", N_("Coefficients"), ""),
)


def _shown(value: Any, choice: str = "") -> Any:
    """A value as a change shows it: a choice by its words, lists and objects compactly."""
    if value is None or value == {} or value == []:
        return _m(NONE)
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json", exclude_defaults=True)
    if choice and isinstance(value, str) and value in layout.CHOICES[choice]:
        return _m(layout.CHOICES[choice][value])
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(_shown(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _blocks(node: SchemeSpec | BlockSpec, prefix: str) -> Iterable[tuple[str, BlockSpec]]:
    for block in node.blocks:
        path = f"{prefix}/{block.code}" if prefix else block.code
        yield path, block
        yield from _blocks(block, path)


def _indicators(spec: SchemeSpec) -> dict[str, tuple[str, IndicatorSpec]]:
    out: dict[str, tuple[str, IndicatorSpec]] = {}
    nodes: list[tuple[str, SchemeSpec | BlockSpec]] = [("", spec), *_blocks(spec, "")]
    for path, node in nodes:
        for ind in node.indicators:
            out.setdefault(ind.code, (path, ind))
    return out


def _adjustments(spec: SchemeSpec) -> dict[tuple[str, str], Any]:
    nodes: list[tuple[str, SchemeSpec | BlockSpec]] = [("", spec), *_blocks(spec, "")]
    return {(path, a.code): a for path, node in nodes for a in node.adjustments}


def _where(spec: SchemeSpec, path: str) -> Any:
    """A block by its name and path, as the office knows it from the workbook."""
    if not path:
        return _m(N_("the top level"))
    block = dict(_blocks(spec, "")).get(path)
    return _m(N_("%(name)s (%(path)s)"), name=block.name if block else path, path=path)


def scheme_changes(old: SchemeSpec | None, new: SchemeSpec) -> list[Message]:
    """Every difference from ``old`` to ``new``; empty when they are the same scheme."""
    if old is None:
        return [Message(N_("A new scheme: there is no earlier version to compare with."))]
    out: list[Message] = []
    out.extend(_setting_changes(old, new))
    old_blocks, new_blocks = dict(_blocks(old, "")), dict(_blocks(new, ""))
    for path, block in new_blocks.items():
        if path not in old_blocks:
            out.append(_m(N_("Block added: %(name)s (%(path)s)."), name=block.name, path=path))
    for path, block in old_blocks.items():
        if path not in new_blocks:
            out.append(_m(N_("Block removed: %(name)s (%(path)s)."), name=block.name, path=path))
            continue
        for key, label, choice in _BLOCK_FIELDS:
            before, after = getattr(block, key), getattr(new_blocks[path], key)
            if before != after:
                out.append(
                    _m(
                        N_("Block %(name)s (%(path)s), %(what)s: %(old)s → %(new)s."),
                        name=new_blocks[path].name,
                        path=path,
                        what=_m(label),
                        old=_shown(before, choice),
                        new=_shown(after, choice),
                    )
                )
    if old.coefficient != new.coefficient:
        out.append(
            _m(
                N_("Coefficient of the total: %(old)s → %(new)s."),
                old=_shown(old.coefficient),
                new=_shown(new.coefficient),
            )
        )
    out.extend(_indicator_changes(old, new))
    out.extend(_adjustment_changes(old, new))
    for key, label in (
        ("names", N_("Grades")),
        ("thresholds", N_("Score line")),
        ("max_shares", N_("Largest share")),
    ):
        before, after = getattr(old.grades, key), getattr(new.grades, key)
        if before != after:
            out.append(
                _m(
                    N_("Grades, %(what)s: %(old)s → %(new)s."),
                    what=_m(label),
                    old=_shown(before),
                    new=_shown(after),
                )
            )
    if old.periods != new.periods:
        out.append(
            _m(
                N_("Period weights: %(old)s → %(new)s."),
                old=_periods(old),
                new=_periods(new),
            )
        )
    before_w = [w.model_dump(mode="json") for w in old.warnings]
    after_w = [w.model_dump(mode="json") for w in new.warnings]
    for rule in after_w:
        if rule not in before_w:
            out.append(_m(N_("Warning added: %(rule)s."), rule=_shown(rule)))
    for rule in before_w:
        if rule not in after_w:
            out.append(_m(N_("Warning removed: %(rule)s."), rule=_shown(rule)))
    if old.ranking.tie_break != new.ranking.tie_break:
        out.append(
            _m(
                N_("Tie breaks: %(old)s → %(new)s."),
                old=_shown([t.block for t in old.ranking.tie_break]),
                new=_shown([t.block for t in new.ranking.tie_break]),
            )
        )
    return out


def _periods(spec: SchemeSpec) -> Any:
    p = spec.periods
    if p is None:
        return _m(NONE)
    if p.weights is None:
        return ", ".join(p.codes)
    return ", ".join(f"{c} {_shown(w)}" for c, w in zip(p.codes, p.weights, strict=False))


def _setting_changes(old: SchemeSpec, new: SchemeSpec) -> list[Message]:
    from survey.composite.scheme_workbook import _setting_value

    out: list[Message] = []
    for setting in layout.SETTINGS:
        before, after = _setting_value(old, setting.key), _setting_value(new, setting.key)
        if before == after:
            continue
        if setting.kind == layout.YESNO:
            shown_old: Any = _m(layout.YES if before else layout.NO)
            shown_new: Any = _m(layout.YES if after else layout.NO)
        else:
            shown_old, shown_new = _shown(before, setting.choice), _shown(after, setting.choice)
        out.append(
            _m(
                N_("%(what)s: %(old)s → %(new)s."),
                what=_m(setting.label),
                old=shown_old,
                new=shown_new,
            )
        )
    return out


def _indicator_changes(old: SchemeSpec, new: SchemeSpec) -> list[Message]:
    out: list[Message] = []
    before, after = _indicators(old), _indicators(new)
    for code, (path, ind) in after.items():
        if code not in before:
            out.append(
                _m(
                    N_("Indicator added: %(name)s (%(code)s) in %(path)s."),
                    name=ind.name,
                    code=code,
                    path=_where(new, path),
                )
            )
    for code, (path, ind) in before.items():
        if code not in after:
            out.append(_m(N_("Indicator removed: %(name)s (%(code)s)."), name=ind.name, code=code))
            continue
        new_path, new_ind = after[code]
        if new_path != path:
            out.append(
                _m(
                    N_("Indicator %(name)s (%(code)s) moved: %(old)s → %(new)s."),
                    name=new_ind.name,
                    code=code,
                    old=_where(old, path),
                    new=_where(new, new_path),
                )
            )
        for key, label, choice in _INDICATOR_FIELDS:
            was, now = getattr(ind, key), getattr(new_ind, key)
            if was != now:
                out.append(
                    _m(
                        N_("Indicator %(name)s (%(code)s), %(what)s: %(old)s → %(new)s."),
                        name=new_ind.name,
                        code=code,
                        what=_m(label),
                        old=_shown(was, choice),
                        new=_shown(now, choice),
                    )
                )
    return out


def _adjustment_changes(old: SchemeSpec, new: SchemeSpec) -> list[Message]:
    out: list[Message] = []
    before, after = _adjustments(old), _adjustments(new)
    for key, adj in after.items():
        if key not in before:
            out.append(
                _m(
                    N_("Bonus or deduction added: %(name)s (%(code)s)."),
                    name=adj.name,
                    code=adj.code,
                )
            )
        elif before[key] != adj:
            out.append(
                _m(
                    N_("Bonus or deduction changed: %(name)s (%(code)s)."),
                    name=adj.name,
                    code=adj.code,
                )
            )
    for key, adj in before.items():
        if key not in after:
            out.append(
                _m(
                    N_("Bonus or deduction removed: %(name)s (%(code)s)."),
                    name=adj.name,
                    code=adj.code,
                )
            )
    return out
