"""The permission table: role x action x evaluation state, read through ``can`` and ``require``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from survey import rules
from survey.errors import NotAuthenticated, NotPermitted
from survey.models import EvaluationStatus, Role
from survey.rules import Action


@dataclass(frozen=True)
class _Acting:
    role: Role


@pytest.mark.parametrize(
    ("who", "action", "state", "allowed"),
    [
        (Role.office, Action.edit, EvaluationStatus.open, True),
        (Role.office, Action.edit, EvaluationStatus.closed, True),
        (Role.office, Action.edit, EvaluationStatus.published, False),
        (Role.admin, Action.edit, EvaluationStatus.draft, True),
        (Role.viewer, Action.edit, EvaluationStatus.open, False),
        (Role.clerk, Action.edit, EvaluationStatus.open, False),
        (Role.clerk, Action.enter, EvaluationStatus.open, True),
        (Role.clerk, Action.enter, EvaluationStatus.published, False),
        (Role.office, Action.publish, EvaluationStatus.open, False),
        (Role.office, Action.publish, EvaluationStatus.closed, True),
        (Role.viewer, Action.publish, EvaluationStatus.closed, False),
        (Role.office, Action.set_up, EvaluationStatus.draft, True),
        (Role.office, Action.set_up, EvaluationStatus.closed, False),
        (Role.unit, Action.view, EvaluationStatus.open, False),
        (Role.viewer, Action.view, EvaluationStatus.published, True),
        (None, Action.see_public, EvaluationStatus.draft, False),
        (None, Action.see_public, EvaluationStatus.open, True),
        (None, Action.view, EvaluationStatus.published, False),
    ],
)
def test_can_reads_the_table(
    who: Role | None, action: Action, state: EvaluationStatus, allowed: bool
) -> None:
    assert rules.can(who, action, state) is allowed
    # A principal, a role and their string spellings give the same answer.
    if who is not None:
        assert rules.can(_Acting(who), str(action), str(state)) is allowed
        assert rules.can(str(who), action, state) is allowed


def test_without_a_state_only_the_role_counts() -> None:
    assert rules.can(Role.office, Action.publish)
    assert not rules.can(Role.clerk, Action.publish)
    assert rules.allowed_in(Action.edit, "closed") and not rules.allowed_in("edit", "published")


def test_require_names_the_problem() -> None:
    rules.require(Role.office, Action.edit, EvaluationStatus.open)
    with pytest.raises(NotAuthenticated):
        rules.require(None, Action.edit, EvaluationStatus.open)
    with pytest.raises(NotPermitted):
        rules.require(Role.viewer, Action.edit, EvaluationStatus.open)
    with pytest.raises(NotPermitted):
        rules.require(Role.office, Action.edit, EvaluationStatus.published)


def test_every_action_has_a_rule_and_every_rule_some_state() -> None:
    assert set(rules.RULES) == set(Action)
    assert all(rule.states for rule in rules.RULES.values())
