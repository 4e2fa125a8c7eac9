"""Next week's risk per place and hour of the week, from incident history (analytics-methods §5, model 1).

The target is harm, not counts: every incident carries the weight the marts count for it (``intermediate.int_incidents``:
EST severity from ``est_categories``, police crime harm from ``harm_weights``), so the harm the guards are sent after is
the harm ``fct_area_week`` reports. Reports made by the mobile guards themselves (EST reports whose ``reporter_role``
is ``vaktare``) are EXCLUDED from the target: they follow the patrols, not the problem, and would otherwise send the
guards back to where they already go (analytics-methods §8, feedback loops).

Model ("place-blend"), per place p:

    weekly harm     ŷ_p = α · mean of the last 52 weeks + (1 − α) · EWMA (half-life 4 weeks)
    hour of week    r̂_p(d, h) = ŷ_p · profile_p(d, h)
    profile         profile_p = (harm_p(d, h) + m · city(d, h)) / (harm_p + m)

where ``city`` is the city-wide day-of-week × hour share of harm and ``m`` pseudo-events pull a place with little
history towards it (a simple empirical-Bayes shrinkage of a sparse 7 × 24 table).

A place is a named place (a gazetteer: an incident within ``snap_radius_m``
of one belongs to the nearest) or else the H3 resolution-9 cell the incident lies in.

Input contract: a DataFrame with the columns of ``INCIDENTS_SCHEMA``. ``incidents_from_warehouse`` builds it from
the warehouse; it is the only function that knows table names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import h3
import numpy as np
import pandas as pd
import pandera.pandas as pa

FORECAST_MODEL = "place-blend-v1"
# The weights are int_incidents' (the marts' harm): stamped on every forecast so a plan says which harm it covers.
WEIGHT_VERSION = "int-incidents-harm"
# Reporter roles whose reports follow the patrols (the guards' own reports, reporter_roles.is_guard); excluded from
# the target.
GUARD_REPORTER_ROLES = frozenset({"vaktare"})
# int_incidents' sources the forecast uses: the ones with points (police open events have none).
SOURCES = ("est_reports", "police_crimes")

INCIDENTS_SCHEMA = pa.DataFrameSchema(
    {
        "incident_id": pa.Column(str),
        "source": pa.Column(str, pa.Check.isin(SOURCES)),
        "occurred_at_local": pa.Column("datetime64[ns]"),  # Europe/Stockholm wall-clock time, no zone
        "h3_cell": pa.Column(str, nullable=True),
        "lat": pa.Column(float, pa.Check.in_range(-90, 90)),
        "lon": pa.Column(float, pa.Check.in_range(-180, 180)),
        "area_id": pa.Column(str, nullable=True),
        "weight": pa.Column(float, pa.Check.ge(0)),  # harm / severity of the incident
        "reporter_role": pa.Column(str, nullable=True),  # EST reports only
    },
    unique=["source", "incident_id"],
    coerce=True,
    strict="filter",
)


@dataclass(frozen=True)
class ForecastParams:
    alpha: float = 0.5  # weight of the long-run mean; the rest goes to the recent EWMA (bench/guards.py tunes it)
    half_life_weeks: float = 4.0
    long_run_weeks: int = 52
    profile_prior_events: float = 20.0  # m: pseudo-events of the city-wide day × hour profile in every place's
    snap_radius_m: float = 200.0
    max_places: int = 200  # the places kept (highest forecast first); the planner's universe

    @property
    def version(self) -> str:
        return (
            f"{FORECAST_MODEL}(alpha={self.alpha:g},half_life={self.half_life_weeks:g}w,"
            f"long_run={self.long_run_weeks}w,m={self.profile_prior_events:g},snap={self.snap_radius_m:g}m,"
            f"{WEIGHT_VERSION})"
        )


@dataclass(frozen=True)
class PlaceRiskForecast:
    """Expected harm per place and hour of the coming week, with what produced it."""

    places: pd.DataFrame  # one row per place (PLACE_COLUMNS), highest forecast first
    risk: pd.DataFrame  # place_id, day_of_week (0 = Monday), hour, expected_harm
    target_week_start: date
    data_cutoff: datetime  # exclusive end of the history used (local time): only incidents before it count
    version: str
    n_incidents_used: int
    n_guard_reports_excluded: int

    def day_profile(self, day: date) -> dict[str, np.ndarray]:
        """Expected harm per hour (24 values) of every place on a given date (by its day of the week)."""
        return day_profiles(self.risk, day)


PLACE_COLUMNS = [
    "place_id",
    "place_name",
    "place_kind",
    "lat",
    "lon",
    "area_id",
    "forecast_week_harm",
    "mean_long_run",
    "ewma_recent",
    "last_week_harm",
    "incidents_long_run",
    "rank",
]


def day_profiles(risk: pd.DataFrame, day: date) -> dict[str, np.ndarray]:
    """{place_id: 24 hourly expected harm} for the day of the week of ``day``, from a long risk table."""
    rows = risk[risk["day_of_week"] == day.weekday()]
    table = rows.pivot_table(index="place_id", columns="hour", values="expected_harm", aggfunc="sum")
    table = table.reindex(columns=range(24), fill_value=0.0).fillna(0.0)
    return {place_id: values.astype(float) for place_id, values in zip(table.index, table.to_numpy(), strict=True)}


# ---------------------------------------------------------------------------------------------------------------
# Incidents → places and weeks
# ---------------------------------------------------------------------------------------------------------------


def prepare_incidents(incidents: pd.DataFrame) -> pd.DataFrame:
    """Validate the input contract (pandera) and add ``week_start`` (Monday of the local ISO week)."""
    frame = INCIDENTS_SCHEMA.validate(incidents.copy())
    local = frame["occurred_at_local"]
    frame["week_start"] = local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")
    return frame.reset_index(drop=True)


def exclude_guard_reports(incidents: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The forecasting target: everything except the guards' own EST reports. Returns (target, n excluded)."""
    guard = (incidents["source"] == "est_reports") & incidents["reporter_role"].isin(GUARD_REPORTER_ROLES)
    return incidents[~guard].reset_index(drop=True), int(guard.sum())


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres (broadcasting)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def gazetteer_frame(named_places: Iterable) -> pd.DataFrame:
    """Named places (objects with place_id, name, area_id, lat, lon) as a DataFrame."""
    rows = [
        {"place_id": p.place_id, "place_name": p.name, "area_id": p.area_id, "lat": float(p.lat), "lon": float(p.lon)}
        for p in named_places
    ]
    return pd.DataFrame(rows, columns=["place_id", "place_name", "area_id", "lat", "lon"])


def assign_places(incidents: pd.DataFrame, gazetteer: pd.DataFrame, snap_radius_m: float) -> pd.DataFrame:
    """Add ``place_id``: the nearest named place within the radius, else ``h3_<cell>``."""
    frame = incidents.copy()
    place_ids = np.array(["h3_" + str(c) for c in frame["h3_cell"]], dtype=object)
    if len(gazetteer) and len(frame):
        distance = haversine_m(
            frame["lat"].to_numpy()[:, None],
            frame["lon"].to_numpy()[:, None],
            gazetteer["lat"].to_numpy()[None, :],
            gazetteer["lon"].to_numpy()[None, :],
        )
        nearest = distance.argmin(axis=1)
        snapped = distance[np.arange(len(frame)), nearest] <= snap_radius_m
        place_ids[snapped] = gazetteer["place_id"].to_numpy()[nearest[snapped]]
    frame["place_id"] = place_ids
    # An incident without an H3 cell that is near no named place has no place.
    return frame[frame["place_id"] != "h3_None"].reset_index(drop=True)


def place_catalogue(placed: pd.DataFrame, gazetteer: pd.DataFrame) -> pd.DataFrame:
    """Name, kind, point and area of every place in ``placed``: the gazetteer's, or the H3 cell's centre."""
    ids = sorted(placed["place_id"].unique())
    named = gazetteer.set_index("place_id")
    # A cell's area: the one most of its incidents were placed in (cells on a boundary straddle two).
    pairs = placed.groupby(["place_id", "area_id"]).size().rename("n").reset_index()
    usual_area = (
        pairs.sort_values(["n", "area_id"], ascending=[False, True])
        .drop_duplicates("place_id")
        .set_index("place_id")["area_id"]
    )
    rows = []
    for place_id in ids:
        if place_id in named.index:
            g = named.loc[place_id]
            rows.append((place_id, g["place_name"], "named", float(g["lat"]), float(g["lon"]), g["area_id"]))
        else:
            cell = place_id.removeprefix("h3_")
            lat, lon = h3.cell_to_latlng(cell)
            rows.append((place_id, f"H3 {cell}", "h3_cell", lat, lon, usual_area.get(place_id)))
    return pd.DataFrame(rows, columns=["place_id", "place_name", "place_kind", "lat", "lon", "area_id"])


def weekly_matrix(placed: pd.DataFrame, weeks: pd.DatetimeIndex, value: str | None = "weight") -> pd.DataFrame:
    """Weeks × places: summed ``value`` (harm) per place and week, or counts when ``value`` is None."""
    if value is None:
        table = placed.groupby(["week_start", "place_id"]).size()
    else:
        table = placed.groupby(["week_start", "place_id"])[value].sum()
    wide = table.unstack("place_id", fill_value=0.0) if len(table) else pd.DataFrame(index=weeks)
    return wide.reindex(index=weeks, fill_value=0.0).fillna(0.0).astype(float)


def week_range(first: pd.Timestamp, end_exclusive: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(first, end_exclusive - pd.Timedelta(days=7), freq="7D")


# ---------------------------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------------------------


def blend_components(weekly: pd.DataFrame, params: ForecastParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per row t: the long-run mean and the EWMA of weeks ≤ t (the forecast for week t + 1 uses row t)."""
    long_run = weekly.rolling(params.long_run_weeks, min_periods=1).mean()
    recent = weekly.ewm(halflife=params.half_life_weeks, adjust=True).mean()
    return long_run, recent


def blend(long_run: pd.DataFrame, recent: pd.DataFrame, alpha: float) -> pd.DataFrame:
    return alpha * long_run + (1.0 - alpha) * recent


def hour_of_week_profiles(placed: pd.DataFrame, place_ids: Sequence[str], prior_events: float) -> np.ndarray:
    """(places, 7, 24) shares of each place's harm by day of week and hour, shrunk towards the city's profile."""
    day = placed["occurred_at_local"].dt.weekday.to_numpy()
    hour = placed["occurred_at_local"].dt.hour.to_numpy()
    weight = placed["weight"].to_numpy(float)
    city = np.zeros((7, 24))
    np.add.at(city, (day, hour), weight)
    city = city / city.sum() if city.sum() > 0 else np.full((7, 24), 1 / 168)
    index = {p: i for i, p in enumerate(place_ids)}
    rows = placed["place_id"].map(index)
    keep = rows.notna().to_numpy()
    own = np.zeros((len(place_ids), 7, 24))
    np.add.at(own, (rows[keep].astype(int).to_numpy(), day[keep], hour[keep]), weight[keep])
    totals = own.sum(axis=(1, 2))
    return (own + prior_events * city[None]) / (totals + prior_events)[:, None, None]


def forecast_place_risk(
    incidents: pd.DataFrame,
    named_places: Iterable = (),
    *,
    target_week_start: date | None = None,
    params: ForecastParams = ForecastParams(),
) -> PlaceRiskForecast:
    """Expected harm per place × day of week × hour for the target week (default: the week after the data)."""
    frame = prepare_incidents(incidents)
    if target_week_start is None:
        if frame.empty:
            raise ValueError("no incidents: give target_week_start to forecast an empty history")
        target_week_start = (frame["week_start"].max() + pd.Timedelta(days=7)).date()
    target = pd.Timestamp(target_week_start)
    if target.weekday() != 0:
        raise ValueError(f"target_week_start must be a Monday, got {target_week_start}")
    history = frame[frame["occurred_at_local"] < target]
    history = history[history["week_start"] >= target - pd.Timedelta(weeks=params.long_run_weeks)]
    history, n_excluded = exclude_guard_reports(history)
    gazetteer = gazetteer_frame(named_places)
    placed = assign_places(history, gazetteer, params.snap_radius_m)
    empty = PlaceRiskForecast(
        pd.DataFrame(columns=PLACE_COLUMNS),
        pd.DataFrame(columns=["place_id", "day_of_week", "hour", "expected_harm"]),
        target_week_start,
        target.to_pydatetime(),
        params.version,
        0,
        n_excluded,
    )
    if placed.empty:
        return empty

    weeks = week_range(placed["week_start"].min(), target)
    weekly = weekly_matrix(placed, weeks)
    long_run, recent = blend_components(weekly, params)
    catalogue = place_catalogue(placed, gazetteer).set_index("place_id").loc[weekly.columns].reset_index()
    catalogue["mean_long_run"] = long_run.iloc[-1].to_numpy()
    catalogue["ewma_recent"] = recent.iloc[-1].to_numpy()
    catalogue["forecast_week_harm"] = blend(long_run.iloc[[-1]], recent.iloc[[-1]], params.alpha).iloc[0].to_numpy()
    catalogue["last_week_harm"] = weekly.iloc[-1].to_numpy()
    catalogue["incidents_long_run"] = placed.groupby("place_id").size().reindex(weekly.columns).to_numpy()
    catalogue = (
        catalogue[catalogue["forecast_week_harm"] > 0]
        .sort_values(["forecast_week_harm", "place_id"], ascending=[False, True])
        .head(params.max_places)
        .reset_index(drop=True)
    )
    catalogue["rank"] = np.arange(1, len(catalogue) + 1)

    profiles = hour_of_week_profiles(placed, catalogue["place_id"].tolist(), params.profile_prior_events)
    expected = profiles * catalogue["forecast_week_harm"].to_numpy()[:, None, None]
    place_idx, day_idx, hour_idx = np.meshgrid(np.arange(len(catalogue)), np.arange(7), np.arange(24), indexing="ij")
    risk = pd.DataFrame(
        {
            "place_id": catalogue["place_id"].to_numpy()[place_idx.ravel()],
            "day_of_week": day_idx.ravel(),
            "hour": hour_idx.ravel(),
            "expected_harm": expected.ravel(),
        }
    )
    return PlaceRiskForecast(
        catalogue[PLACE_COLUMNS],
        risk,
        target_week_start,
        target.to_pydatetime(),
        params.version,
        len(placed),
        n_excluded,
    )


# ---------------------------------------------------------------------------------------------------------------
# Backtest against the naive baselines (§5 B0-B3, §7d hit rate / PAI / PEI at fixed k)
# ---------------------------------------------------------------------------------------------------------------


def backtest(
    incidents: pd.DataFrame,
    named_places: Iterable = (),
    *,
    origins: int = 26,
    ks: Sequence[int] = (5, 10, 20),
    alphas: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
    params: ForecastParams = ForecastParams(),
) -> pd.DataFrame:
    """Rolling-origin backtest: forecast each of the last ``origins`` weeks from the weeks before it.

    For every model and k: the mean over weeks of the hit rate (share of the week's incidents at the k places the
    model ranked highest), harm capture (the same, harm-weighted), PAI (hit rate ÷ the share of places k is; every
    place is about one H3 cell, so this is the area share) and PEI (captured harm ÷ the most any k places held).
    """
    frame = prepare_incidents(incidents)
    target, _ = exclude_guard_reports(frame)
    placed = assign_places(target, gazetteer_frame(named_places), params.snap_radius_m)
    weeks = week_range(placed["week_start"].min(), placed["week_start"].max() + pd.Timedelta(days=7))
    harm = weekly_matrix(placed, weeks)
    counts = weekly_matrix(placed, weeks, value=None).reindex(columns=harm.columns, fill_value=0.0)
    long_run, recent = blend_components(harm, params)
    models: dict[str, pd.DataFrame] = {f"blend alpha={a:g}": blend(long_run, recent, a) for a in alphas}
    models["B0 last week"] = harm
    models["B1 mean 4 weeks"] = harm.rolling(4, min_periods=1).mean()
    models["B1 mean 8 weeks"] = harm.rolling(8, min_periods=1).mean()
    models["B3 mean 52 weeks"] = harm.rolling(52, min_periods=1).mean()
    if len(weeks) > 52 + origins:
        models["B2 same week last year"] = harm.shift(51)  # row t predicts t + 1 = the week 52 weeks before it

    seen = (counts.cumsum() > 0).sum(axis=1)  # places with any incident so far: the area denominator
    first_origin = max(8, len(weeks) - origins)
    rows = []
    for name, forecast in models.items():
        for t in range(first_origin, len(weeks)):
            predicted = forecast.iloc[t - 1].fillna(0.0)
            order = np.lexsort((predicted.index.to_numpy(), -predicted.to_numpy()))
            realised_n, realised_h = counts.iloc[t].to_numpy(), harm.iloc[t].to_numpy()
            if realised_n.sum() == 0:
                continue
            best_h = np.sort(realised_h)[::-1]
            for k in ks:
                top = order[:k]
                hit_rate = realised_n[top].sum() / realised_n.sum()
                rows.append(
                    {
                        "model": name,
                        "k": k,
                        "week_start": weeks[t].date(),
                        "hit_rate": hit_rate,
                        "harm_capture": realised_h[top].sum() / realised_h.sum(),
                        "pai": hit_rate / (k / max(int(seen.iloc[t - 1]), k)),
                        "pei": realised_h[top].sum() / best_h[:k].sum(),
                    }
                )
    result = pd.DataFrame(rows)
    return (
        result.groupby(["model", "k"])[["hit_rate", "harm_capture", "pai", "pei"]]
        .mean()
        .join(result.groupby(["model", "k"]).size().rename("weeks"))
        .reset_index()
    )


# ---------------------------------------------------------------------------------------------------------------
# The warehouse adapter (the only code that knows table names)
# ---------------------------------------------------------------------------------------------------------------

# The incidents and weights the marts count (fct_area_week sums int_incidents.weight by source), nothing re-derived.
WAREHOUSE_INCIDENTS_SQL = f"""
select incident_id, source, occurred_at_local, h3_cell, lat, lon, area_id, weight, reporter_role
from intermediate.int_incidents
where source in ({", ".join(f"'{source}'" for source in SOURCES)})
"""


def incidents_from_warehouse(con: duckdb.DuckDBPyConnection, recent_weeks: int | None = None) -> pd.DataFrame:
    """The forecast's input (INCIDENTS_SCHEMA) from ``intermediate.int_incidents``; with ``recent_weeks``, only the
    incidents of the last ``recent_weeks`` + 2 weeks before the newest one (a superset of what
    ``forecast_place_risk`` uses, so the forecast is the same, but the weekly run no longer reads, converts and
    validates ten years of history to use one)."""
    if recent_weeks is None:
        return INCIDENTS_SCHEMA.validate(con.execute(WAREHOUSE_INCIDENTS_SQL).df())
    recent = f"""
        with incidents as ({WAREHOUSE_INCIDENTS_SQL})
        select * from incidents
        where occurred_at_local >= (select max(occurred_at_local) from incidents) - to_weeks(?)
    """
    return INCIDENTS_SCHEMA.validate(con.execute(recent, [recent_weeks + 2]).df())


def next_monday(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())
