"""Dashboard pages: static HTML + plotly.js served from the installed plotly package (no CDN, works offline).

Pages fetch their data from the API, so a dashboard always shows exactly what the API serves.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

router = APIRouter(include_in_schema=False)

PAGES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def plotly_js_path() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/plotly.min.js")
def plotly_js() -> Response:
    return FileResponse(plotly_js_path(), media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/")
def index() -> RedirectResponse:
    return RedirectResponse(url="/dashboard/weekly")


@router.get("/dashboard/weekly", response_class=HTMLResponse)
def weekly_dashboard() -> HTMLResponse:
    return HTMLResponse((PAGES / "weekly.html").read_text(encoding="utf-8"))


@router.get("/dashboard/guards", response_class=HTMLResponse)
def guards_dashboard() -> HTMLResponse:
    return HTMLResponse((PAGES / "guards.html").read_text(encoding="utf-8"))
