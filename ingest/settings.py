"""Where the platform keeps its files.

One environment variable, ``LAGESBILD_DATA_DIR`` (default ``./data``), decides the root; everything else lives
under it unless overridden. ``make demo`` needs no configuration at all.

Layout under the data root::

    landing/<source>/     files dropped by people or fetched by clients (one folder per source)
    state/                small state shared between processes (the police API client's call log)
    warehouse.duckdb      the single-writer warehouse (raw zone + dbt schemas); restricted
    serving/current.duckdb  the published snapshot the API reads
    logs/                 notifier log and other run logs
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The sources the platform knows, each with its own landing folder.
SOURCES: tuple[str, ...] = (
    "est_reports",
    "police_events",
    "police_crimes",
    "bra_indicators",
    "areas",
    "population",
    "interventions",
    "guard_visits",
)


class PlatformSettings(BaseSettings):
    """Paths and knobs shared by ingest, orchestration and the API."""

    model_config = SettingsConfigDict(env_prefix="LAGESBILD_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Root of every file the platform writes.")
    warehouse_path: Path | None = Field(
        default=None, description="DuckDB warehouse; default <data_dir>/warehouse.duckdb"
    )
    serving_path: Path | None = Field(
        default=None, description="Published snapshot the API reads; default <data_dir>/serving/current.duckdb"
    )
    municipality_code: str = Field(default="0380", description="Kommunkod of the municipality (Uppsala: 0380).")
    timezone: str = Field(default="Europe/Stockholm")
    guard_depot_lat: float | None = Field(
        default=None, description="Latitude (WGS84) of the guards' depot; unset: the centre of the candidate places."
    )
    guard_depot_lon: float | None = Field(default=None, description="Longitude (WGS84) of the guards' depot.")
    police_api_user_agent: str = Field(
        default="Lagesbild/0.1 (open-source EST platform for Swedish municipalities; contact: lagesbild@example.org)",
        description="User-Agent the police events client identifies itself with (polisen.se requires one); set "
        "LAGESBILD_POLICE_API_USER_AGENT to name your municipality and a contact address.",
    )
    police_api_locations: str = Field(
        default="Uppsala;Uppsala län;Enköping;Östhammar;Tierp;Älvkarleby;Knivsta;Heby;Håbo",
        description="Default locationname filter of the police events client (';'-separated).",
    )

    @cached_property
    def root(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def landing_dir(self) -> Path:
        return self.root / "landing"

    def landing(self, source: str) -> Path:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
        return self.landing_dir / source

    @property
    def warehouse(self) -> Path:
        return (self.warehouse_path or self.root / "warehouse.duckdb").expanduser().resolve()

    @property
    def serving(self) -> Path:
        return (self.serving_path or self.root / "serving" / "current.duckdb").expanduser().resolve()

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def state_dir(self) -> Path:
        """Small state files shared between processes (e.g. the police API's rate-limit window)."""
        return self.root / "state"

    def ensure_dirs(self) -> None:
        for source in SOURCES:
            self.landing(source).mkdir(parents=True, exist_ok=True)
        self.serving.parent.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)


def get_settings() -> PlatformSettings:
    """Read settings from the environment each time (tests change the environment between cases)."""
    return PlatformSettings()
