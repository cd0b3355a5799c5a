"""Who may do what in which evaluation state: one table, read by routes, templates and the API."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from survey.errors import NotAuthenticated, NotPermitted
from survey.models import EvaluationStatus, Role

# Each role may do everything of the roles after it in this tuple, except ``unit`` and ``lead``,
# which see only their own unit (a lead department: its indicators) and so sit outside the chain.
ROLE_CHAIN = (Role.admin, Role.office, Role.clerk, Role.viewer)


class Action(StrEnum):
    """What a person asks to do with an evaluation or with something that belongs to it."""

    see_public = "see_public"  # see it listed and open its public pages, signed in or not
    view = "view"  # read the office's pages and unpublished results
    set_up = "set_up"  # add surveys and ballots to it
    enter = "enter"  # enter paper ballots and import answers and data
    edit = "edit"  # change schemes, policies, scores, goals and adjustments
    publish = "publish"  # freeze the results and show them to the public
    read_audit = "read_audit"  # read and export the audit log (sign-ins, addresses included)
    # route general comments to units, record callbacks, decide appeals, escalate overdue ones
    handle_comments = "handle_comments"


_ALL_STATES = frozenset(EvaluationStatus)
_BEFORE_PUBLICATION = frozenset(
    {EvaluationStatus.draft, EvaluationStatus.open, EvaluationStatus.closed}
)


@dataclass(frozen=True)
class Rule:
    """The least role that may act, and the evaluation states in which anyone may."""

    role: Role | None  # None: anybody, even without signing in
    states: frozenset[EvaluationStatus]


RULES: dict[Action, Rule] = {
    # A draft is the office's work in progress; the public sees an evaluation once it opens.
    Action.see_public: Rule(None, _ALL_STATES - {EvaluationStatus.draft}),
    Action.view: Rule(Role.viewer, _ALL_STATES),
    # New surveys and ballots make sense only while answers can still come in.
    Action.set_up: Rule(Role.office, frozenset({EvaluationStatus.draft, EvaluationStatus.open})),
    Action.enter: Rule(Role.clerk, _BEFORE_PUBLICATION),
    # Published figures are frozen: the inputs they were computed from must not move under them.
    Action.edit: Rule(Role.office, _BEFORE_PUBLICATION),
    # Only a closed evaluation is complete enough to publish; publishing again refreshes nothing
    # but is allowed so that a page offers the same button in both states.
    Action.publish: Rule(
        Role.office, frozenset({EvaluationStatus.closed, EvaluationStatus.published})
    ),
    # The log names people and their addresses: the office that answers for the evaluation
    # reads it, clerks and viewers do not. It is about the installation, not one state.
    Action.read_audit: Rule(Role.office, _ALL_STATES),
    # Rectification follows the results: it goes on after they are published.
    Action.handle_comments: Rule(Role.office, _ALL_STATES - {EvaluationStatus.draft}),
}


class HasRole(Protocol):
    """Anything acting with a role: ``survey.accounts.Principal``, a test double."""

    @property
    def role(self) -> Role: ...


Who = HasRole | Role | str | None


def role_satisfies(held: Role, needed: Role) -> bool:
    """Whether ``held`` includes the rights of ``needed`` along the role chain."""
    if held == needed:
        return True
    if held in ROLE_CHAIN and needed in ROLE_CHAIN:
        return ROLE_CHAIN.index(held) <= ROLE_CHAIN.index(needed)
    return False


def _role_of(who: Who) -> Role | None:
    if who is None:
        return None
    if isinstance(who, Role):
        return who
    if isinstance(who, str):
        return Role(who)
    return Role(who.role)


def allowed_in(action: Action | str, state: EvaluationStatus | str) -> bool:
    """Whether the evaluation's state lets anyone do ``action`` at all."""
    return EvaluationStatus(state) in RULES[Action(action)].states


def role_may(who: Who, action: Action | str) -> bool:
    """Whether ``who``'s role may do ``action`` in some state (the state is checked apart)."""
    needed = RULES[Action(action)].role
    if needed is None:
        return True
    held = _role_of(who)
    return held is not None and role_satisfies(held, needed)


def can(who: Who, action: Action | str, state: EvaluationStatus | str | None = None) -> bool:
    """Whether ``who`` (a principal, a role, or None for the public) may do ``action``.

    ``state`` is the evaluation's status; None asks about the role alone (pages that are not
    about one evaluation).
    """
    if not role_may(who, action):
        return False
    return state is None or allowed_in(action, state)


def require(who: Who, action: Action | str, state: EvaluationStatus | str | None = None) -> None:
    """Raise ``NotAuthenticated`` (nobody signed in) or ``NotPermitted`` unless ``can``."""
    if can(who, action, state):
        return
    if who is None and RULES[Action(action)].role is not None:
        raise NotAuthenticated()
    raise NotPermitted()
