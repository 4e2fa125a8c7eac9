"""Load every new file of a source from its landing folder. Plain Python: Dagster assets call this.

Each source's files are loaded one by one, in name order; a file that fails does not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import geo
from ingest.demo.uppsala import PLACES
from ingest.ledger import LoadContext, ensure_ledger
from ingest.loader import LoadResult, ensure_source_table, landing_files, load_file
from ingest.settings import PlatformSettings
from ingest.sources.areas import AreasSource
from ingest.sources.base import SourceSpec
from ingest.sources.bra_indicators import BraIndicatorsSource
from ingest.sources.est_reports import EstReportsSource
from ingest.sources.guard_visits import GuardVisitsSource
from ingest.sources.interventions import InterventionsSource, latest_interventions
from ingest.sources.police_crimes import PoliceCrimesSource
from ingest.sources.police_events import Gazetteer, PoliceEventsSource, build_gazetteer
from ingest.sources.population import PopulationSource

# Every source, in the order a full load takes them: areas first, because the located sources, population and
# interventions look areas up (the Dagster ingest assets depend on raw/areas for the same reason).
LOAD_ORDER: tuple[str, ...] = (
    "areas",
    "population",
    "est_reports",
    "police_crimes",
    "police_events",
    "bra_indicators",
    "interventions",
    "guard_visits",
)


def connect_warehouse(settings: PlatformSettings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse), read_only=read_only)
    if not read_only:
        ensure_ledger(con)
    return con


def _current_areas(con: duckdb.DuckDBPyConnection, columns: str, municipality_code: str | None = None) -> list:
    """The latest version of every area (a later batch of the same area id wins), optionally one municipality's."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'areas'"
    ).fetchall()[0][0]
    if not exists:
        return []
    return con.execute(
        f"""
        with ranked as (
            select a.*, row_number() over (partition by a.area_id order by b.batch_seq desc, a.source_row) as rn
            from raw.areas a join raw.batches b using (batch_id)
        )
        select {columns} from ranked
        where rn = 1 and (? is null or municipality_code = ?)
        order by area_id
        """,  # noqa: S608 (columns are constants of this module)
        [municipality_code, municipality_code],
    ).fetchall()


def current_area_index(con: duckdb.DuckDBPyConnection, municipality_code: str | None = None) -> geo.AreaIndex:
    """Point-in-polygon index over the latest version of every loaded area, optionally one municipality's."""
    return geo.AreaIndex.from_wkt(_current_areas(con, "area_id, geometry_wkt, municipality_code", municipality_code))


def current_gazetteer(con: duckdb.DuckDBPyConnection) -> Gazetteer:
    """Area names of the loaded layers, plus the demo's named places where their districts are loaded.

    Whole municipalities are left out: an event already has its municipality, and the name of one ("Uppsala")
    stands in every title, where it would make every district match ambiguous."""
    areas = [
        row[:3]
        for row in _current_areas(con, "area_id, area_name, municipality_code, area_type")
        if row[3] != "municipality"
    ]
    return build_gazetteer(areas, [(place.name, place.area_id) for place in PLACES])


def build_source(name: str, con: duckdb.DuckDBPyConnection, settings: PlatformSettings) -> SourceSpec:
    """A source's spec, with what it needs from the warehouse (the area layer for located sources)."""
    builders: dict[str, Callable[[], SourceSpec]] = {
        "areas": AreasSource,
        "population": lambda: PopulationSource(known_area_ids=frozenset(current_area_index(con).area_ids)),
        "est_reports": lambda: EstReportsSource(area_index=current_area_index(con, settings.municipality_code)),
        "police_crimes": lambda: PoliceCrimesSource(area_index=current_area_index(con, settings.municipality_code)),
        "police_events": lambda: PoliceEventsSource(gazetteer=current_gazetteer(con)),
        "bra_indicators": BraIndicatorsSource,
        "guard_visits": GuardVisitsSource,
        "interventions": lambda: InterventionsSource(
            known_area_ids=frozenset(current_area_index(con).area_ids),
            known_place_ids=frozenset(place.place_id for place in PLACES),
            existing=latest_interventions(con),
        ),
    }
    if name not in builders:
        raise ValueError(f"no loader for source {name!r}")
    return builders[name]()


@dataclass(frozen=True)
class SourceLoad:
    source: str
    results: tuple[LoadResult, ...]

    @property
    def rows_read(self) -> int:
        return sum(r.rows_read for r in self.results)

    @property
    def rows_accepted(self) -> int:
        return sum(r.rows_accepted for r in self.results)

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows_quarantined for r in self.results)

    @property
    def failed(self) -> tuple[LoadResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    @property
    def loaded(self) -> tuple[LoadResult, ...]:
        return tuple(r for r in self.results if r.status == "loaded")


def load_source(
    source: str,
    con: duckdb.DuckDBPyConnection,
    settings: PlatformSettings,
    ctx: LoadContext,
    files: list[Path] | None = None,
    on_file: Callable[[LoadResult], None] | None = None,
) -> SourceLoad:
    """Load the given files (default: everything in the source's landing folder) of one source.

    ``on_file`` is called with each file's result as soon as that file is done (a progress bar's hook: see
    ``python -m ingest.load``)."""
    spec = build_source(source, con, settings)
    ensure_source_table(con, spec)  # downstream models need the table even before the first file arrives
    if files is None:
        files = landing_files(settings.landing(source), spec.file_patterns)
    results = []
    for path in files:
        results.append(load_file(con, spec, path, ctx))
        if on_file is not None:
            on_file(results[-1])
    return SourceLoad(source, tuple(results))
