"""Follow-up of interventions: before/after counts in the target, a displacement buffer and comparison units, the
weighted displacement difference (Wheeler & Ratcliffe 2018) and a plain-language verdict. Plain Python, no Dagster:
the dbt Python model ``fct_intervention_followup`` calls ``follow_up``; the statistics are unit-tested on their own.

Design (docs/interventions.md has the full rules and their caveats):

* Windows: ``window_weeks`` ISO weeks before the week the intervention starts (pre) and as many from that week on
  (post). The verdict is "too early" until the post window has been observed completely.
* Units: interventions with H3 cells or places are followed up on H3 cells (a named place = its cell and the ring
  around it, where its geocoded incidents fall); interventions with only an area, on areas.
* Buffer (displacement zone): the cells within ``buffer_rings`` rings around the target cells, or the areas that
  share a border with the target area.
* Comparison (control) units, one documented rule: each target (buffer) unit with incidents before is matched to the
  unused candidate unit whose pre-window count is closest (ties: lowest id). Candidates are units of the same kind
  outside the target, the buffer and one more ring (cells) or the neighbours (areas), and outside the target and
  buffer of every other intervention whose dates overlap this one's windows. Matching on pre-window counts lets the
  comparison share the target's regression to the mean, which a hot-spot selection invites.
* WDD = ΔT − ΔCt + ΔD − ΔCd with Δ = post − pre, Var(WDD) = the sum of the eight counts (Poisson), z = WDD/√Var;
  negative = fewer incidents net of displacement. The target and the buffer are also tested on their own against
  their comparison: (ΔT − ΔCt)/√(T0+T1+Ct0+Ct1), and the same for the buffer.
* Counts exclude incidents reported by guards (their reports rise with their presence; analytics-methods §8).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import h3
import numpy as np
import pandas as pd
from scipy import stats

FOLLOWUP_VERSION = "followup-v1"

VERDICTS = (
    "too early",
    "too few incidents to tell",
    "no detectable change",
    "decrease, likely real",
    "increase, likely real",
    "possible displacement",
    "cancelled",
)


@dataclass(frozen=True)
class FollowupParams:
    window_weeks: int = 8
    place_footprint_rings: int = 1  # a named place's target = its cell and this many rings (geocoding scatter)
    buffer_rings: int = 2  # the displacement buffer: cells within this many rings around the target
    confidence: float = 0.95  # two-sided
    min_incidents: int = 10  # fewer target incidents before + after than this: "too few incidents to tell"

    @property
    def z_critical(self) -> float:
        return float(stats.norm.ppf(0.5 + self.confidence / 2))


@dataclass(frozen=True)
class Wdd:
    wdd: float
    variance: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float


def weighted_displacement_difference(
    t0: float, t1: float, ct0: float, ct1: float, d0: float, d1: float, cd0: float, cd1: float, confidence: float = 0.95
) -> Wdd:
    """Wheeler & Ratcliffe (2018): WDD = ΔT − ΔCt + ΔD − ΔCd, Var = sum of the eight counts, z = WDD/√Var."""
    value = (t1 - t0) - (ct1 - ct0) + (d1 - d0) - (cd1 - cd0)
    return _normal_test(value, t0 + t1 + ct0 + ct1 + d0 + d1 + cd0 + cd1, confidence)


def difference_in_differences(t0: float, t1: float, c0: float, c1: float, confidence: float = 0.95) -> Wdd:
    """(post − pre in the unit) − (post − pre in its comparison), Poisson variance: one part of the WDD alone."""
    return _normal_test((t1 - t0) - (c1 - c0), t0 + t1 + c0 + c1, confidence)


def _normal_test(value: float, variance: float, confidence: float) -> Wdd:
    if variance <= 0:
        return Wdd(float(value), 0.0, float("nan"), float("nan"), float("nan"), float("nan"))
    se = float(np.sqrt(variance))
    z = value / se
    half = float(stats.norm.ppf(0.5 + confidence / 2)) * se
    return Wdd(float(value), float(variance), float(z), float(2 * stats.norm.sf(abs(z))), value - half, value + half)


def verdict(
    *,
    post_complete: bool,
    cancelled: bool,
    target: Wdd,
    buffer: Wdd,
    total: Wdd,
    target_incidents: float,
    params: FollowupParams,
) -> str:
    """The plain-language reading, never stronger than the tests: a claim needs |z| beyond the critical value."""
    zc = params.z_critical
    if cancelled:
        return "cancelled"
    if not post_complete:
        return "too early"
    if target_incidents < params.min_incidents:
        return "too few incidents to tell"
    if buffer.z >= zc and target.wdd < 0:
        return "possible displacement"
    if target.z <= -zc and total.z <= -zc:
        return "decrease, likely real"
    if target.z >= zc:
        return "increase, likely real"
    return "no detectable change"


# ---------------------------------------------------------------------------------------------------------------
# Targets, buffers and comparison units
# ---------------------------------------------------------------------------------------------------------------


def place_cells(place_ids: list[str], gazetteer: pd.DataFrame, params: FollowupParams) -> list[str]:
    """Cells of the targeted places: h3_<cell> is that cell; a named place is its cell plus its footprint rings."""
    located = gazetteer.set_index("place_id")
    cells: set[str] = set()
    for place_id in place_ids:
        if place_id.startswith("h3_"):
            cells.add(place_id.removeprefix("h3_"))
        elif place_id in located.index:
            row = located.loc[place_id]
            centre = h3.latlng_to_cell(float(row["lat"]), float(row["lon"]), 9)
            cells.update(h3.grid_disk(centre, params.place_footprint_rings))
    return sorted(cells)


def cell_buffer(cells: list[str], rings: int) -> list[str]:
    around = set().union(*(h3.grid_disk(c, rings) for c in cells)) if cells else set()
    return sorted(around - set(cells))


def area_neighbours(areas: pd.DataFrame) -> dict[str, set[str]]:
    """Areas sharing a border (polygons that touch or overlap by less than a sliver), from WKT."""
    import shapely

    geoms = shapely.from_wkt(areas["geometry_wkt"].to_numpy())
    ids = areas["area_id"].tolist()
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    neighbours: dict[str, set[str]] = {area: set() for area in ids}
    for i, j in zip(*pairs, strict=True):
        if i != j:
            neighbours[ids[i]].add(ids[j])
    return neighbours


def match_controls(units: pd.Series, candidates: pd.Series) -> list[str]:
    """For each unit with a pre count > 0 (largest first), the unused candidate with the closest pre count."""
    pool = candidates.sort_index()
    chosen: list[str] = []
    for _, count in units[units > 0].sort_values(ascending=False, kind="stable").items():
        if pool.empty:
            break
        pick = (pool - count).abs().sort_values(kind="stable").index[0]
        chosen.append(pick)
        pool = pool.drop(pick)
    return chosen


# ---------------------------------------------------------------------------------------------------------------
# The follow-up table
# ---------------------------------------------------------------------------------------------------------------


def window_sums(incidents: pd.DataFrame, unit: str, first: date, last: date) -> pd.DataFrame:
    """Incidents and harm per unit in [first, last) (week starts)."""
    rows = incidents[
        (incidents["week_start"] >= pd.Timestamp(first))
        & (incidents["week_start"] < pd.Timestamp(last))
        & incidents[unit].notna()
    ]
    return rows.groupby(unit).agg(n=("weight", "size"), harm=("weight", "sum"))


def _total(table: pd.DataFrame, units, column: str) -> float:
    return float(table[column].reindex(list(units)).fillna(0).sum())


@dataclass
class Target:
    kind: str  # cells | area
    units: list[str]
    buffer: list[str]
    exclusion: set[str]  # units no comparison may come from


def targets_of(
    interventions: pd.DataFrame, gazetteer: pd.DataFrame, neighbours: dict[str, set[str]], params: FollowupParams
) -> dict[str, Target]:
    result = {}
    for row in interventions.itertuples(index=False):
        cells = sorted(set(_split(row.h3_cells)) | set(place_cells(_split(row.place_ids), gazetteer, params)))
        if cells:
            buffer = cell_buffer(cells, params.buffer_rings)
            exclusion = set(cells) | set(cell_buffer(cells, params.buffer_rings + 1))
            result[row.intervention_id] = Target("cells", cells, buffer, exclusion)
        elif isinstance(row.area_id, str):
            buffer = sorted(neighbours.get(row.area_id, set()))
            result[row.intervention_id] = Target("area", [row.area_id], buffer, {row.area_id, *buffer})
    return result


def _split(value) -> list[str]:
    return [] if not isinstance(value, str) or not value else value.split(";")


def follow_up(
    interventions: pd.DataFrame,
    incidents: pd.DataFrame,
    areas: pd.DataFrame,
    gazetteer: pd.DataFrame,
    as_of: date,
    params: FollowupParams = FollowupParams(),
) -> pd.DataFrame:
    """One row per intervention with a target.

    interventions: intervention_id, intervention_type, area_id, h3_cells, place_ids (';'-joined), start_date,
    status. incidents: week_start, area_id, h3_cell, weight, is_guard_generated. areas: area_id, geometry_wkt.
    gazetteer: place_id, lat, lon. ``as_of``: the Monday after the last week of data.
    """
    incidents = incidents[~incidents["is_guard_generated"].astype(bool)].copy()
    incidents["week_start"] = pd.to_datetime(incidents["week_start"])
    neighbours = area_neighbours(areas)
    targets = targets_of(interventions, gazetteer, neighbours, params)
    weeks = timedelta(weeks=params.window_weeks)
    spans = {}
    for row in interventions.itertuples(index=False):
        start_week = _monday(row.start_date)
        spans[row.intervention_id] = (start_week - weeks, start_week + weeks)

    rows = []
    for row in interventions.itertuples(index=False):
        target = targets.get(row.intervention_id)
        if target is None:
            continue
        first, last = spans[row.intervention_id]
        start_week = first + weeks
        unit = "h3_cell" if target.kind == "cells" else "area_id"
        pre = window_sums(incidents, unit, first, start_week)
        post = window_sums(incidents, unit, start_week, last)
        # Units of other interventions whose windows overlap this one's are no comparison.
        busy = set(target.exclusion)
        for other_id, other in targets.items():
            other_first, other_last = spans[other_id]
            if (
                other_id != row.intervention_id
                and other.kind == target.kind
                and other_first < last
                and first < other_last
            ):
                busy |= set(other.units) | set(other.buffer)
        candidates = (
            pre["n"].add(post["n"], fill_value=0).index.difference(sorted(busy))
            if target.kind == "cells"
            else pd.Index([a for a in areas["area_id"] if a not in busy])
        )
        pre_n = pre["n"].reindex(candidates).fillna(0)
        control_target = match_controls(pre["n"].reindex(target.units).fillna(0), pre_n)
        control_buffer = match_controls(
            pre["n"].reindex(target.buffer).fillna(0), pre_n.drop(control_target, errors="ignore")
        )

        counts = {}
        for name, units in (
            ("target", target.units),
            ("buffer", target.buffer),
            ("control_target", control_target),
            ("control_buffer", control_buffer),
        ):
            for period, table in (("pre", pre), ("post", post)):
                counts[f"{name}_{period}"] = _total(table, units, "n")
                counts[f"{name}_harm_{period}"] = round(_total(table, units, "harm"), 4)
        c = counts
        total = weighted_displacement_difference(
            c["target_pre"],
            c["target_post"],
            c["control_target_pre"],
            c["control_target_post"],
            c["buffer_pre"],
            c["buffer_post"],
            c["control_buffer_pre"],
            c["control_buffer_post"],
            params.confidence,
        )
        in_target = difference_in_differences(
            c["target_pre"], c["target_post"], c["control_target_pre"], c["control_target_post"], params.confidence
        )
        in_buffer = difference_in_differences(
            c["buffer_pre"], c["buffer_post"], c["control_buffer_pre"], c["control_buffer_post"], params.confidence
        )
        observed = max(0, min(params.window_weeks, (as_of - start_week).days // 7))
        reading = verdict(
            post_complete=observed >= params.window_weeks,
            cancelled=row.status == "cancelled",
            target=in_target,
            buffer=in_buffer,
            total=total,
            target_incidents=c["target_pre"] + c["target_post"],
            params=params,
        )
        rows.append(
            {
                "intervention_id": row.intervention_id,
                "intervention_type": row.intervention_type,
                "area_id": row.area_id if isinstance(row.area_id, str) else None,
                "start_date": pd.Timestamp(row.start_date).date(),
                "unit_kind": target.kind,
                "pre_window_start": first,
                "post_window_start": start_week,
                "post_window_end": last - timedelta(days=1),
                "window_weeks": params.window_weeks,
                "post_weeks_observed": observed,
                "n_target_units": len(target.units),
                "n_buffer_units": len(target.buffer),
                "control_target_units": ";".join(control_target),
                "control_buffer_units": ";".join(control_buffer),
                **counts,
                "target_did": in_target.wdd,
                "target_z": in_target.z,
                "target_p": in_target.p_value,
                "buffer_did": in_buffer.wdd,
                "buffer_z": in_buffer.z,
                "buffer_p": in_buffer.p_value,
                "wdd": total.wdd,
                "wdd_variance": total.variance,
                "wdd_z": total.z,
                "wdd_p": total.p_value,
                "wdd_ci_low": total.ci_low,
                "wdd_ci_high": total.ci_high,
                "verdict": reading,
                "verdict_detail": explain(reading, c, total, params, observed),
                "as_of_week_start": as_of - timedelta(weeks=1),
                "followup_version": FOLLOWUP_VERSION,
                "followup_params": str(asdict(params)),
            }
        )
    return pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)


def explain(reading: str, c: dict, total: Wdd, params: FollowupParams, observed: int) -> str:
    """One sentence a meeting can read, with the numbers behind the verdict and its uncertainty."""
    w = params.window_weeks
    if reading == "cancelled":
        return "Cancelled: not followed up."
    counts = (
        f"Target {c['target_pre']:.0f} → {c['target_post']:.0f} incidents "
        f"(comparison {c['control_target_pre']:.0f} → {c['control_target_post']:.0f}); buffer "
        f"{c['buffer_pre']:.0f} → {c['buffer_post']:.0f} (comparison {c['control_buffer_pre']:.0f} → "
        f"{c['control_buffer_post']:.0f}); {w} weeks before vs {w} weeks from the start."
    )
    if reading == "too early":
        return f"Too early: {observed} of {w} weeks after the start observed. " + counts
    level = round(params.confidence * 100)
    numbers = (
        (f" WDD {total.wdd:+.0f} ({level} % CI {total.ci_low:+.0f} to {total.ci_high:+.0f}, z {total.z:+.1f}).")
        if np.isfinite(total.z)
        else ""
    )
    caveat = " A before/after comparison, not an experiment: other changes at the same time may explain part of it."
    return counts + numbers + caveat


def _monday(value) -> date:
    day = pd.Timestamp(value).date()
    return day - timedelta(days=day.weekday())


FOLLOWUP_COLUMNS = [
    "intervention_id",
    "intervention_type",
    "area_id",
    "start_date",
    "unit_kind",
    "pre_window_start",
    "post_window_start",
    "post_window_end",
    "window_weeks",
    "post_weeks_observed",
    "n_target_units",
    "n_buffer_units",
    "control_target_units",
    "control_buffer_units",
    *[
        f"{name}_{kind}{period}"
        for name in ("target", "buffer", "control_target", "control_buffer")
        for kind in ("", "harm_")
        for period in ("pre", "post")
    ],
    "target_did",
    "target_z",
    "target_p",
    "buffer_did",
    "buffer_z",
    "buffer_p",
    "wdd",
    "wdd_variance",
    "wdd_z",
    "wdd_p",
    "wdd_ci_low",
    "wdd_ci_high",
    "verdict",
    "verdict_detail",
    "as_of_week_start",
    "followup_version",
    "followup_params",
]


# ---------------------------------------------------------------------------------------------------------------
# int_interventions: recorded interventions plus guard presence from guard visits
# ---------------------------------------------------------------------------------------------------------------

GUARD_EPISODE_GAP_DAYS = 7  # visits to a place with gaps of at most a week are one guard-presence intervention
INTERVENTION_COLUMNS = [
    "intervention_id",
    "origin",
    "intervention_type",
    "type_label_sv",
    "organisation",
    "area_id",
    "h3_cells",
    "place_ids",
    "target_cells",
    "start_date",
    "end_date",
    "decided_week_start",
    "reason_code",
    "reason_ref",
    "status",
    "revision",
    "n_versions",
    "n_guard_visits",
]


def guard_presence(visits: pd.DataFrame, gazetteer: pd.DataFrame) -> pd.DataFrame:
    """Guard visits → one guard_presence intervention per place and run of visits (gaps ≤ a week)."""
    if visits.empty:
        return pd.DataFrame(columns=INTERVENTION_COLUMNS)
    areas = gazetteer.set_index("place_id")["area_id"].to_dict()
    visits = visits.assign(visit_date=pd.to_datetime(visits["visit_date"])).sort_values(["place_id", "visit_date"])
    gap = visits.groupby("place_id")["visit_date"].diff() > pd.Timedelta(days=GUARD_EPISODE_GAP_DAYS)
    visits["episode"] = gap.groupby(visits["place_id"]).cumsum()
    rows = []
    for (place_id, _), group in visits.groupby(["place_id", "episode"], sort=True):
        first, last = group["visit_date"].min().date(), group["visit_date"].max().date()
        plans = group["plan_id"].dropna()
        rows.append(
            {
                "intervention_id": f"guard:{place_id}:{first.isoformat()}",
                "origin": "guard_visits",
                "intervention_type": "guard_presence",
                "organisation": "Mobila väktare (bevakningsplan)",
                "area_id": areas.get(place_id),
                "h3_cells": None,
                "place_ids": place_id,
                "start_date": first,
                "end_date": last,
                "decided_week_start": None,
                "reason_code": "guard_plan",
                "reason_ref": plans.iloc[0] if len(plans) else None,
                "status": "completed",
                "revision": None,
                "n_versions": None,
                "n_guard_visits": len(group),
            }
        )
    return pd.DataFrame(rows)


def build_interventions(
    recorded: pd.DataFrame,
    visits: pd.DataFrame,
    gazetteer: pd.DataFrame,
    type_labels: dict[str, str],
    params: FollowupParams = FollowupParams(),
) -> pd.DataFrame:
    """The union of recorded interventions and guard presence, with every target resolved to H3 cells."""
    recorded = recorded.assign(origin="recorded", n_guard_visits=None)
    frames = [f for f in (recorded, guard_presence(visits, gazetteer)) if len(f)]
    if not frames:
        return pd.DataFrame(columns=INTERVENTION_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table["type_label_sv"] = table["intervention_type"].map(type_labels)
    table["target_cells"] = [
        ";".join(sorted(set(_split(cells)) | set(place_cells(_split(places), gazetteer, params)))) or None
        for cells, places in zip(table["h3_cells"], table["place_ids"], strict=True)
    ]
    for name in ("start_date", "end_date", "decided_week_start"):
        table[name] = pd.to_datetime(table[name]).dt.date
    for name in ("revision", "n_versions", "n_guard_visits"):
        table[name] = pd.array(table[name], dtype="Int64")
    return table[INTERVENTION_COLUMNS].sort_values("intervention_id").reset_index(drop=True)


def as_of_week(incidents: pd.DataFrame) -> date:
    """The Monday after the last week with data: the follow-up's "now" (rebuilds of old weeks stay reproducible)."""
    if incidents.empty:
        return _monday(date.today())
    return pd.Timestamp(incidents["week_start"].max()).date() + timedelta(weeks=1)


# ---------------------------------------------------------------------------------------------------------------
# Column types of the two tables, so that they build with the right types even when empty (no interventions yet)
# ---------------------------------------------------------------------------------------------------------------


def _types(columns: list[str], special: dict[str, str], default: str) -> dict[str, str]:
    return {name: special.get(name, default) for name in columns}


INTERVENTION_TYPES = _types(
    INTERVENTION_COLUMNS,
    {
        "start_date": "date",
        "end_date": "date",
        "decided_week_start": "date",
        "revision": "integer",
        "n_versions": "integer",
        "n_guard_visits": "integer",
    },
    "varchar",
)
FOLLOWUP_TYPES = _types(
    FOLLOWUP_COLUMNS,
    {
        **{
            name: "varchar"
            for name in (
                "intervention_id",
                "intervention_type",
                "area_id",
                "unit_kind",
                "control_target_units",
                "control_buffer_units",
                "verdict",
                "verdict_detail",
                "followup_version",
                "followup_params",
            )
        },
        **{
            name: "date"
            for name in ("start_date", "pre_window_start", "post_window_start", "post_window_end", "as_of_week_start")
        },
        **{name: "integer" for name in ("window_weeks", "post_weeks_observed", "n_target_units", "n_buffer_units")},
    },
    "double",
)


def sql_casts(types: dict[str, str]) -> str:
    """A projection that casts every column to its type (a dbt Python model returns ``from_df(...).project(...)``)."""
    return ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in types.items())
