"""The Lägesbild API: a thin, read-only service over the published serving snapshot.

Run: ``uvicorn api.app:app --port 8000``. OpenAPI at /docs.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.dashboards import audit as audit_dashboard
from api.dashboards.routes import router as dashboards_router
from api.routers import audit, lineage
from api.routers.guards import router as guards_router
from api.routers.health import router as health_router
from api.routers.weekly import router as weekly_router
from api.settings import ApiSettings


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    app = FastAPI(
        title="Lägesbild API",
        version="1.0.0",
        description="Weekly and tertial area marts for EST (Effektiv samordning för trygghet), read from the "
        "published serving snapshot.",
    )
    app.state.settings = settings or ApiSettings()
    app.include_router(health_router)
    app.include_router(weekly_router)
    app.include_router(guards_router)
    app.include_router(dashboards_router)
    app.include_router(lineage.router)
    app.include_router(lineage.docs_router)
    app.include_router(audit.router)
    app.include_router(audit_dashboard.router)
    return app


app = create_app()
