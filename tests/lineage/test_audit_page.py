"""The auditor's page: served without a CDN, and wired to the endpoints it clicks through to."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_audit_page_uses_local_plotly_and_the_lineage_endpoints(tmp_path):
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(data_dir=tmp_path)))
    page = client.get("/dashboards/audit")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<script src="/static/plotly.min.js"></script>' in html
    assert "cdn" not in html.lower() and not re.search(r"(src|href)=[\"']https?://", html)
    for endpoint in ("/api/v1/weeks", "/api/v1/weekly-areas", "/api/v1/lineage/area-week/"):
        assert endpoint in html
    # Data is put into the page as text, never as markup.
    assert "innerHTML" not in html
    for section in ("batches", "incidents", "quarantine", "checks", "models"):
        assert f'id="{section}"' in html
