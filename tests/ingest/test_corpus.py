"""The bad-input corpus (tests/ingest/corpus/) through the real loaders: every fault is caught with its own reason,
every unreadable file fails alone with a message naming it, and nothing is lost (read = accepted + quarantined)."""

from __future__ import annotations

import json
import shutil

import pytest

from ingest.ledger import LoadContext
from ingest.loader import accepted_table_of, load_file
from ingest.pipeline import build_source
from ingest.reconcile import reconcile
from tests.ingest.conftest import CORPUS, make_warehouse
from tests.ingest.corpus_binaries import write_generated_corpus

CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["cases"]
# The area cases go last: a new area layer would change where the other sources' points fall.
ORDER = sorted(range(len(CASES)), key=lambda i: CASES[i]["source"] == "areas")


@pytest.fixture(scope="module")
def corpus_loads(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    files = root / "files"
    shutil.copytree(CORPUS, files, ignore=shutil.ignore_patterns("*.json.md", "expected.json"))
    write_generated_corpus(files)
    con, settings = make_warehouse(root / "data")
    loads = {}
    for i in ORDER:
        case = CASES[i]
        spec = build_source(case["source"], con, settings)
        result = load_file(con, spec, files / case["file"], LoadContext(run_id="corpus"))
        rows = con.execute(
            "select source_row, reason_code, raw_content from raw.quarantine where batch_id = ? order by source_row",
            [result.batch_id],
        ).fetchall()
        loads[case["file"]] = (result, rows)
    reconciliations = {
        source: reconcile(con, source, accepted_table_of(build_source(source, con, settings)))
        for source in {c["source"] for c in CASES}
    }
    con.close()
    return loads, reconciliations


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_fault_is_caught_with_its_reason(corpus_loads, case):
    result, rows = corpus_loads[0][case["file"]]
    if "fails" in case:
        assert result.status == "failed"
        assert case["file"].split("/")[-1] in result.error, "the message names the file"
        assert case["fails"] in result.error
        return
    assert result.status == "loaded", result.error
    assert result.rows_read == result.rows_accepted + result.rows_quarantined, "nothing is lost"
    assert result.rows_accepted == case["accepted"]
    assert {str(row): reason for row, reason, _ in rows} == case["quarantined"]
    for _, _, raw_content in rows:
        assert json.loads(raw_content), "a quarantined row keeps its raw content"


def test_every_source_reconciles_after_the_corpus(corpus_loads):
    _, reconciliations = corpus_loads
    for source, check in reconciliations.items():
        assert check.ok, (source, check.mismatches)
        assert check.rows_read == check.rows_accepted + check.rows_quarantined


def test_corpus_has_at_least_25_distinct_faults_across_formats():
    row_faults = {(c["source"], reason) for c in CASES for reason in c.get("quarantined", {}).values()}
    file_faults = {c["file"] for c in CASES if "fails" in c}
    formats = {c["format"].split(",")[0] for c in CASES}
    assert len({reason for _, reason in row_faults}) + len(file_faults) >= 25
    assert {
        "CSV",
        "JSON (object with a reports array)",
        "XLSX",
        "GeoJSON",
        "GeoPackage",
        "police API JSON array",
    } <= formats
