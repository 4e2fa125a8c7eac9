"""schemathesis against the app's OpenAPI schema, in-process (ASGI): every GET operation with a few generated
requests per role that reads the marts; no 5xx, and every response conforms to the schema (status codes, content
types, bodies). Bounded and deterministic (derandomized, few examples) to keep the suite quick."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import key

pytestmark = pytest.mark.xdist_group("marts_pipeline")

MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="session")
def api_schema(served):
    loaded = schemathesis.openapi.from_asgi("/openapi.json", served[1])
    # Valid and invalid inputs, a few of each per operation, the same ones every run; no coverage phase (it
    # enumerates boundary cases of every parameter and takes minutes).
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True, database="none")
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.include(method="GET").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_get_endpoints_conform_and_never_fail(case):
    # The public variants and the full marts; audit and lineage as the auditor (the others only get a 403 there).
    auditor_only = case.path.startswith(("/api/v1/audit", "/api/v1/lineage"))
    for role in ("auditor",) if auditor_only else ("public", "analyst"):
        case.call_and_validate(headers=key(role), checks=CHECKS)
