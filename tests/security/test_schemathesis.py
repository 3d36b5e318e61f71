"""The whole API fuzzed in-process from its own OpenAPI description, with an admin key: no input
makes it fail (5xx), and every answer matches the schema the operation declares for it.

Each operation gets its own Hypothesis run inside one test (schemathesis' pytest plugin cannot
resolve a fixture-built schema under pytest 9), so one report lists every operation that fails.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from cityops.runtime import Runtime
from cityops.web.app import create_app

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("CITYOPS_FUZZ_EXAMPLES", "12"))  # a deeper hunt: raise it
CHECKS: list[CheckFunction] = [not_a_server_error, response_schema_conformance]

STRING_422 = (
    "answers 422 with a string `detail`, while the 422 FastAPI declares for every operation "
    "is its validation error (`detail` an array): see the security report"
)
KNOWN = {
    "POST /api/v1/devices": STRING_422,  # unknown thing model
    "PUT /api/v1/rules/{rule_id}": STRING_422,  # rule fields missing
    "POST /api/v1/cases": STRING_422,  # unknown event class
}
"""Operations whose answers do not match their schema yet, owned by other rooms: checked for
server errors only until fixed. Anything not listed fails the test."""


def fuzz(
    operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, headers: dict[str, str]
) -> None:
    stream = operation.path == "/api/v1/events/stream"  # never ends: take what comes in 0.2 s
    checks: list[CheckFunction] = [not_a_server_error] if operation.label in KNOWN else CHECKS

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same inputs in every CI run; raise EXAMPLES for a deeper hunt
    )
    def run(case: Case[Any]) -> None:
        case.call_and_validate(headers=headers, checks=checks, timeout=0.2 if stream else None)

    run()


def test_no_input_makes_the_api_fail(runtime: Runtime, admin_key: str) -> None:
    app = create_app(runtime, manage_runtime=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {admin_key}"}
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, headers)
            except Unsatisfiable:
                continue  # nothing to get wrong (no parameters, or only free-form strings)
            except (Exception, BaseExceptionGroup) as exc:  # every failing operation, not the first
                notes = "\n".join(getattr(exc, "__notes__", []))
                failures.append(f"{operation.label} ({mode.value}): {exc}\n{notes}")
    assert not failures, "\n\n".join(failures)
