"""Records written through the API become landing files, so they are ingested like every other source.

The API never writes the warehouse (it has one writer: the Dagster ingest step). A POST or PATCH that records
something (a guard visit, an intervention) writes one JSON file into ``landing/<source>/``, atomically (a temporary
file, then ``os.replace``); the next ingest run loads it with the usual validation, quarantine and lineage. File
names carry the client's record id and a hash of the content, so the same request twice writes nothing new
(idempotent) and every changed version is kept as its own file (history).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


@dataclass(frozen=True)
class WrittenRecord:
    path: Path
    created: bool  # False when an identical version already existed (idempotent repeat)
    revision: int  # 1 for the first version of this record id, 2 for the next change, ...


def content_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_versions(folder: Path, record_id: str) -> list[Path]:
    """Earlier versions of a record, oldest first."""
    if not folder.exists():
        return []
    return sorted(folder.glob(f"api_{record_id}__r*.json"), key=lambda p: int(p.stem.split("__r")[1].split("_")[0]))


def write_record(folder: Path, record_id: str, payload: dict) -> WrittenRecord:
    """Write one version of a record as a landing file; a repeat of the latest version writes nothing."""
    if not _SAFE_ID.match(record_id):
        raise ValueError("record ids may hold letters, digits and _ . : - (1-100 characters)")
    folder.mkdir(parents=True, exist_ok=True)
    digest = content_hash(payload)[:12]
    versions = record_versions(folder, record_id)
    if versions and versions[-1].stem.endswith(digest):
        return WrittenRecord(versions[-1], created=False, revision=len(versions))
    revision = len(versions) + 1
    target = folder / f"api_{record_id}__r{revision}_{digest}.json"
    temporary = folder / f".{target.name}.tmp"
    body = {"written_at": datetime.now(UTC).isoformat(timespec="seconds"), "revision": revision, **payload}
    temporary.write_text(json.dumps(body, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(temporary, target)
    return WrittenRecord(target, created=True, revision=revision)


def read_latest(folder: Path, record_id: str) -> dict | None:
    versions = record_versions(folder, record_id)
    return json.loads(versions[-1].read_text(encoding="utf-8")) if versions else None
