"""One warehouse, loaded through the real loaders and built by dbt's staging models once per test session.

It holds small hand-written files that plant personal data in every free-text field, exercise a corrected EST
re-export and police event revisions, and (where ``../shared`` is there) every real police events file. dbt runs
once (``dbt run --select staging``), because a dbt invocation costs about 15 s here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from ingest.demo.generator import population_rows
from ingest.ledger import LoadContext
from ingest.loader import LoadResult
from ingest.pipeline import SourceLoad, load_source
from ingest.settings import SOURCES
from tests.conftest import REPO, SHARED_REAL
from tests.ingest.conftest import make_warehouse, write_lines

# Personal data in several forms each; none of it may survive outside the raw zone (quarantine excepted).
PLANTED_PII = {
    "personnummer": ["19850312-1234", "850312-1234", "198503121234", "850312+1234"],
    "samordningsnummer": ["850372-5678", "19850372-5678", "8503725678"],
    "phone": ["070-123 45 67", "0701234567", "+46 70 123 45 67", "018-12 34 56", "08-123 456 78", "0046 70 987 65 43"],
    "email": ["anna.svensson@example.se", "KALLE_A+est@uppsala.se"],
    "plate": ["ABC 123", "XYZ 98B", "KLM-456"],
    "name": ["Kalle Andersson", "Mohammed Karimi", "Lisa Nyström"],
}
PII_TEXTS = [
    "Mannen uppgav personnummer 19850312-1234 och sedan 850312-1234.",
    "Pnr 198503121234, en äldre man 850312+1234.",
    "Samordningsnummer 850372-5678 (19850372-5678, 8503725678).",
    "Ring 070-123 45 67 eller 0701234567 eller +46 70 123 45 67.",
    "Fastighetsjouren 018-12 34 56, växel 08-123 456 78, 0046 70 987 65 43.",
    "Mejla anna.svensson@example.se eller KALLE_A+est@uppsala.se.",
    "Bil ABC 123 och moped XYZ 98B, släp KLM-456.",
    "Kontaktperson Kalle Andersson. En kille som heter Mohammed Karimi. Hon heter Lisa Nyström.",
]
EST_HEADER = (
    "Rapport-ID,Händelsetid,Inrapporterad,Organisation,Roll,Rapportör,Kategori,Underkategori,Latitud,"
    "Longitud,Plats,Miljö,Beskrivning"
)
POLICE_REAL_FILES = {
    # The first-seen versions are loaded as an earlier fetch than every other file.
    "uppsala_lan_events_2022-09_2024-12_first_seen_versions.json": "polisen_events_2023-01-01T000000Z_first_seen_versions.json",
    "uppsala_lan_events_2022-09_2024-12.json": "uppsala_lan_events_2022-09_2024-12.json",
    "national_events_2024-01-01_2024-12-31.json": "national_events_2024-01-01_2024-12-31.json",
    "api_snapshot_2023-06-15T1239Z.json": "api_snapshot_2023-06-15T1239Z.json",
    "api_snapshot_2024-06-15T1144Z.json": "api_snapshot_2024-06-15T1144Z.json",
}


@dataclass(frozen=True)
class Staged:
    data_dir: Path
    warehouse: Path
    real_police: bool  # the real police events were loaded
    loads: dict  # source -> SourceLoad

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)


def _est_row(
    report_id: str,
    minute: int,
    category: str,
    description: str,
    *,
    place: str = "Stora torget",
    org: str = "Securitas",
    role: str = "vaktare",
    reporter: str = "Kalle Andersson",
) -> str:
    return (
        f"{report_id},2026-03-02 18:{minute:02d},2026-03-02 19:30,{org},{role},{reporter},{category},,"
        f'59.8589,17.6385,{place},utomhus,"{description}"'
    )


def _police_event(event_id: int, summary: str, *, type_: str = "Misshandel", day: int = 6) -> dict:
    return {
        "id": event_id,
        "datetime": f"2026-03-{day:02d} 9:15:02 +01:00",
        "name": f"{day:02d} mars 08.50, {type_}, Uppsala",
        "summary": summary,
        "url": f"/aktuellt/handelser/2026/mars/{day}/{event_id}/",
        "type": type_,
        "location": {"name": "Uppsala", "gps": "59.858564,17.638927"},
    }


def write_synthetic_files(settings) -> None:
    est = settings.landing("est_reports")
    rows = [_est_row(f"PII-{i:03d}", i, "Skadegörelse", text) for i, text in enumerate(PII_TEXTS, start=1)]
    # Personal data in the other free-text fields too: place, organisation, role.
    rows.append(
        _est_row(
            "PII-101",
            30,
            "Nedskräpning",
            "Skräp.",
            place="Utanför Kalle Anderssons port",
            org="Vaktbolaget (kontakt anna.svensson@example.se)",
            role="väktare 070-123 45 67",
        )
    )
    write_lines(est / "est_pii_2026-W10.csv", [EST_HEADER, *rows])
    week = [_est_row("FIX-001", 40, "Skadegörelse", "Klotter."), _est_row("FIX-002", 41, "Nedskräpning", "Skräp.")]
    corrected = [_est_row("FIX-001", 40, "Otrygg plats", "Klotter."), week[1]]
    write_lines(est / "est_fix_2026-W10.csv", [EST_HEADER, *week])
    write_lines(est / "est_fix_2026-W10_korrigerad.csv", [EST_HEADER, *corrected])

    police = settings.landing("police_events")
    planted = [_police_event(9_200_100 + i, text) for i, text in enumerate(PII_TEXTS)]
    first = _police_event(9_200_001, "Man misshandlad vid Gottsunda centrum.")
    edited = {**first, "type": "Misshandel, grov", "name": "06 mars 08.50, Misshandel, grov, Uppsala"}
    (police / "polisen_events_2026-03-07T060000Z.json").write_text(
        json.dumps([edited, *planted], ensure_ascii=False), "utf-8"
    )
    (police / "polisen_events_2026-03-06T120000Z.json").write_text(json.dumps([first], ensure_ascii=False), "utf-8")

    write_lines(
        settings.landing("police_crimes") / "police_crimes_2026-W10.csv",
        [
            "Anmälan-ID,Brottskod,Brottskategori,Brott från,Anmäld,X (SWEREF 99 TM),Y (SWEREF 99 TM)",
            "K-1,1201,Skadegörelse,2026-03-02 18:00,2026-03-02 20:00,647769.8,6638640.6",
        ],
    )
    bra = settings.landing("bra_indicators")
    header = "geografi,enhet,ar,variabel,varde,kalla"
    write_lines(
        bra / "bra_uppsala_2024.csv",
        [
            header,
            "Uppsala,Antal,2024,Skadegörelsebrott,3500.0,Anmälda brott",
            "Uppsala,Antal,2024,Narkotikabrott,2100.0,Anmälda brott",
        ],
    )
    write_lines(
        bra / "bra_uppsala_2024_reviderad.csv", [header, "Uppsala,Antal,2024,Skadegörelsebrott,3550.0,Anmälda brott"]
    )
    population_rows(range(2025, 2027)).to_csv(settings.landing("population") / "population.csv", index=False)


def copy_real_police_files(settings) -> bool:
    folder = SHARED_REAL / "polisen-events"
    if not folder.exists():
        return False
    for name, landing_name in POLICE_REAL_FILES.items():
        shutil.copy(folder / name, settings.landing("police_events") / landing_name)
    return True


def run_dbt_staging(warehouse: Path, scratch: Path) -> None:
    """``dbt run --select staging`` against ``warehouse``, with its own target and log folders so concurrent
    tests never see a half-written manifest (the parsed state is copied in so dbt can parse partially)."""
    project = REPO / "dbt_project"
    target = scratch / "dbt_target"
    target.mkdir(parents=True, exist_ok=True)
    parsed = project / "target" / "partial_parse.msgpack"
    if parsed.exists():
        shutil.copy(parsed, target / "partial_parse.msgpack")
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt),
            "run",
            "--quiet",
            "--select",
            "staging",
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--log-path",
            str(scratch / "dbt_logs"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DO_NOT_TRACK": "1"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt run failed:\n{result.stdout}\n{result.stderr}")


def build(root: Path) -> Staged:
    """Load everything, run dbt, and leave ``built.json`` so another test process can reuse the warehouse."""
    con, settings = make_warehouse(root / "data")
    write_synthetic_files(settings)
    real = copy_real_police_files(settings)
    loads = {}
    for source in SOURCES:
        if source in ("interventions", "guard_visits", "areas"):
            continue  # not ingested by this loaders / already loaded
        loads[source] = load_source(source, con, settings, LoadContext(run_id="staged"))
    con.close()
    run_dbt_staging(settings.warehouse, root)
    (root / "built.json").write_text(
        json.dumps(
            {
                "data_dir": str(settings.root),
                "warehouse": str(settings.warehouse),
                "real_police": real,
                "loads": {source: [asdict(r) for r in load.results] for source, load in loads.items()},
            }
        ),
        encoding="utf-8",
    )
    return Staged(settings.root, settings.warehouse, real, loads)


def load_built(root: Path) -> Staged:
    built = json.loads((root / "built.json").read_text(encoding="utf-8"))
    loads = {
        source: SourceLoad(source, tuple(LoadResult(**r) for r in results))
        for source, results in built["loads"].items()
    }
    return Staged(Path(built["data_dir"]), Path(built["warehouse"]), built["real_police"], loads)
