"""API settings, from the environment (LAGESBILD_*). The API only needs to know where the snapshot is."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAGESBILD_", extra="ignore")

    data_dir: Path = Path("data")
    serving_path: Path | None = None
    api_keys_file: Path | None = None  # default: the demo keys in api/config/demo_api_keys.json

    @property
    def api_keys_path(self) -> Path:
        from api.auth import DEMO_KEYS_FILE

        return (self.api_keys_file or DEMO_KEYS_FILE).expanduser().resolve()

    @property
    def snapshot_path(self) -> Path:
        return (self.serving_path or self.data_dir / "serving" / "current.duckdb").expanduser().resolve()
