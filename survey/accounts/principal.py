"""Who is acting (a user or a token), and the check that it holds a role."""

from __future__ import annotations

from dataclasses import dataclass

from survey.errors import N_, Invalid, NotAuthenticated, NotPermitted
from survey.models import Role
from survey.rules import role_satisfies


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in user or an API token."""

    name: str
    role: Role
    user_id: int | None = None
    unit_id: int | None = None

    def has(self, needed: Role) -> bool:
        return role_satisfies(self.role, needed)


def require(principal: Principal | None, needed: Role) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    if not principal.has(needed):
        raise NotPermitted()
    return principal


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Invalid(N_("Unknown role %(role)s."), field="role", role=value) from None
