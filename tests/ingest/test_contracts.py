"""Every rejection reason a loader can give, and every header name it accepts, is documented in its contract."""

from __future__ import annotations

import pytest

from ingest.sources import areas, bra_indicators, est_reports, police_crimes, police_events, population
from tests.conftest import REPO

SOURCES = {
    "est_reports": est_reports,
    "police_crimes": police_crimes,
    "police_events": police_events,
    "bra_indicators": bra_indicators,
    "areas": areas,
    "population": population,
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_contract_documents_every_reason_and_header(source):
    page = (REPO / "docs" / "contracts" / f"{source}.md").read_text(encoding="utf-8")
    module = SOURCES[source]
    missing = [code for code in module.REASONS if f"`{code}`" not in page]
    assert missing == [], f"docs/contracts/{source}.md lacks reasons {missing}"
    aliases = [name for names in getattr(module, "ALIASES", {}).values() for name in names]
    assert [name for name in aliases if f"`{name}`" not in page] == []
    assert f"landing/{source}/" in page
