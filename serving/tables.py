"""Every table the serving snapshot carries, in one place: what the publish asset waits for, what the guard assets
write and what the API may expect. Plain data (no Dagster, no FastAPI), so orchestration, api and tests all read it.

Kinds:

* ``dbt_mart``: the area and place marts (and their public, suppressed copies), checked by the mart checks.
* ``intervention_mart``: interventions and their follow-up (dbt), checked by their dbt tests.
* ``guard``: the guard forecast and plans (orchestration/assets/guards.py), checked by the guard asset checks.
* ``lineage``: row-level lineage for auditors (docs/lineage.md).
* ``audit``: the ledger, quarantine, freshness and check results the status and audit endpoints serve.
* ``reference``: reference tables served next to the marts (areas, Brå context).

Tables ``from_marts`` are copied from the warehouse's ``marts`` schema, so the snapshot waits for them; the others
are computed by the publish asset itself.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("dbt_mart", "intervention_mart", "guard", "lineage", "audit", "reference")


@dataclass(frozen=True)
class PublishedTable:
    name: str
    kind: str
    from_marts: bool  # a table of the warehouse's marts schema (else the publish asset computes it)


def _tables(kind: str, from_marts: bool, *names: str) -> tuple[PublishedTable, ...]:
    return tuple(PublishedTable(name, kind, from_marts) for name in names)


PUBLISHED_TABLES: tuple[PublishedTable, ...] = (
    *_tables(
        "dbt_mart",
        True,
        "fct_area_week",
        "fct_area_tertial",
        "fct_place_week",
        "public_fct_area_week",
        "public_fct_area_tertial",
        "public_fct_place_week",
    ),
    *_tables("intervention_mart", True, "fct_interventions", "fct_intervention_followup"),
    *_tables(
        "guard",
        True,
        "fct_place_risk_forecast",
        "dim_guard_places",
        "dim_guard_map_areas",
        "fct_guard_plan_visits",
        "fct_guard_plan_units",
        "fct_guard_plan_metrics",
    ),
    *_tables("lineage", True, "lineage_incidents"),
    *_tables("lineage", False, "lineage_models"),
    *_tables(
        "audit",
        False,
        "source_freshness",
        "audit_batches",
        "audit_quarantine_summary",
        "audit_quarantine_rows",
        "audit_log",
        "run_checks",
    ),
    *_tables("reference", False, "areas", "bra_indicators"),
)
BY_NAME = {table.name: table for table in PUBLISHED_TABLES}
assert len(BY_NAME) == len(PUBLISHED_TABLES), "a table is registered twice"
assert {t.kind for t in PUBLISHED_TABLES} <= set(KINDS)


def names(*kinds: str, from_marts: bool | None = None) -> tuple[str, ...]:
    """The registered tables of the given kinds (all kinds when none), in registry order."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown table kinds {sorted(unknown)} (known: {', '.join(KINDS)})")
    return tuple(
        t.name
        for t in PUBLISHED_TABLES
        if (not kinds or t.kind in kinds) and (from_marts is None or t.from_marts == from_marts)
    )


def registered(*table_names: str) -> tuple[str, ...]:
    """``table_names`` unchanged, after checking each is a published table (a typo fails at import, not in use)."""
    unknown = [name for name in table_names if name not in BY_NAME]
    if unknown:
        raise KeyError(f"not in serving.tables.PUBLISHED_TABLES: {', '.join(unknown)}")
    return table_names
