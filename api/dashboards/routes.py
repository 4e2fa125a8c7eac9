"""Dashboard pages: static HTML + plotly.js served from the installed plotly package (no CDN, works offline).

Pages fetch their data from the API with the user's key, so a dashboard always shows exactly what the API serves to
that role. Every page gets the same nav bar, built from NAV_PAGES: a page is listed only when the app has its route,
so other modules append their pages here and they appear once their route exists.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts

router = APIRouter(include_in_schema=False)

PAGES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# (path, Swedish label, English label), in nav order. Append a page here; it shows once its route exists.
NAV_PAGES: list[tuple[str, str, str]] = [
    ("/dashboards/weekly", "Veckolägesbild", "Weekly picture"),
    ("/dashboards/tertial", "Tertialanalys", "Tertial analysis"),
    ("/dashboards/guards", "Väktarplan", "Guard plan"),
    ("/dashboards/interventions", "Insatser", "Interventions"),
    ("/dashboards/audit", "Spårbarhet", "Audit and lineage"),
]


@lru_cache(maxsize=1)
def plotly_js_path() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/plotly.min.js")
def plotly_js() -> Response:
    return FileResponse(
        plotly_js_path(), media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/static/dashboard.{kind}")
def dashboard_asset(kind: str) -> Response:
    media = {"js": "application/javascript", "css": "text/css"}
    if kind not in media:
        return Response(status_code=404)
    return FileResponse(STATIC / f"dashboard.{kind}", media_type=media[kind], headers={"Cache-Control": "no-cache"})


# An empty world for plotly's geo charts, which fetch one even with the base map hidden: the area polygons are all
# we draw, and nothing is fetched from the internet.
EMPTY_TOPOLOGY = {
    "type": "Topology",
    "arcs": [],
    "objects": {
        layer: {"type": "GeometryCollection", "geometries": []}
        for layer in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")
    },
}


@router.get("/static/topojson/{name}.json")
def empty_topojson(name: str) -> dict:
    return EMPTY_TOPOLOGY


def nav_bar(request: Request) -> str:
    existing = {context.path for context in iter_route_contexts(request.app.routes)}
    links = "".join(
        f'<a href="{path}" data-sv="{escape(sv)}" data-en="{escape(en)}">{escape(sv)}</a>'
        for path, sv, en in NAV_PAGES
        if path in existing
    )
    return (
        f'<nav class="lb-nav">{links}<span class="spacer"></span>'
        '<label><span id="lb-key-label">API-nyckel</span> <input id="lb-key" type="password" size="20" '
        'autocomplete="off" aria-labelledby="lb-key-label"></label><a id="lb-lang" href="?lang=en">English</a></nav>'
    )


def page(request: Request, name: str) -> HTMLResponse:
    html = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    return HTMLResponse(html.replace("<body>", "<body>\n" + nav_bar(request), 1))


@router.get("/")
def index() -> RedirectResponse:
    return RedirectResponse(url="/dashboards/weekly")


@router.get("/dashboards/weekly", response_class=HTMLResponse)
def weekly_dashboard(request: Request) -> HTMLResponse:
    return page(request, "weekly")


@router.get("/dashboards/tertial", response_class=HTMLResponse)
def tertial_dashboard(request: Request) -> HTMLResponse:
    return page(request, "tertial")


@router.get("/dashboards/guards", response_class=HTMLResponse)
def guards_dashboard(request: Request) -> HTMLResponse:
    return page(request, "guards")


@router.get("/dashboard/{name}")
def old_dashboard_path(name: str, request: Request) -> RedirectResponse:
    """The first pages lived under /dashboard/; keep those links working."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(url=f"/dashboards/{name}{query}", status_code=308)
