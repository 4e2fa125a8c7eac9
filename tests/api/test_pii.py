"""No personal data and no free text in any API response, and no small count for the public role.

The mart pipeline's demo data (tests/marts/conftest.py) carries the generator's planted personal data (names, a
personnummer, a samordningsnummer, phone numbers, e-mail addresses, number plates) in the EST reports' free text.
Every GET route of the app is called as every role allowed on it, with the widest ranges and every page, and each
body is scanned for them."""

from __future__ import annotations

import re

import pytest

from ingest.demo.generator import PII_SNIPPETS
from tests.api.conftest import key
from tests.api.test_roles import routes

pytestmark = pytest.mark.xdist_group("marts_pipeline")

PLANTED = [
    "Kalle Andersson",
    "Mohammed Karimi",
    "19850312-1234",
    "850312-1234",
    "198503121234",
    "850372-5678",
    "070-123 45 67",
    "0701234567",
    "+46 70 987 65 43",
    "46709876543",
    "anna.svensson@example.se",
    "ABC 123",
    "XYZ 98B",
    "Beskrivning",
]
LEAK = re.compile("|".join(re.escape(v) for v in PLANTED) + r"|[\w.+-]+@[\w-]+\.[\w.-]+", re.IGNORECASE)
# Wide parameters, so every week and tertial of the snapshot is read.
WIDE = {"from_week": "2026-W01", "to_week": "2026-W31", "limit": 500}
PARAMS = {
    "/api/v1/area-weeks": WIDE,
    "/api/v1/place-weeks": {**WIDE, "from_week": "2026-W26"},
    "/api/v1/areas/granby/weeks": WIDE,
    "/api/v1/area-tertials": {"tertial": ["2026-T1", "2026-T2"], "limit": 500},
    "/api/v1/context/bra": {"municipality": "0380"},
    "/api/v1/audit/batches": {"limit": 500},
    "/api/v1/audit/quarantine-summary": {"limit": 500},
    "/api/v1/areas": {"geometry": True},
}
COUNT = re.compile(r"^n_(est_reports|police_crimes|incidents)(_8w)?$")


def every_page(client, url: str, params: dict, headers: dict) -> list:
    """The responses of every page of a GET (one for the unpaged routes)."""
    responses, offset = [], 0
    while offset is not None:
        response = client.get(url, params={**params, "offset": offset} if offset else params, headers=headers)
        responses.append(response)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
        offset = body.get("next_offset") if isinstance(body, dict) and "items" in body else None
    return responses


def test_the_demo_data_really_carries_personal_data(built_marts):
    text = "".join(p.read_text(encoding="utf-8") for p in (built_marts.data_dir / "landing" / "est_reports").glob("*"))
    assert sum(text.count(snippet) for snippet in PII_SNIPPETS) > 20


def test_no_personal_data_in_any_response_and_no_small_public_counts(client, served):
    scanned, public_cells = 0, 0
    for method, url, roles in routes(served[1]):
        if method != "GET" or url.startswith("/static/"):  # /static: plotly.js itself (its authors' e-mails)
            continue
        for role in sorted(roles or {"public"}):
            for response in every_page(client, url, PARAMS.get(url, {}), key(role)):
                if response.status_code >= 400:
                    continue
                body, scanned = response.text, scanned + 1
                leaked = LEAK.findall(body)
                assert leaked == [], f"{url} as {role} returned {leaked}"
                if role == "public" and response.headers["content-type"].startswith("application/json"):
                    public_cells += check_public_counts(url, response.json())
    assert scanned >= 50 and public_cells > 2000


def check_public_counts(url: str, body) -> int:
    """Every count cell the public role sees is null (suppressed), 0 or at least k."""
    rows = body.get("items") or body.get("areas") or [] if isinstance(body, dict) else []
    checked = 0
    for row in rows:
        k = row.get("suppression_k")
        for column, value in row.items():
            if COUNT.match(column) and value is not None:
                assert k and (value == 0 or value >= k), f"{url}: public {column}={value} below k={k}"
                checked += 1
    return checked
