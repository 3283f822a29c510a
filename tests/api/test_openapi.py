"""The OpenAPI 3.1 document: valid (openapi-spec-validator), the same routes as the
blueprint, and schemathesis' generated cases (positive and negative) against the live API
over real HTTP, with the emulator behind: no 500 and every answer as documented."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.openapi import document
from tests.api.conftest import DATA_KEY
from tests.api.support import make_key
from tests.conftest import DashboardFactory
from tests.support.client import Client
from tests.support.servers import DashboardThread, EmulatorProcess

CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_the_document_is_valid_openapi_3_1(api_dashboard: DashboardThread) -> None:
    served = requests.get(api_dashboard.url + "/api/v1/openapi.json", timeout=10)
    assert served.status_code == 200 and served.json()["openapi"] == "3.1.0"
    validate(served.json())


def test_the_document_lists_the_blueprints_routes(api_dashboard: DashboardThread) -> None:
    routes = {
        (
            re.sub(r"<(?:path:)?raw>", "{path}", rule.rule.removeprefix("/api/v1")).replace(
                "<name>", "{name}"
            ),
            method.lower(),
        )
        for rule in api_dashboard.app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert routes == documented


@pytest.fixture
def fuzzed(
    make_dashboard: DashboardFactory, fresh_emulator: EmulatorProcess
) -> tuple[str, dict[str, str]]:
    """A dashboard over an emulator of its own (fuzzing writes junk), a read-write key
    for every path and a rate limit the run never reaches."""
    dash = make_dashboard(
        fresh_emulator,
        PROPDESK_DATA_KEYS=DATA_KEY,
        PROPDESK_API_RATE_LIMIT="100000 per minute",
    )
    key = make_key(Client(dash), "schemathesis")
    return dash.url + "/api/v1", {"API-Key": key}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_nothing(
    fuzzed: tuple[str, dict[str, str]], mode: GenerationMode
) -> None:
    base_url, headers = fuzzed
    schema = schemathesis.openapi.from_dict(document())
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 14
    session = requests.Session()
    statuses: list[int] = []
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and operation.path in ("/version", "/openapi.json"):
            continue  # no parameter or body: nothing to make invalid

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Case[Any]) -> None:
            answer = case.call_and_validate(
                base_url=base_url, session=session, headers=headers, checks=CHECKS, timeout=30
            )
            statuses.append(answer.status_code)

        run()
    # The run reached the API's work, not only its refusals (and refused what it should).
    if mode is GenerationMode.POSITIVE:
        assert sum(200 <= s < 300 for s in statuses) >= 20, sorted(set(statuses))
    else:
        assert sum(s == 400 for s in statuses) >= 20, sorted(set(statuses))
