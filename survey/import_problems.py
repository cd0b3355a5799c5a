"""What an import refuses a file with: each problem by row and column, and the refusal that
lists them all. Kept apart from the importers so that the command line and the pages can
report a refusal without loading the statistics an import needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.errors import N_, Invalid


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: where, and a message id with its parameters."""

    row: int
    column: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def field(self) -> str:
        return f"row {self.row}, column {self.column}"


class ImportRejected(Invalid):
    """The file has problems; ``errors`` lists them all and nothing was stored."""

    message = N_("The file was not imported because of %(count)s problems; nothing was stored.")

    def __init__(self, errors: list[ImportProblem], *, more: int = 0) -> None:
        self.errors = errors
        self.more = more
        super().__init__(None, field=errors[0].field if errors else None, count=len(errors) + more)
