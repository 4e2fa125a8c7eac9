"""Every route of the app, walked from app.routes (new routes are covered without editing this test): no key and a
wrong key are 401, each role either gets through (2xx, or a 4xx that is not about the key) or gets a 403. The roles a
route allows are read from its require_roles dependency, and must agree with the matrix in docs/api.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api.auth import ROLES
from tests.api.conftest import key

pytestmark = pytest.mark.xdist_group("marts_pipeline")

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SAMPLE_PATH_VALUES = {"area_id": "granby"}


def allowed_roles(dependant) -> frozenset[str] | None:
    """The roles of the route's require_roles dependency (None: the route is open)."""
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            return roles
        found = allowed_roles(sub)
        if found is not None:
            return found
    return None


def api_routes(app) -> list[tuple[str, str, frozenset[str] | None]]:
    """(method, path template, allowed roles) of every API route, through included routers."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in sorted(context.methods - {"HEAD", "OPTIONS"}):
                found.append((method, context.path, allowed_roles(context.dependant)))
    return found


def routes(app) -> list[tuple[str, str, frozenset[str] | None]]:
    """The API routes with a sample value in each path parameter."""
    return [
        (method, re.sub(r"{(\w+)(:\w+)?}", lambda m: SAMPLE_PATH_VALUES.get(m[1], "x"), path), roles)
        for method, path, roles in api_routes(app)
    ]


def call(client, method: str, url: str, headers: dict[str, str]):
    return client.request(method, url, headers=headers, json={} if method in {"POST", "PUT", "PATCH"} else None)


def test_every_route_answers_each_role_as_documented(client, served):
    walked = routes(served[1])
    assert len(walked) >= 20
    problems = []
    for method, url, roles in walked:
        label = f"{method} {url}"
        if roles is None:
            response = call(client, method, url, {})
            if response.status_code in (401, 403) or response.status_code >= 500:
                problems.append(f"{label}: open route answered {response.status_code} without a key")
            continue
        for headers, name in (({}, "no key"), ({"X-API-Key": "not-a-key"}, "wrong key")):
            if (status := call(client, method, url, headers).status_code) != 401:
                problems.append(f"{label} with {name}: {status}, expected 401")
        for role in ROLES:
            status = call(client, method, url, key(role)).status_code
            # 503: the snapshot does not hold what the route serves (e.g. no guard plans in this test snapshot)
            if role in roles and (status in (401, 403) or (status >= 500 and status != 503)):
                problems.append(f"{label} as {role}: {status}, expected access")
            if role not in roles and status != 403:
                problems.append(f"{label} as {role}: {status}, expected 403")
    assert problems == []


def test_the_documented_role_matrix_matches_the_routes(served):
    """docs/api.md lists `| GET /api/v1/... | public, analyst |` rows; each must match the route's real roles."""
    actual = {(method, re.sub(r"{\w+}", "{}", path)): roles for method, path, roles in api_routes(served[1])}
    documented = re.findall(r"^\| `(GET|POST|PUT|DELETE) (/[^`]*)` \| ([^|]+) \|", DOCS.read_text(), re.MULTILINE)
    assert len(documented) >= 15
    for method, path, roles in documented:
        expected = None if roles.strip() == "open" else frozenset(r.strip() for r in roles.split(","))
        route = (method, re.sub(r"{\w+}", "{}", path.split("?")[0]))
        assert route in actual, f"docs/api.md documents {method} {path}, which the app does not have"
        assert actual[route] == expected, (
            f"{method} {path}: documented {roles.strip()}, the route allows {sorted(actual[route] or ['(open)'])}"
        )
