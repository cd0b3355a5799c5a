"""Office accounts: users, browser sessions and API tokens, and who is acting.

The area's public functions, as importers use them (``from survey import accounts``); each lives
in the module named for what it holds. What a role may do in which state is ``survey.rules``.
"""

from __future__ import annotations

from survey.accounts.principal import (
    Principal,
    parse_role,
    require,
)
from survey.accounts.sessions import (
    end_session,
    session_principal,
    start_session,
)
from survey.accounts.tokens import (
    TOKEN_PREFIX,
    create_token,
    revoke_token,
    token_principal,
)
from survey.accounts.users import (
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
    authenticate,
    create_user,
    login_name,
    principal_for_user,
)
from survey.rules import role_satisfies

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "USERNAME_PATTERN",
    "Principal",
    "authenticate",
    "create_token",
    "create_user",
    "end_session",
    "login_name",
    "parse_role",
    "principal_for_user",
    "require",
    "revoke_token",
    "role_satisfies",
    "session_principal",
    "start_session",
    "token_principal",
]
