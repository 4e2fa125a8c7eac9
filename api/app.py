"""The Lägesbild API: a thin, read-only service over the published serving snapshot.

Run: ``uvicorn api.app:app --port 8000``. OpenAPI at /docs.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.dashboards import audit as audit_dashboard
from api.dashboards.interventions import router as interventions_dashboard_router
from api.dashboards.routes import router as dashboards_router
from api.routers import audit_log, common, lineage
from api.routers.areas import router as areas_router
from api.routers.audit import router as audit_router
from api.routers.guards import router as guards_router
from api.routers.health import router as health_router
from api.routers.interventions import router as interventions_router
from api.routers.places import router as places_router
from api.routers.tertial import router as tertial_router
from api.routers.weekly import router as weekly_router
from api.settings import ApiSettings
from serving.snapshot import SnapshotPool


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    app = FastAPI(
        title="Lägesbild API",
        version="1.0.0",
        description="Weekly and tertial area marts for EST (Effektiv samordning för trygghet), read from the "
        "published serving snapshot.",
    )
    app.state.settings = settings or ApiSettings()
    app.state.snapshots = SnapshotPool(app.state.settings.snapshot_path)
    app.include_router(health_router, responses={503: common.ERROR_RESPONSES[503]})
    common.install(app)
    for router in (areas_router, weekly_router, tertial_router, places_router, audit_router):
        app.include_router(router)
    app.include_router(guards_router, responses=common.ERROR_RESPONSES)
    app.include_router(interventions_router, responses=common.ERROR_RESPONSES)
    app.include_router(dashboards_router)
    app.include_router(interventions_dashboard_router)
    app.include_router(lineage.router, responses=common.ERROR_RESPONSES)
    app.include_router(lineage.docs_router)
    app.include_router(audit_log.router, responses=common.ERROR_RESPONSES)
    app.include_router(audit_dashboard.router)
    return app


app = create_app()
