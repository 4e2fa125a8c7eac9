"""The place risk forecast: the blend against a direct computation, guard reports out of the target, places,
the hour-of-week profile, the warehouse adapter and the backtest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import h3
import numpy as np
import pandas as pd
import pytest

from analytics import forecast as fc

TARGET = date(2026, 3, 9)  # a Monday


@dataclass(frozen=True)
class Named:
    place_id: str
    name: str
    area_id: str
    lat: float
    lon: float


TORG = Named("p_torg", "Torget", "centrum", 59.8589, 17.6385)
PARK = Named("p_park", "Parken", "centrum", 59.8540, 17.6400)
SKOLA = Named("p_skola", "Skolan", "luthagen", 59.8655, 17.6225)


def incident(
    i: int,
    when: datetime,
    where: Named,
    *,
    weight: float = 2.0,
    role: str | None = "faltassistent",
    source: str = "est_reports",
    north_m: float = 0.0,
) -> dict:
    lat = where.lat + north_m / 111_000
    return {
        "incident_id": f"i{i}",
        "source": source,
        "occurred_at_local": when,
        "h3_cell": h3.latlng_to_cell(lat, where.lon, 9),
        "lat": lat,
        "lon": where.lon,
        "area_id": where.area_id,
        "weight": weight,
        "reporter_role": role,
    }


def test_blend_matches_a_direct_computation_and_guard_reports_are_excluded():
    rng = np.random.default_rng(4)
    weekly_counts = rng.poisson(3, size=10)  # ten weeks of reports at the square, weight 2 each
    rows, i = [], 0
    for week, count in enumerate(weekly_counts):
        monday = datetime.combine(TARGET - timedelta(weeks=10 - week), datetime.min.time())
        for _ in range(count):
            rows.append(incident(i, monday + timedelta(days=4, hours=20), TORG))
            i += 1
        for _ in range(6):  # the guards' own reports, all in the park: they follow the patrols
            rows.append(incident(i, monday + timedelta(days=5, hours=21), PARK, role="vaktare"))
            i += 1
        rows.append(incident(i, monday + timedelta(hours=10), SKOLA, weight=1.0))  # Monday mornings at a school
        i += 1
    forecast = fc.forecast_place_risk(pd.DataFrame(rows), [TORG, PARK, SKOLA], params=fc.ForecastParams(alpha=0.3))

    assert forecast.target_week_start == TARGET and forecast.data_cutoff == datetime(2026, 3, 9)
    assert forecast.n_guard_reports_excluded == 60
    # The park has only guard reports: no target harm, not a place to go.
    assert forecast.places["place_id"].tolist() == ["p_torg", "p_skola"]
    harm = 2.0 * weekly_counts
    decay = 0.5 ** (np.arange(10)[::-1] / 4.0)  # half-life four weeks, newest week weight 1
    expected = 0.3 * harm.mean() + 0.7 * (decay * harm).sum() / decay.sum()
    row = forecast.places.iloc[0]
    assert row["forecast_week_harm"] == pytest.approx(expected)
    assert row["last_week_harm"] == harm[-1] and row["mean_long_run"] == pytest.approx(harm.mean())
    # The week's risk is spread over day × hour and sums back to the weekly forecast; the square's own profile
    # (all Friday 20:00) is shrunk towards the city's (which also has the school's Monday mornings).
    torg = forecast.risk[forecast.risk["place_id"] == "p_torg"]
    assert torg["expected_harm"].sum() == pytest.approx(expected)
    n, m = harm.sum(), fc.ForecastParams().profile_prior_events
    city_friday_20 = n / (n + 10 * 1.0)
    friday_20 = torg.query("day_of_week == 4 and hour == 20")["expected_harm"].item()
    assert friday_20 == pytest.approx(expected * (n + m * city_friday_20) / (n + m))
    monday_10 = torg.query("day_of_week == 0 and hour == 10")["expected_harm"].item()
    assert monday_10 == pytest.approx(expected * m * (1 - city_friday_20) / (n + m))
    assert forecast.day_profile(date(2026, 3, 13))["p_torg"][20] == pytest.approx(friday_20)


def test_incidents_snap_to_named_places_within_the_radius_else_their_h3_cell():
    when = datetime(2026, 3, 2, 18)
    frame = pd.DataFrame([incident(1, when, TORG, north_m=60), incident(2, when, TORG, north_m=900)])
    placed = fc.assign_places(fc.prepare_incidents(frame), fc.gazetteer_frame([TORG]), snap_radius_m=200)
    assert placed["place_id"].tolist() == ["p_torg", "h3_" + frame.loc[1, "h3_cell"]]
    catalogue = fc.place_catalogue(placed, fc.gazetteer_frame([TORG])).set_index("place_id")
    assert catalogue.loc["p_torg", "place_kind"] == "named"
    cell = catalogue.loc["h3_" + frame.loc[1, "h3_cell"]]
    assert cell["place_kind"] == "h3_cell" and cell["area_id"] == "centrum"
    assert fc.haversine_m(cell["lat"], cell["lon"], frame.loc[1, "lat"], frame.loc[1, "lon"]) < 200


def test_bad_input_is_refused_by_the_contract():
    frame = pd.DataFrame([incident(1, datetime(2026, 3, 2, 18), TORG)])
    with pytest.raises(Exception, match="weight"):
        fc.prepare_incidents(frame.assign(weight=-1.0))
    with pytest.raises(Exception, match="source"):
        fc.prepare_incidents(frame.assign(source="rumour"))


def test_the_warehouse_adapter_reads_int_incidents_with_their_weights():
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("""create table intermediate.int_incidents as select * from (values
        ('est_reports', 'r1', timestamp '2026-03-02 18:00', '8908', 59.86, 17.64, 'centrum', 3.0, 'vaktare'),
        ('est_reports', 'r2', timestamp '2026-03-03 19:00', '8908', 59.86, 17.64, 'centrum', 1.0, 'hemtjanst'),
        ('police_crimes', 'k1', timestamp '2026-03-04 20:00', '8908', 59.85, 17.63, 'centrum', 15.0, null),
        ('police_events', 'e1', timestamp '2026-03-04 21:00', null, null, null, null, 4.0, null))
        t(source, incident_id, occurred_at_local, h3_cell, lat, lon, area_id, weight, reporter_role)""")
    incidents = fc.incidents_from_warehouse(con).set_index("incident_id")
    # The marts' weights as they are (a grave assault weighs 15, not a flat 2); sources without points left out.
    assert incidents["weight"].to_dict() == {"r1": 3.0, "r2": 1.0, "k1": 15.0}
    assert incidents.loc["k1", "source"] == "police_crimes" and incidents.loc["r1", "reporter_role"] == "vaktare"


@pytest.mark.xdist_group("guards_platform")
def test_backtest_against_the_naive_baselines(demo_slice_incidents):
    result = fc.backtest(demo_slice_incidents, _demo_places(), origins=3, ks=(5, 10), alphas=(0.5,))
    models = set(result["model"])
    assert {"blend alpha=0.5", "B0 last week", "B1 mean 4 weeks", "B3 mean 52 weeks"} <= models
    assert result[["hit_rate", "harm_capture", "pei"]].stack().between(0, 1).all()
    assert (result["pai"] > 1).all()  # risk is concentrated: any of these beats picking places at random
    # B0 at k=5 in the last week, by hand.
    last = fc.backtest(demo_slice_incidents, _demo_places(), origins=1, ks=(5,), alphas=())
    target, _ = fc.exclude_guard_reports(fc.prepare_incidents(demo_slice_incidents))
    placed = fc.assign_places(target, fc.gazetteer_frame(_demo_places()), 200.0)
    weeks = sorted(placed["week_start"].unique())
    previous = placed[placed["week_start"] == weeks[-2]].groupby("place_id")["weight"].sum()
    top = previous.reset_index().sort_values(["weight", "place_id"], ascending=[False, True])["place_id"][:5]
    final = placed[placed["week_start"] == weeks[-1]]
    b0 = last.set_index("model").loc["B0 last week"]
    assert b0["hit_rate"] == pytest.approx(final["place_id"].isin(set(top)).mean())


def _demo_places():
    from ingest.demo.uppsala import PLACES

    return PLACES


@pytest.mark.xdist_group("guards_platform")
def test_reading_only_recent_weeks_gives_the_same_forecast(tmp_path, demo_slice_incidents):
    """The weekly run reads only the last long_run_weeks (+2) of incidents; the forecast must not change."""
    from tests.guards.conftest import stage_warehouse

    stage_warehouse(tmp_path / "warehouse.duckdb", demo_slice_incidents)
    params = fc.ForecastParams(long_run_weeks=4)  # the slice has 12 weeks, so the recent read drops some
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        everything = fc.incidents_from_warehouse(con)
        recent = fc.incidents_from_warehouse(con, recent_weeks=params.long_run_weeks)
    finally:
        con.close()
    assert 0 < len(recent) < len(everything)
    full = fc.forecast_place_risk(everything, _demo_places(), params=params)
    cut = fc.forecast_place_risk(recent, _demo_places(), params=params)
    assert full.target_week_start == cut.target_week_start
    pd.testing.assert_frame_equal(full.places, cut.places)
    pd.testing.assert_frame_equal(full.risk, cut.risk)
