"""Unit accounts of the demo city: a few units that sign in and see their own results."""

from __future__ import annotations

from sqlmodel import Session

from survey.accounts import create_user
from survey.models import Role
from survey.security import new_password

# (unit code, username): a district, a town, and two city departments.
DEMO_UNIT_ACCOUNTS = (("BM09", "bm09"), ("BM01", "bm01"), ("QX01", "qx01"))


def load_demo_units(
    session: Session, password: str | None = None
) -> tuple[tuple[str, str, str], ...]:
    """Create the demo's unit accounts; returns (unit code, username, password) for each.

    The accounts share one generated password, printed with the office login.
    """
    shared = password or new_password()
    for code, username in DEMO_UNIT_ACCOUNTS:
        create_user(session, username, shared, Role.unit, display_name=code, unit_code=code)
    session.commit()
    return tuple((code, username, shared) for code, username in DEMO_UNIT_ACCOUNTS)
