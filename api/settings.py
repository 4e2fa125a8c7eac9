"""API settings, from the environment (LAGESBILD_*). The API only needs to know where the snapshot is."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGESBILD_", extra="ignore")

    data_dir: Path = Path("data")
    serving_path: Path | None = None

    @property
    def snapshot_path(self) -> Path:
        return (self.serving_path or self.data_dir / "serving" / "current.duckdb").expanduser().resolve()
