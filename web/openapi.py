"""What the API's OpenAPI document says beyond each route's own declaration, derived in one place.

Every API operation gets the error answers it can really give, each with the one error body
``web.errors`` writes, worked out from the route itself: its dependencies (a token checked: 401;
a role required: 403), its parameters (an id in the path: 404; anything to validate: 422), its
body (413) and the database behind every route (503). Statuses that only a route's own rules
give (409 for a published evaluation, 429 for a rate limit) are declared on the route with
``errors(...)``. Operation ids are the route functions' names, which are unique in the API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.routing import BaseRoute

from survey.schemas import LARGEST_ID
from web import deps

# The scheme's name in components.securitySchemes (FastAPI names it after the class).
BEARER_SCHEME = "HTTPBearer"


class Problem(BaseModel):
    field: str = Field(description="Where: a body field, parameter or header")
    message: str = Field(description="What is wrong, in the reader's language")


class ErrorBody(BaseModel):
    code: str = Field(description="What kind of error, for programs: validation, NotFound, ...")
    message: str = Field(description="One sentence in the reader's language")
    field: str | None = Field(default=None, description="The one field at fault, when there is")
    problems: list[Problem] = Field(
        default_factory=list, description="Every problem found, when there are several"
    )


class ApiError(BaseModel):
    """The body of every error answer of the API."""

    error: ErrorBody
    detail: list[dict[str, Any]] | None = Field(
        default=None, description="For 422 validation errors: pydantic's items, without input"
    )


DESCRIPTIONS: dict[int, str] = {
    400: "The request could not be understood",
    401: "No bearer token, or one that is unknown, revoked or expired",
    403: "The token's role may not do this",
    404: "No such object (or one this token may not see)",
    405: "The path does not accept this method; Allow lists those it does",
    409: "Conflicts with the object's state, e.g. a published evaluation or a code in use",
    413: "The request body is larger than the server accepts",
    422: "The input breaks a rule; every problem is listed with its field",
    429: "Too many requests from this address; Retry-After says when to come back",
    503: "The database is briefly unreachable; nothing was stored, send the same request again",
}


def errors(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """Error answers for a route's ``responses``; ``s409="..."`` words one of them its own way."""
    return {
        status: {
            "model": ApiError,
            "description": descriptions.get(f"s{status}", DESCRIPTIONS[status]),
        }
        for status in statuses
    }


# Dependencies that check a bearer token when one is sent (401 for an unknown one), and those
# that also require one of a role (no token: 401, another role: 403).
_READS_TOKEN: set[Callable[..., Any]] = {deps.bearer_principal}
_NEEDS_TOKEN: set[Callable[..., Any]] = {
    deps.api_caller,
    deps.api_viewer,
    deps.api_office,
    deps.api_admin,
    deps.api_unit,
}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def common_errors(route: APIRoute) -> list[int]:
    """The error statuses any route like this one can answer, from how it is built."""
    dependant = route.dependant
    calls = set(_calls(dependant))
    statuses = {503}
    if calls & (_READS_TOKEN | _NEEDS_TOKEN):
        statuses.add(401)
    if calls & _NEEDS_TOKEN:
        statuses.add(403)
    has_input = bool(
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.body_params
        or (route.openapi_extra or {}).get("requestBody")
        or (route.openapi_extra or {}).get("parameters")
    )
    if has_input:
        # Ids and codes in the path, filters and bodies may name nothing (404); any input
        # can break a rule (422).
        statuses |= {404, 422}
    if dependant.body_params or (route.openapi_extra or {}).get("requestBody"):
        # 400: a body that cannot be read as what its Content-Type says; 413: too large.
        statuses |= {400, 413}
    if (route.methods or set()) & _WRITES and calls & {deps.api_office, deps.api_admin}:
        # Every office write is checked against the evaluation's state (survey.rules).
        statuses.add(409)
    return sorted(statuses)


def token_required(route: APIRoute) -> bool:
    return bool(set(_calls(route.dependant)) & _NEEDS_TOKEN)


def flat_routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The app's own routes, with those of included routers (kept as routers by FastAPI)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            yield from flat_routes(original.routes)
        else:
            yield route


def document_api(app: FastAPI, prefix: str = "/api/") -> None:
    """Give every API route its common error answers and say whether its token is optional."""
    for route in flat_routes(app.router.routes):
        if not isinstance(route, APIRoute) or not route.path.startswith(prefix):
            continue
        for common in common_errors(route):
            route.responses.setdefault(common, errors(common)[common])
        for status, response in list(route.responses.items()):
            if str(status).startswith(("4", "5")) and "model" not in response:
                response["model"] = ApiError
        calls = set(_calls(route.dependant))
        if calls & _READS_TOKEN and not calls & _NEEDS_TOKEN:
            # The token is optional here: it shows more (drafts, unpublished results).
            # Idempotent: every app made in one process shares these route objects' extras.
            extra = dict(route.openapi_extra or {})
            security = list(extra.get("security", []))
            if {} not in security:
                security.append({})
            extra["security"] = security
            route.openapi_extra = extra
    app.openapi_schema = None


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """What FastAPI cannot be told per route, done on the document.

    Integer parameters without bounds of their own are ids: 32-bit, as ``ids_in_range``
    enforces (a larger one names nothing and answers 404). Errors are JSON even where the
    route's success is an image or a YAML file. Input models strip blanks from text before
    checking its length, so a required text must hold something besides blanks.
    """
    for model in schema.get("components", {}).get("schemas", {}).values():
        for field in model.get("properties", {}).values():
            for option in field.get("anyOf", [field]):
                if option.get("type") == "string" and option.get("minLength", 0) >= 1:
                    option.setdefault("pattern", r"\S")
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.startswith(("4", "5")) and content and "application/json" not in content:
                    response["content"] = {"application/json": next(iter(content.values()))}
            for parameter in operation.get("parameters", []):
                body = parameter.get("schema", {})
                options = body.get("anyOf", [body])
                for option in options:
                    if option.get("type") == "integer":
                        option.setdefault("maximum", LARGEST_ID)
                        option.setdefault("minimum", -LARGEST_ID)
    return schema


def install(app: FastAPI) -> None:
    """Document the API's common answers; call after every router is included."""
    document_api(app)
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
