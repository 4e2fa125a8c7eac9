"""The interventions dashboard: targets on the map, the selected intervention on a timeline against its area's
weekly trend, and the follow-up table. Static HTML + local plotly.js; data from /api/v1/interventions*."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
PAGE = Path(__file__).parent / "templates" / "interventions.html"


@router.get("/dashboards/interventions", response_class=HTMLResponse)
def interventions_dashboard() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))
