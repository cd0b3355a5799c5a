"""The API's OpenAPI document tells the truth: schemathesis finds nothing against the app.

Every check, and the examples, coverage, fuzzing and stateful phases, with a fixed seed, run in
process against the ASGI app over a seeded evaluation, with a real office token.

Two allowances, both the ones schemathesis itself names for rules a schema cannot express:
a schema-valid request may be refused with 400 or 422 when it breaks such a rule (a unit code
that names no unit, weights that do not add up to 1, a ballot code whose check character is
wrong), and a body over the server's limit may be refused with 413. So that the first cannot
hide a schema that lies, ``passes_request_validation`` fails any schema-valid request that the
app's own request validation refuses for a reason the schema does state (a missing field, a
type, a length), or whose body it cannot read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.core.media_types import YAML_MEDIA_TYPES
from schemathesis.engine import events, from_schema
from schemathesis.engine.statistic import Statistic
from schemathesis.python import asgi as schemathesis_asgi
from sqlmodel import Session

from survey.config import Settings
from tests.web.openapi_world import ContractWorld, build_contract_world
from web.app import create_app

SEED = 42
MAX_EXAMPLES = 2
# Pydantic's kinds of problem that come from custom validators: rules the schema cannot state.
RULES_BEYOND_THE_SCHEMA = {"value_error", "assertion_error"}


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def scheme_files(
    _ctx: schemathesis.DeserializationContext, response: schemathesis.Response
) -> list[object]:
    """The scheme export holds one YAML document per category (the built-in reader takes one)."""
    return list(yaml.safe_load_all(response.content.decode("utf-8")))


@schemathesis.check
def passes_request_validation(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A request the schema calls valid never fails request validation on what it states."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code not in (400, 422):
        return
    try:
        body = response.json()
        code = body["error"]["code"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError(f"{response.status_code} without the API's error body") from None
    if code.startswith("http_"):
        raise AssertionError(f"a schema-valid request could not be read: {code}")
    if code == "validation":
        kinds = {item.get("type") for item in body.get("detail") or []}
        if kinds - RULES_BEYOND_THE_SCHEMA:
            raise AssertionError(
                f"a schema-valid request failed request validation: {sorted(kinds)}"
            )


def contract_config(world: ContractWorld) -> SchemathesisConfig:
    def dictionary(values: list[int] | list[str]) -> dict[str, object]:
        return {"values": list(values)}

    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # Issuing thousands of ballot codes takes seconds on a loaded machine.
            "request-timeout": 60,
            # Nothing carried between runs (or written into the work tree): each run the same.
            "cache": {"enabled": False},
            "headers": {"Authorization": f"Bearer {world.token}"},
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "429", "400", "422"]
                },
                "negative_data_rejection": {
                    "expected-statuses": [
                        "400",
                        "401",
                        "403",
                        "404",
                        "405",
                        "406",
                        "409",
                        "413",
                        "415",
                        "422",
                        "428",
                        "429",
                    ]
                },
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {
                    "enabled": True,
                    "max-steps": 4,
                    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
                },
            },
            "operations": [
                {
                    # A YAML file is text: a number sent as YAML is the very same bytes as the
                    # text of that number, so "not a string" cannot be refused there.
                    "include-operation-id": ["import_schemes", "validate_schemes"],
                    "checks": {"negative_data_rejection": {"enabled": False}},
                }
            ],
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
            "dictionaries": {
                "evaluations": dictionary(world.evaluation_ids),
                "surveys": dictionary(world.survey_ids),
                "batches": dictionary(world.batch_ids),
                "adjustments": dictionary(world.adjustment_ids),
                "responses": dictionary(world.response_ids),
                "units": dictionary(world.unit_codes),
                "categories": dictionary(world.category_codes),
            },
            "parameters": {
                "path.evaluation_id": {"dictionary": "evaluations", "probability": 0.9},
                "path.survey_id": {"dictionary": "surveys", "probability": 0.9},
                "path.batch_id": {"dictionary": "batches", "probability": 0.9},
                "path.adjustment_id": {"dictionary": "adjustments", "probability": 0.5},
                "path.response_id": {"dictionary": "responses", "probability": 0.9},
                "path.unit": {"dictionary": "units", "probability": 0.9},
                "path.category": {"dictionary": "categories", "probability": 0.9},
            },
        }
    )


@dataclass
class Outcome:
    operations: int = 0
    statistic: Statistic = field(default_factory=Statistic)
    errors: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    cases_by_phase: Counter[str] = field(default_factory=Counter)

    @property
    def failures(self) -> int:
        return len(self.statistic.unique_failures_map) + len(self.errors)


def run_schemathesis(app: FastAPI, world: ContractWorld) -> Outcome:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=contract_config(world))
    outcome = Outcome(operations=schema.statistic.operations.total)
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
                outcome.statistic.on_scenario_finished(event.recorder)
                outcome.cases_by_phase[event.phase.value] += len(event.recorder.cases)
                for interaction in event.recorder.interactions.values():
                    if interaction.response is not None:
                        outcome.statuses[interaction.response.status_code] += 1
            elif isinstance(event, events.NonFatalError):
                outcome.errors.append(f"{event.label}: {event.info.format()}")
            elif isinstance(event, events.FatalError):
                outcome.errors.append(f"fatal: {event.exception!r}")
            elif isinstance(event, events.EngineFinished):
                for failure in event.failures:
                    outcome.statistic.unique_failures_map[failure] = "run"
    finally:
        schemathesis_asgi.shutdown_lifespans()
    return outcome


def describe(outcome: Outcome) -> str:
    lines = []
    for label, grouped in sorted(outcome.statistic.failures.items()):
        for group in grouped.values():
            for failure in group.failures:
                status = group.response.status_code if group.response else "-"
                lines.append(f"{label} [{status}]: {failure.title}: {failure.message[:400]}")
    return "\n".join(lines + outcome.errors)


def test_the_document_names_what_clients_need(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(ids) == len(set(ids)) and "submit_response" in ids and "list_units" in ids
    assert spec["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `pingyi token create` or the office's page",
    }
    by_key = {f"{method} {path}": operation for method, path, operation in operations}
    assert by_key["POST /api/v1/units"]["security"] == [{"HTTPBearer": []}]
    # Drafts and unpublished results need a token; the rest is open to all.
    assert by_key["GET /api/v1/surveys"]["security"] == [{"HTTPBearer": []}, {}]
    assert "security" not in by_key["GET /api/v1/units"]
    submit = by_key["POST /api/v1/surveys/{survey_id}/responses"]
    key = next(p for p in submit["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True
    for key_, operation in by_key.items():
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}
                }, (key_, status)
        assert "503" in operation["responses"], key_


def test_a_refused_method_names_every_method_of_the_path(client: TestClient) -> None:
    refused = client.delete("/api/v1/evaluations/1")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, PATCH"
    assert refused.json()["error"]["code"] == "http_405"
    # The export is its own path, though PUT /schemes/{category} would match it too.
    export = client.options("/api/v1/evaluations/1/schemes/export")
    assert export.status_code == 405 and export.headers["allow"] == "GET"


@pytest.fixture
def contract_world(settings: Settings, session: Session, engine: object) -> Iterator[ContractWorld]:
    with TestClient(create_app(settings), base_url="https://testserver") as seeding:
        yield build_contract_world(session, seeding)


# Hypothesis warns about long reprs of generated bodies; the suite turns warnings into errors.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
def test_schemathesis_finds_nothing(
    settings: Settings, contract_world: ContractWorld, tmp_path: Path
) -> None:
    started = time.monotonic()
    outcome = run_schemathesis(create_app(settings), contract_world)
    elapsed = time.monotonic() - started
    report = (
        f"schemathesis: {outcome.operations} operations, "
        f"{outcome.statistic.total_cases} cases run, {outcome.failures} failures, "
        f"{elapsed:.0f} s; by phase {dict(outcome.cases_by_phase)}; "
        f"statuses {dict(sorted(outcome.statuses.items()))}"
    )
    print(report)
    print(describe(outcome))
    (tmp_path / "schemathesis.txt").write_text(report + "\n" + describe(outcome) + "\n")
    assert outcome.failures == 0, describe(outcome)
