"""Scheme files read: YAML documents with line numbers, problems located by line and field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from survey.composite.schemas import (
    SchemeSpec,
)
from survey.errors import N_, Invalid

Float = NDArray[np.float64]
Loc = tuple[str | int, ...]
ROOT = "total"
WEIGHT_TOLERANCE = 1e-9
_TAGS = frozenset({"hard", "satisfaction", "qualitative", "excellence"})
_DOCUMENT_BREAK = re.compile(r"(?m)^---[ \t]*(?:#.*)?$\n?")


# Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeProblem:
    """One thing wrong with a scheme: the line (None for JSON input), the field, a message."""

    line: int | None
    path: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def field(self) -> str:
        return self.path


class SchemeRejected(Invalid):
    """The scheme has problems; ``errors`` lists them all and nothing was stored."""

    message = N_("The scheme was not stored because of %(count)s problems; nothing was stored.")

    def __init__(self, errors: list[SchemeProblem]) -> None:
        self.errors = errors
        super().__init__(None, field=errors[0].field if errors else None, count=len(errors))


def field_path(loc: Loc) -> str:
    """``("blocks", 0, "indicators", 2, "source", "hard", "indicator")`` as text, tags dropped."""
    out = ""
    previous: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif previous == "source" and part in _TAGS:
            pass
        else:
            out += ("." if out else "") + part
        previous = part
    return out or "-"


def _node_line(root: yaml.Node | None, loc: Loc) -> int | None:
    """Line (1-based) of the YAML node at ``loc``, or of its deepest existing ancestor."""
    if root is None:
        return None
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
            if found is None:
                continue  # a union tag, or a key that is missing: stay on the mapping
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
    return int(node.start_mark.line) + 1


class _Problems:
    """Problems of one document, located in its YAML node tree."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.node = node
        self.items: list[SchemeProblem] = []

    def add(self, loc: Loc, message: str, /, **params: Any) -> None:
        line = _node_line(self.node, loc)
        where = field_path(loc)
        self.items.append(
            SchemeProblem(line, where, message, {"line": line or "-", "field": where, **params})
        )


GENERIC = N_("Line %(line)s, %(field)s: %(problem)s")


# Parsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedScheme:
    spec: SchemeSpec
    source: str


def _duplicate_keys(node: yaml.Node, loc: Loc, problems: _Problems) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen:
                problems.items.append(
                    SchemeProblem(
                        key.start_mark.line + 1,
                        field_path((*loc, name)),
                        N_("Line %(line)s, %(field)s: the key appears twice."),
                        {"line": key.start_mark.line + 1, "field": field_path((*loc, name))},
                    )
                )
            seen.add(name)
            _duplicate_keys(value, (*loc, name), problems)
    elif isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            _duplicate_keys(item, (*loc, k), problems)


def _document_texts(text: str, count: int) -> list[str] | None:
    """The text of each document, comments kept, when the ``---`` lines split it cleanly."""
    if count == 1:
        return [text]
    chunks = [c for c in _DOCUMENT_BREAK.split(text)]
    meaningful = [
        c
        for c in chunks
        if any(line.strip() and not line.lstrip().startswith("#") for line in c.splitlines())
    ]
    return meaningful if len(meaningful) == count else None


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def spec_to_yaml(spec: SchemeSpec) -> str:
    """A scheme as YAML, defaults left out, so that what was written is what comes back."""
    return dump_yaml(spec.model_dump(mode="json", exclude_defaults=True))
