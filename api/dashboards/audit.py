"""The auditor's page: pick a week and an area, see the mart's number, click through to the incidents it counts,
their batches and files, the quarantined rows of those batches and the checks of the publishing run.

The page is static HTML; it reads /api/v1/weeks, /api/v1/weekly-areas and, with an auditor's API key typed into
the page, /api/v1/lineage/area-week/... Plotly.js comes from /static/plotly.min.js (no CDN).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGE = Path(__file__).parent / "templates" / "audit.html"


@router.get("/dashboards/audit", response_class=HTMLResponse)
def audit_dashboard() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))
