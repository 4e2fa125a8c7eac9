"""What the serving snapshot carries for auditors, besides the lineage mart: plain Python, no Dagster imports.

* ``AUDIT_QUARANTINE_ROWS_QUERY``: every quarantined row with its file, row number and reason codes, but never its
  raw content (which can hold personal data) nor its own id (a malformed id field can hold anything).
* ``AUDIT_LOG_QUERY``: the append-only audit log of data changes (raw.audit_log).
* ``dbt_model_graph``: the dbt models, seeds and sources with what each depends on and the checksum of its code,
  from dbt's manifest, so the lineage endpoint can name every model on the path from the files to a mart.

The queries read the warehouse attached as ``warehouse`` (see ``serving.snapshot.publish_snapshot``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

AUDIT_QUARANTINE_ROWS_QUERY = """
    select batch_id, source, source_file, source_row, reason_code, reason, all_reasons, run_id, quarantined_at
    from warehouse.raw.quarantine
"""

AUDIT_LOG_QUERY = """
    select * exclude (detail), detail
    from warehouse.raw.audit_log
"""

MODEL_GRAPH_COLUMNS = [
    "unique_id",
    "name",
    "resource_type",
    "schema",
    "file_path",
    "checksum",
    "description",
    "depends_on",
]


def dbt_model_graph(manifest_path: Path) -> pd.DataFrame:
    """One row per dbt model, seed and source: its file, code checksum and direct parents (JSON list of ids)."""
    if not Path(manifest_path).exists():
        return pd.DataFrame(columns=MODEL_GRAPH_COLUMNS)
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    rows = []
    for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        if node["resource_type"] not in ("model", "seed", "source"):
            continue
        rows.append(
            {
                "unique_id": node["unique_id"],
                "name": node["name"] if node["resource_type"] != "source" else f"{node['source_name']}.{node['name']}",
                "resource_type": node["resource_type"],
                "schema": node.get("schema"),
                "file_path": node.get("original_file_path"),
                "checksum": (node.get("checksum") or {}).get("checksum"),
                "description": node.get("description") or "",
                "depends_on": json.dumps(sorted((node.get("depends_on") or {}).get("nodes", []))),
            }
        )
    return pd.DataFrame(rows, columns=MODEL_GRAPH_COLUMNS).sort_values("unique_id").reset_index(drop=True)


def upstream_models(graph: pd.DataFrame, name: str) -> list[dict]:
    """The models, seeds and sources a node is built from (itself first, then breadth-first upstream)."""
    by_id = {row["unique_id"]: row for row in graph.to_dict("records")}
    start = [uid for uid, row in by_id.items() if row["name"] == name and row["resource_type"] == "model"]
    seen, order, queue = set(start), [], list(start)
    while queue:
        uid = queue.pop(0)
        row = by_id.get(uid)
        if row is None:
            continue
        order.append(row)
        for parent in json.loads(row["depends_on"]):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return order
