"""The dashboards in a real browser: headless Chromium (Debian's package, driven by Playwright) loads each page from
a uvicorn server over a published snapshot, waits for the plotly charts, checks that they show the chosen week or
tertial, and saves a screenshot under the test's temporary folder. One browser session for all pages."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from tests.api.conftest import built_marts, served  # noqa: F401 - the shared snapshot fixtures

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.xdist_group("marts_pipeline"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(served):  # noqa: F811
    import uvicorn

    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(served[1], host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


def load(page, url: str) -> list[str]:
    """Open a page and wait until every chart is drawn; the requests that left the server (none should)."""
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url.split("/dashboards")[0]) else None)
    page.goto(url)
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", timeout=30_000)
    assert page.evaluate("document.body.dataset.state") == "ready", page.text_content("#error")
    return outside


def test_weekly_and_tertial_pages_draw_the_chosen_week_and_tertial(browser, server, tmp_path):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside = load(page, f"{server}/dashboards/weekly?key=demo-analyst-key&week=2026-W22")
    chart = page.locator("#map")
    assert chart.get_attribute("data-week") == "2026-W22"
    assert chart.get_attribute("data-locations") == "18"  # every area drawn from the GeoJSON
    assert page.locator("#map .js-plotly-plot .main-svg, #map.js-plotly-plot .main-svg").count() > 0
    assert "2026-W22" in page.locator("#map .gtitle").text_content()
    assert page.locator("#map path.choroplethlocation").count() == 18
    assert page.locator("#multiples").get_attribute("data-areas") == "18"
    assert int(page.locator("#hotspots").get_attribute("data-cells")) > 0
    assert page.locator("h1").text_content() == "Veckolägesbild 2026-W22"
    assert page.evaluate("window.location.search") == "?week=2026-W22"  # the key left the address bar
    page.screenshot(path=tmp_path / "weekly.png", full_page=True)

    # The picker reloads from the API; English labels on request.
    page.select_option("#week", "2026-W30")
    page.wait_for_function(
        "document.getElementById('map').dataset.week === '2026-W30' && document.body.dataset.state === 'ready'"
    )
    assert "2026-W30" in page.locator("#map .gtitle").text_content()

    outside += load(page, f"{server}/dashboards/tertial?lang=en&tertial=2026-T1")  # the key from sessionStorage
    assert page.locator("h1").text_content() == "Tertial analysis 2026-T1"
    assert page.locator("#ranking").get_attribute("data-tertial") == "2026-T1"
    assert page.locator("#ranking").get_attribute("data-areas") == "18"
    assert int(page.locator("#funnel").get_attribute("data-points")) == 18
    assert page.locator("#ranking .main-svg").count() > 0 and page.locator("#persistence .main-svg").count() > 0
    # The pages of the other modules (interventions, audit) follow once their routes exist.
    assert [a.text_content() for a in page.locator("nav.lb-nav a[data-sv]").all()][:3] == [
        "Weekly picture",
        "Tertial analysis",
        "Guard plan",
    ]
    page.screenshot(path=tmp_path / "tertial.png", full_page=True)

    # The public key gets the suppressed marts: no category breakdown, same map.
    page.evaluate("sessionStorage.setItem('lagesbild.apiKey', 'demo-public-key')")
    outside += load(page, f"{server}/dashboards/weekly?week=2026-W22")
    assert page.locator("#map").get_attribute("data-locations") == "18"
    assert "öppna data" in page.locator("#meta").text_content()
    page.screenshot(path=tmp_path / "weekly_public.png", full_page=True)
    assert outside == []  # no CDN, no tiles
    assert all((tmp_path / name).stat().st_size > 50_000 for name in ("weekly.png", "tertial.png"))
