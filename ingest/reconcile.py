"""Reconciliation of the raw zone: every batch's ledger row agrees with the rows actually stored.

For each loaded batch of a source:  rows_read = rows_accepted + rows_quarantined, the raw table holds exactly
rows_accepted rows of that batch, and the quarantine exactly rows_quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Reconciliation:
    source: str
    batches: int
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    mismatches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def reconcile(con: duckdb.DuckDBPyConnection, source: str, raw_table: str) -> Reconciliation:
    rows = con.execute(
        f"""
        with stored as (
            select batch_id, count(*) as n from {raw_table} group by batch_id
        ),
        quarantined as (
            select batch_id, count(*) as n from raw.quarantine where source = ? group by batch_id
        )
        select
            b.batch_id, b.source_file, b.rows_read, b.rows_accepted, b.rows_quarantined,
            coalesce(s.n, 0) as stored, coalesce(q.n, 0) as in_quarantine
        from raw.batches b
        left join stored s using (batch_id)
        left join quarantined q using (batch_id)
        where b.source = ? and b.status = 'loaded'
        order by b.batch_seq
        """,  # noqa: S608 (raw_table is a constant of the source spec)
        [source, source],
    ).fetchall()
    mismatches = []
    for batch_id, file, read, accepted, quarantined, stored, in_quarantine in rows:
        if read != accepted + quarantined:
            mismatches.append(f"{file} ({batch_id}): read {read} != accepted {accepted} + quarantined {quarantined}")
        if stored != accepted:
            mismatches.append(f"{file} ({batch_id}): ledger says {accepted} accepted, raw table holds {stored}")
        if in_quarantine != quarantined:
            mismatches.append(
                f"{file} ({batch_id}): ledger says {quarantined} quarantined, quarantine holds {in_quarantine}"
            )
    return Reconciliation(
        source=source,
        batches=len(rows),
        rows_read=sum(r[2] for r in rows),
        rows_accepted=sum(r[3] for r in rows),
        rows_quarantined=sum(r[4] for r in rows),
        mismatches=tuple(mismatches),
    )
