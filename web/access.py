"""Who may call each route of the app: one table, for pages and API alike.

``ROUTES`` maps ``"METHOD /path"`` (the path as the router declares it) to an ``Access``: the
callers that may call it. ``tests/web/test_authorisation_matrix.py`` calls every route of the
app as each caller and checks the answer against this table; a route missing here fails that
test, so a new route must be declared. Adding one is one line, for example::

    "GET /unit/comments": Access(UNIT),
    "POST /office/evaluations/{evaluation_id}/comments/{comment_id}/route": Access(OFFICE),

Denied means 401, 403 or 404 (or, for a page, the redirect to sign in); allowed means anything
else. The checks themselves live in the routes' dependencies and in ``survey.rules``; this
table states the outcome, so that a changed dependency that opens or closes a route shows up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Caller(StrEnum):
    """Who calls: nobody signed in, or a signed-in user (or API token) of a role."""

    anonymous = "anonymous"
    viewer = "viewer"
    clerk = "clerk"
    lead = "lead"
    unit = "unit"
    office = "office"
    admin = "admin"


ANYONE = frozenset(Caller)
NOBODY: frozenset[Caller] = frozenset()
ADMIN = frozenset({Caller.admin})
OFFICE = ADMIN | {Caller.office}
CLERK = OFFICE | {Caller.clerk}
VIEWER = CLERK | {Caller.viewer}
UNIT = frozenset({Caller.unit})
LEAD = frozenset({Caller.lead})


@dataclass(frozen=True)
class Access:
    """Who may call a route.

    ``callers`` may call it about an open evaluation (or when no evaluation is involved).
    ``published`` are the callers allowed once the evaluation is published (the public's
    results); ``own_unit`` marks routes where a unit reaches its own unit only, and any other
    unit's object answers 404. ``evaluation`` is the state of the evaluation the matrix test
    passes: "open", or "published" for actions allowed only after closing.
    """

    callers: frozenset[Caller]
    published: frozenset[Caller] | None = None
    own_unit: bool = False
    evaluation: str = "open"


_PUBLIC_RESULTS = Access(VIEWER | UNIT, published=ANYONE, own_unit=True)

ROUTES: dict[str, Access] = {
    # The public: the home page, citizen surveys, ballots, sign-in, health, the API's schema.
    "GET /openapi.json": Access(ANYONE),
    "GET /": Access(ANYONE),
    "GET /healthz": Access(ANYONE),
    "GET /lang/{language}": Access(ANYONE),
    "GET /s/{slug}": Access(ANYONE),
    "POST /s/{slug}": Access(ANYONE),
    "GET /s/{slug}/thanks": Access(ANYONE),
    "GET /b": Access(ANYONE),
    "POST /b": Access(ANYONE),
    "POST /b/review": Access(ANYONE),
    "POST /b/submit": Access(ANYONE),
    "GET /office/login": Access(ANYONE),
    "POST /office/login": Access(ANYONE),
    "POST /office/logout": Access(ANYONE),
    # Published results: nobody sees an evaluation's page before it is published.
    "GET /results": Access(ANYONE),
    "GET /results/{evaluation_id}": Access(NOBODY, published=ANYONE),
    "GET /results/{evaluation_id}/open-data.{extension}": Access(NOBODY, published=ANYONE),
    # The office's pages.
    "GET /office": Access(VIEWER),
    "GET /office/surveys": Access(VIEWER),
    "POST /office/surveys": Access(OFFICE),
    "GET /office/surveys/{survey_id}": Access(VIEWER),
    "POST /office/surveys/{survey_id}/settings": Access(OFFICE),
    "POST /office/surveys/{survey_id}/status": Access(OFFICE),
    "POST /office/surveys/{survey_id}/targets": Access(OFFICE),
    "POST /office/surveys/{survey_id}/questions": Access(OFFICE),
    "POST /office/surveys/{survey_id}/questions/{code}/delete": Access(OFFICE),
    "POST /office/surveys/{survey_id}/responses/{response_id}/quality": Access(OFFICE),
    "GET /office/surveys/{survey_id}/poster": Access(VIEWER),
    "GET /office/ballots/screen": Access(VIEWER),
    "GET /office/ballots": Access(VIEWER),
    "POST /office/ballots": Access(OFFICE),
    "GET /office/ballots/{batch_id}": Access(VIEWER),
    "GET /office/ballots/{batch_id}/turnout": Access(VIEWER),
    "GET /office/ballots/{batch_id}/tally": Access(VIEWER),
    "GET /office/ballots/{batch_id}/tally.{file_format}": Access(VIEWER),
    "POST /office/ballots/{batch_id}/quorum": Access(OFFICE),
    "POST /office/ballots/{batch_id}/status": Access(OFFICE),
    "POST /office/ballots/{batch_id}/codes": Access(OFFICE),
    "POST /office/ballots/{batch_id}/void": Access(OFFICE),
    "GET /office/ballots/{batch_id}/paper": Access(CLERK),
    "POST /office/ballots/{batch_id}/paper": Access(CLERK),
    "GET /office/ballots/export/turnout.{file_format}": Access(VIEWER),
    "GET /office/ballots/{batch_id}/export.{file_format}": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/satisfaction": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/satisfaction/policy": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/satisfaction/policy": Access(OFFICE),
    "GET /office/evaluations/{evaluation_id}/satisfaction/units/{unit}": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/satisfaction/units/{unit}/drivers": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/satisfaction/drivers/export.{file_format}": Access(
        VIEWER
    ),
    "GET /office/evaluations/{evaluation_id}/satisfaction/categories/{category}/drivers": Access(
        VIEWER
    ),
    "GET /office/evaluations/{evaluation_id}/satisfaction/export.{file_format}": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/composite": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/composite/units/{unit}": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/composite/simulator": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/composite/export.{file_format}": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/publish": Access(
        OFFICE, evaluation="published"
    ),
    "POST /office/evaluations/{evaluation_id}/composite/release": Access(OFFICE),
    "GET /office/evaluations/{evaluation_id}/composite/schemes": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/schemes": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/composite/indicators": Access(OFFICE),
    "GET /office/evaluations/{evaluation_id}/composite/adjustments": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/adjustments": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/composite/adjustments/{adjustment_id}/delete": (
        Access(OFFICE)
    ),
    "GET /office/evaluations/{evaluation_id}/composite/qualitative": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/qualitative": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/composite/qualitative/{unit}/{item}/delete": (
        Access(OFFICE)
    ),
    "GET /office/evaluations/{evaluation_id}/composite/excellence": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/excellence": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/composite/excellence/{unit}/{code}/delete": (
        Access(OFFICE)
    ),
    "GET /office/evaluations/{evaluation_id}/composite/schemes/{category}/workbook": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/schemes/workbook": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/composite/schemes/workbook/confirm": Access(OFFICE),
    "GET /office/setup": Access(OFFICE),
    "GET /office/setup/evaluations": Access(OFFICE),
    "POST /office/setup/evaluations": Access(OFFICE),
    "GET /office/setup/evaluations/{evaluation_id}": Access(OFFICE),
    "POST /office/setup/evaluations/{evaluation_id}/periods": Access(OFFICE),
    "POST /office/setup/evaluations/{evaluation_id}/status": Access(OFFICE),
    "GET /office/setup/evaluations/{evaluation_id}/weights": Access(OFFICE),
    "POST /office/setup/evaluations/{evaluation_id}/weights/check": Access(OFFICE),
    "POST /office/setup/evaluations/{evaluation_id}/weights": Access(OFFICE),
    "GET /office/setup/units": Access(OFFICE),
    "POST /office/setup/categories": Access(OFFICE),
    "GET /office/setup/categories/{code}": Access(OFFICE),
    "POST /office/setup/categories/{code}": Access(OFFICE),
    "POST /office/setup/units": Access(OFFICE),
    "GET /office/setup/units/{code}": Access(OFFICE),
    "POST /office/setup/units/{code}": Access(OFFICE),
    "GET /office/setup/units.xlsx": Access(OFFICE),
    "POST /office/setup/unit-import": Access(OFFICE),
    "POST /office/setup/unit-import/confirm": Access(OFFICE),
    "GET /office/setup/groups": Access(OFFICE),
    "POST /office/setup/groups": Access(OFFICE),
    "POST /office/setup/groups/{code}": Access(OFFICE),
    "GET /office/setup/users": Access(ADMIN),
    "POST /office/setup/users": Access(ADMIN),
    "POST /office/setup/users/{user_id}/active": Access(ADMIN),
    "POST /office/setup/users/{user_id}/password": Access(ADMIN),
    "POST /office/setup/users/{user_id}/role": Access(ADMIN),
    "POST /office/setup/users/tokens": Access(ADMIN),
    "POST /office/setup/users/tokens/revoke": Access(ADMIN),
    "GET /office/imports": Access(OFFICE),
    "POST /office/imports/check": Access(OFFICE),
    "POST /office/imports/confirm": Access(OFFICE),
    "GET /office/audit": Access(OFFICE),
    "GET /office/audit/export.xlsx": Access(OFFICE),
    "GET /office/flagged": Access(VIEWER),
    "GET /office/flagged/{evaluation_id}": Access(VIEWER),
    "POST /office/flagged/{evaluation_id}/decide": Access(OFFICE),
    # A unit's own pages (any other unit: 404).
    "GET /unit": Access(UNIT),
    # A lead department: its own indicators (another lead's answer 404).
    "GET /lead": Access(LEAD),
    "GET /lead/evaluations/{evaluation_id}/indicators/{assignment_id}": Access(LEAD),
    "POST /lead/evaluations/{evaluation_id}/indicators/{assignment_id}/draft": Access(LEAD),
    "POST /lead/evaluations/{evaluation_id}/indicators/{assignment_id}/submit": Access(LEAD),
    # Comment topics: the office edits the rules, viewers read the counts.
    "GET /office/evaluations/{evaluation_id}/topics": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/topics/{topic_id}": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/topics": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/topics/copy": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/topics/defaults": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/topics/tag": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/topics/{topic_id}": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/topics/{topic_id}/delete": Access(OFFICE),
    # Publication: the office publishes, reopens for correction, withdraws and restores.
    "GET /office/evaluations/{evaluation_id}/publication": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/publication/publish": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/publication/reopen": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/publication/{version}/{action}": Access(OFFICE),
    # Comments and rectification: the office reads and acts, units answer their own.
    "GET /office/evaluations/{evaluation_id}/comments": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/comments/export.{fmt}": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/comments/{key}": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/comments/settings": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/comments/{key}/appeal": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/comments/{key}/callback": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/comments/{key}/escalate": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/comments/{key}/route": Access(OFFICE),
    "GET /unit/comments": Access(UNIT),
    "GET /unit/comments/{key}": Access(UNIT),
    "POST /unit/comments/{key}": Access(UNIT),
    "GET /api/v1/evaluations/{evaluation_id}/comments": Access(VIEWER),
    "GET /office/evaluations/{evaluation_id}/composite/leads": Access(VIEWER),
    "POST /office/evaluations/{evaluation_id}/composite/leads": Access(OFFICE),
    "POST /office/evaluations/{evaluation_id}/composite/leads/{assignment_id}/reopen": Access(
        OFFICE
    ),
    "GET /unit/units/{code}": Access(UNIT, own_unit=True),
    "GET /unit/units/{code}/satisfaction": Access(UNIT, own_unit=True),
    "GET /unit/units/{code}/trend": Access(UNIT, own_unit=True),
    "GET /unit/units/{code}/satisfaction.xlsx": Access(UNIT, own_unit=True),
    # The composite appears once the office releases it; the test's evaluation is released.
    "GET /unit/units/{code}/composite": Access(UNIT, own_unit=True),
    # The API: reading the organisation is open, writing needs an office token.
    "GET /api/v1/evaluations": Access(ANYONE),
    "GET /api/v1/evaluations/{evaluation_id}": Access(ANYONE),
    "POST /api/v1/evaluations": Access(OFFICE),
    "PATCH /api/v1/evaluations/{evaluation_id}": Access(OFFICE),
    "POST /api/v1/evaluations/{evaluation_id}/periods": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/weights": Access(ANYONE),
    "PUT /api/v1/evaluations/{evaluation_id}/weights": Access(OFFICE),
    "GET /api/v1/categories": Access(ANYONE),
    "POST /api/v1/categories": Access(OFFICE),
    "PATCH /api/v1/categories/{code}": Access(OFFICE),
    "GET /api/v1/units": Access(ANYONE),
    "GET /api/v1/units/{code}": Access(ANYONE),
    "POST /api/v1/units": Access(OFFICE),
    "PATCH /api/v1/units/{code}": Access(OFFICE),
    "GET /api/v1/groups": Access(ANYONE),
    "POST /api/v1/groups": Access(OFFICE),
    "PATCH /api/v1/groups/{code}": Access(OFFICE),
    "GET /api/v1/surveys": Access(ANYONE),
    "GET /api/v1/surveys/{survey_id}": Access(ANYONE),
    "POST /api/v1/surveys": Access(OFFICE),
    "PATCH /api/v1/surveys/{survey_id}": Access(OFFICE),
    "PUT /api/v1/surveys/{survey_id}/definition": Access(OFFICE),
    "GET /api/v1/surveys/{survey_id}/qr.png": Access(ANYONE),
    "GET /api/v1/surveys/{survey_id}/qr.svg": Access(ANYONE),
    "POST /api/v1/surveys/{survey_id}/responses": Access(ANYONE),
    "GET /api/v1/surveys/{survey_id}/responses/count": Access(VIEWER),
    "POST /api/v1/responses/{response_id}/quality": Access(OFFICE),
    "GET /api/v1/ballot-batches": Access(VIEWER),
    "POST /api/v1/ballot-batches": Access(OFFICE),
    "GET /api/v1/ballot-batches/{batch_id}": Access(VIEWER),
    "PATCH /api/v1/ballot-batches/{batch_id}": Access(OFFICE),
    "GET /api/v1/ballot-batches/{batch_id}/turnout": Access(VIEWER),
    "POST /api/v1/ballot-batches/{batch_id}/codes": Access(OFFICE),
    "POST /api/v1/ballot-batches/{batch_id}/codes/void": Access(OFFICE),
    "POST /api/v1/ballots": Access(ANYONE),
    "GET /api/v1/evaluations/{evaluation_id}/satisfaction": _PUBLIC_RESULTS,
    "GET /api/v1/evaluations/{evaluation_id}/satisfaction-policy": Access(ANYONE),
    "PUT /api/v1/evaluations/{evaluation_id}/satisfaction-policy": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/satisfaction/drivers": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/satisfaction-policy/versions": Access(ANYONE),
    "GET /api/v1/evaluations/{evaluation_id}/schemes": Access(ANYONE),
    "POST /api/v1/evaluations/{evaluation_id}/schemes": Access(OFFICE),
    "POST /api/v1/evaluations/{evaluation_id}/schemes/validate": Access(VIEWER),
    "GET /api/v1/evaluations/{evaluation_id}/schemes/export": Access(ANYONE),
    "GET /api/v1/evaluations/{evaluation_id}/schemes/{category}": Access(ANYONE),
    "PUT /api/v1/evaluations/{evaluation_id}/schemes/{category}": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/schemes/{category}/versions": Access(ANYONE),
    "POST /api/v1/evaluations/{evaluation_id}/indicators": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/indicators": Access(VIEWER),
    "GET /api/v1/evaluations/{evaluation_id}/adjustments": Access(VIEWER),
    "POST /api/v1/evaluations/{evaluation_id}/adjustments": Access(OFFICE),
    "DELETE /api/v1/evaluations/{evaluation_id}/adjustments/{adjustment_id}": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/qualitative-scores": Access(VIEWER),
    "PUT /api/v1/evaluations/{evaluation_id}/qualitative-scores": Access(OFFICE),
    "GET /api/v1/evaluations/{evaluation_id}/excellence-goals": Access(VIEWER),
    "PUT /api/v1/evaluations/{evaluation_id}/excellence-goals": Access(OFFICE),
    # Composite results: a unit its own once released (the test's evaluation is), the public
    # once published.
    # A unit's token gets its own unit's row only (the route has no unit filter).
    "GET /api/v1/evaluations/{evaluation_id}/results": Access(VIEWER | UNIT, published=ANYONE),
    "GET /api/v1/evaluations/{evaluation_id}/results/units/{unit}/explain": _PUBLIC_RESULTS,
    "GET /api/v1/evaluations/{evaluation_id}/results/units/{unit}/improvement": Access(VIEWER),
    "POST /api/v1/evaluations/{evaluation_id}/results/publish": Access(
        OFFICE, evaluation="published"
    ),
    "GET /api/v1/unit/satisfaction": Access(UNIT, own_unit=True),
}


def route_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def access_of(method: str, path: str) -> Access | None:
    """The declared access of a route, or None when the table does not list it."""
    return ROUTES.get(route_key(method, path))
