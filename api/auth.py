"""API keys and roles.

Keys are configured in a JSON file (``LAGESBILD_API_KEYS_FILE``; default: the demo configuration shipped in
``api/config/demo_api_keys.json``) that stores only the sha256 of each key, never the key itself::

    {"keys": [{"name": "analytics team", "role": "analyst", "sha256": "<hex digest of the key>"}]}

Clients send the key in the ``X-API-Key`` header (or ``Authorization: Bearer <key>``). Roles:

* ``public``    - the suppressed public marts only (no cell below the suppression threshold)
* ``analyst``   - the full marts, plus recording interventions
* ``scheduler`` - guard scheduling (plans, recording visits) and the weekly marts it plans from
* ``auditor``   - lineage and quarantine summaries, plus the full marts they trace

A missing or unknown key is 401; a known key whose role may not use the endpoint is 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import Depends, HTTPException, Request

ROLES = ("public", "analyst", "scheduler", "auditor")
DEMO_KEYS_FILE = Path(__file__).parent / "config" / "demo_api_keys.json"
# The demo keys, documented in the README and printed by `make demo`. Never use them in production.
DEMO_KEYS = {
    "public": "demo-public-key",
    "analyst": "demo-analyst-key",
    "scheduler": "demo-scheduler-key",
    "auditor": "demo-auditor-key",
}


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def load_keys(path: Path, mtime: float) -> dict[str, Principal]:
    """sha256 → principal, read from the keys file (re-read when the file changes)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    keys: dict[str, Principal] = {}
    for entry in payload.get("keys", []):
        role = entry["role"]
        if role not in ROLES:
            raise ValueError(f"{path}: unknown role {role!r} (known: {', '.join(ROLES)})")
        keys[entry["sha256"].lower()] = Principal(name=entry.get("name", role), role=role)
    return keys


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def authenticate(request: Request) -> Principal:
    key = _presented_key(request)
    if not key:
        raise HTTPException(
            status_code=401, detail="an API key is required (X-API-Key header)", headers={"WWW-Authenticate": "Bearer"}
        )
    path = request.app.state.settings.api_keys_path
    keys = load_keys(path, path.stat().st_mtime)
    digest = hash_key(key)
    for known, principal in keys.items():
        if hmac.compare_digest(known, digest):
            return principal
    raise HTTPException(status_code=401, detail="unknown API key", headers={"WWW-Authenticate": "Bearer"})


def require_roles(*roles: str):
    """A dependency that lets only the given roles through (401 without a valid key, 403 with the wrong role)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def dependency(principal: Principal = Depends(authenticate)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(
                status_code=403,
                detail=f"role {principal.role!r} may not use this endpoint (needs {' or '.join(roles)})",
            )
        return principal

    dependency.roles = frozenset(roles)  # read by the role tests and the role matrix (tests/api/test_roles.py)
    return dependency


def write_keys_file(path: Path, keys: dict[str, str]) -> None:
    """Write a keys file from {role: key} (used to create the demo configuration)."""
    path.write_text(
        json.dumps(
            {"keys": [{"name": f"demo {role}", "role": role, "sha256": hash_key(key)} for role, key in keys.items()]},
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
