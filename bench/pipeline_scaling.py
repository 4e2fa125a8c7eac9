"""What the platform costs as data grows: full rebuilds, the hand-written limit, a pandas peer and the weekly refresh.

    make bench                                   # every benchmark; bench/run.py writes docs/benchmarks.md
    .venv/bin/python bench/pipeline_scaling.py --sizes 10k,100k,1M --history-years 1,5,10

Each size runs in a fresh process (so peak memory is that size's own), on demo data from the generator scaled to
the wanted number of incidents (EST reports + police crimes). Measured side by side in one run, so the ratios hold
on a noisy machine:

1. full rebuild through Dagster (ingest + dbt build + analytics + checks + publish), as `make refresh` runs it: one
   single-run backfill over every week; wall time, peak memory (this process and its dbt child) and each stage
   (dbt's saved parse for the data directory is made first and timed apart, as `make manifest` does);
2. the limit: the weekly and tertial area counts and rates computed by ONE hand-written DuckDB SQL script over the
   same raw tables (latest version per id, zero-filled area × week grid, rates, trailing means);
3. a peer: the same weekly area counts with plain pandas from the same raw tables;
4. the weekly refresh: one new week on top of 1, 5 and 10 years of history (the partition the Monday schedule runs).

Stages 2 and 3 compute counts and rates only; the platform also computes the statistics (empirical Bayes, CUSUM,
Gi*, rank uncertainty), validates and publishes, so the ratio is an upper bound on overhead, not on waste.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.platform: the same Dagster entry point the end-to-end tests use

INCIDENTS_PER_WEEK = 260.0 + 190.0  # EST reports + police crimes per week at scale 1 (DemoConfig defaults)
END_WEEK = date(2026, 11, 16)
FIRST_WEEK = "2014-12-29"  # a Monday before the longest history measured
SOURCES = ("areas", "population", "est_reports", "police_crimes")

LIMIT_SQL = """
with est as (
    select area_id, observed_at as at_utc from (
        select r.*, row_number() over (partition by report_id order by b.batch_seq desc, r.source_row desc) as v
        from raw.est_reports r join raw.batches b using (batch_id)) where v = 1
),
crimes as (
    select area_id, occurred_from as at_utc from (
        select c.*, row_number() over (partition by crime_id order by b.batch_seq desc, c.source_row desc) as v
        from raw.police_crimes c join raw.batches b using (batch_id)) where v = 1
),
incidents as (
    select area_id, 'est' as source,
           cast(date_trunc('week', timezone('Europe/Stockholm', timezone('UTC', at_utc))) as date) as week_start
    from est where area_id is not null
    union all
    select area_id, 'police',
           cast(date_trunc('week', timezone('Europe/Stockholm', timezone('UTC', at_utc))) as date)
    from crimes where area_id is not null
),
weeks as (select unnest(generate_series(min(week_start), max(week_start), interval 7 day))::date as week_start
          from incidents),
areas as (select distinct area_id from raw.areas),
population as (select area_id, max_by(population, year) as population from raw.population group by area_id),
counts as (select area_id, week_start, count(*) filter (where source = 'est') as n_est,
                  count(*) filter (where source = 'police') as n_police from incidents group by all),
area_week as (
    select a.area_id, w.week_start, coalesce(c.n_est, 0) as n_est, coalesce(c.n_police, 0) as n_police,
           1000.0 * coalesce(c.n_est, 0) / nullif(p.population, 0) as est_rate_per_1000
    from areas a cross join weeks w
    left join counts c using (area_id, week_start)
    left join population p using (area_id)
)
select *,
       avg(n_est) over (partition by area_id order by week_start rows between 4 preceding and 1 preceding) as mean_4w,
       avg(n_est) over (partition by area_id order by week_start rows between 52 preceding and 1 preceding) as mean_52w,
       year(week_start) || '-T' || (1 + (month(week_start) - 1) // 4) as tertial_id
from area_week
"""


# ---------------------------------------------------------------------------------------------------------------
# One measurement per process
# ---------------------------------------------------------------------------------------------------------------


def peak_memory_mb() -> float:
    """Peak resident memory of this process and of its largest finished child (dbt), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def demo_config(incidents: int, weeks: int):
    from ingest.demo.generator import DemoConfig

    return DemoConfig(
        end_week=END_WEEK, weeks=weeks, seed=7, scale=incidents / (weeks * INCIDENTS_PER_WEEK), formats=False
    )


def stage_of(step_key: str) -> str:
    if step_key.startswith("raw"):
        return "ingest"
    if step_key.startswith("dbt"):
        return "dbt build"
    if step_key.startswith("serving"):
        return "publish"
    if "great_expectations" in step_key or "pandera" in step_key:
        return "mart checks"
    return "guard forecast and plans"


def stage_seconds(result) -> dict[str, float]:
    stages: dict[str, float] = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            stage = stage_of(event.step_key)
            stages[stage] = stages.get(stage, 0.0) + event.event_specific_data.duration_ms / 1000
    return stages


def parse_dbt(data: Path) -> float:
    """What `make manifest` does before `make refresh`: dbt's saved parse for this warehouse path, so that each run
    re-parses only what changed (the window's three YAML files) instead of the whole project. Timed on its own."""
    env = {**os.environ, "DBT_DUCKDB_PATH": str((data / "warehouse.duckdb").resolve())}
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet", "--profiles-dir", "."],
        cwd=REPO / "dbt_project",
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def generate(data: Path, config) -> int:
    from ingest.demo.generator import generate as write_landing

    summary = write_landing(config, data / "landing", sources=SOURCES, progress=sys.stderr.isatty())
    return summary.est_reports + summary.police_crimes


def rebuild(incidents: int, weeks: int, workdir: Path) -> dict:
    """Generate, rebuild everything through Dagster, then the limit and the peer on the same raw tables."""
    from tests.platform import materialize_weeks

    data = workdir / "data"
    config = demo_config(incidents, weeks)
    started = time.perf_counter()
    generated = generate(data, config)
    generate_s = time.perf_counter() - started
    parse_s = parse_dbt(data)

    started = time.perf_counter()
    result = materialize_weeks(data, config.first_week, config.end_week)
    platform_s = time.perf_counter() - started
    assert result.success
    return {
        "incidents": generated,
        "weeks": weeks,
        "generate_s": generate_s,
        "parse_s": parse_s,
        "platform_s": platform_s,
        "stages": stage_seconds(result),
        "peak_mb": peak_memory_mb(),
        **limit_and_peer(data),
    }


def limit_and_peer(data: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        started = time.perf_counter()
        limit = con.execute(f"select count(*), sum(n_est), sum(n_police) from ({LIMIT_SQL})").fetchall()[0]
        limit_s = time.perf_counter() - started
        started = time.perf_counter()
        peer = pandas_peer(con)
        peer_s = time.perf_counter() - started
        mart = con.execute("select count(*), sum(n_est_reports), sum(n_police_crimes) from marts.fct_area_week")
        mart = mart.fetchall()[0]
    finally:
        con.close()
    # The three must agree, or the comparison is meaningless.
    assert tuple(limit) == tuple(mart) == peer, (limit, mart, peer)
    return {"limit_s": limit_s, "peer_s": peer_s, "area_weeks": mart[0]}


def pandas_peer(con) -> tuple[int, int, int]:
    """Weekly area counts as a data team would write them in pandas, from the same raw tables."""
    import pandas as pd

    batches = con.execute("select batch_id, batch_seq from raw.batches").df()

    def latest(table: str, key: str, time_column: str) -> pd.DataFrame:
        frame = (
            con.execute(f"select {key}, area_id, {time_column} as at_utc, batch_id, source_row from raw.{table}")
            .df()
            .merge(batches, on="batch_id")
        )
        frame = frame.sort_values(["batch_seq", "source_row"]).drop_duplicates(key, keep="last")
        frame = frame.dropna(subset=["area_id"])
        local = frame["at_utc"].dt.tz_localize("UTC").dt.tz_convert("Europe/Stockholm").dt.tz_localize(None)
        frame["week_start"] = local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")
        return frame.groupby(["area_id", "week_start"]).size()

    est, police = (
        latest("est_reports", "report_id", "observed_at"),
        latest("police_crimes", "crime_id", "occurred_from"),
    )
    areas = con.execute("select distinct area_id from raw.areas").df()["area_id"]
    weeks = pd.date_range(
        min(est.index.levels[1].min(), police.index.levels[1].min()),
        max(est.index.levels[1].max(), police.index.levels[1].max()),
        freq="7D",
    )
    grid = pd.MultiIndex.from_product([areas, weeks], names=["area_id", "week_start"])
    table = pd.DataFrame({"n_est": est.reindex(grid, fill_value=0), "n_police": police.reindex(grid, fill_value=0)})
    return len(table), int(table["n_est"].sum()), int(table["n_police"].sum())


def weekly_refresh(years: int, scale: float, workdir: Path) -> dict:
    """Build ``years`` of history, then time the refresh of one new week (its files arrive after the build)."""
    from tests.platform import materialize_weeks

    weeks = 52 * years + 1
    config = demo_config(int(weeks * INCIDENTS_PER_WEEK * scale), weeks)
    everything, data = workdir / "all", workdir / "data"
    generate(everything, config)
    iso = config.end_week.isocalendar()
    stamp = f"{iso.year}-W{iso.week:02d}"
    held_back = []
    for source_dir in (everything / "landing").iterdir():
        for path in source_dir.iterdir():
            target = data / "landing" / source_dir.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            (held_back.append((path, target)) if stamp in path.name else shutil.copy2(path, target))
    parse_dbt(data)
    started = time.perf_counter()
    assert materialize_weeks(data, config.first_week, config.end_week - timedelta(weeks=1)).success
    history_s = time.perf_counter() - started
    for path, target in held_back:
        shutil.copy2(path, target)
    started = time.perf_counter()
    result = materialize_weeks(data, config.end_week, config.end_week)
    refresh_s = time.perf_counter() - started
    assert result.success
    return {
        "years": years,
        "history_s": history_s,
        "refresh_s": refresh_s,
        "stages": stage_seconds(result),
        "peak_mb": peak_memory_mb(),
    }


# ---------------------------------------------------------------------------------------------------------------
# The driver: one child process per measurement, a table, docs/benchmarks.md
# ---------------------------------------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def weeks_for(incidents: int) -> int:
    """History long enough that the scale stays realistic (at most ~10× the demo's weekly volume)."""
    return 52 if incidents <= 25_000 else 104 if incidents <= 250_000 else 520


def in_child(kind: str, argument: str, timeout: int, history_scale: float) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="lagesbild-bench-") as tmp:
        command = [
            sys.executable,
            __file__,
            "--child",
            kind,
            argument,
            "--workdir",
            tmp,
            "--history-scale",
            str(history_scale),
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
        env["LAGESBILD_FIRST_WEEK"] = FIRST_WEEK  # the partitions must reach back over ten years of history
        env.setdefault("DAGSTER_HOME", tmp)
        try:
            done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"  {kind} {argument}: over the {timeout} s limit, skipped")
            return None
        if done.returncode != 0:
            print(f"  {kind} {argument}: failed\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
            return None
        return json.loads(done.stdout.strip().splitlines()[-1])


def stages_text(stages: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in sorted(stages.items(), key=lambda s: -s[1]))


def report(rebuilds: list[dict], refreshes: list[dict]) -> str:
    lines = [
        "| incidents | weeks | generate s | dbt parse s | platform s | peak MB | limit SQL s | pandas s | "
        "platform / limit | stages (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rebuilds:
        lines.append(
            f"| {r['incidents']:,} | {r['weeks']} | {r['generate_s']:.1f} | {r['parse_s']:.1f} | "
            f"{r['platform_s']:.1f} | "
            f"{r['peak_mb']:,.0f} | {r['limit_s']:.2f} | {r['peer_s']:.2f} | "
            f"{r['platform_s'] / r['limit_s']:,.0f}× | {stages_text(r['stages'])} |"
        )
    if refreshes:
        lines += [
            "",
            "| history | build of the history s | one new week s | peak MB | stages of the new week (s) |",
            "|---:|---:|---:|---:|---|",
        ]
        for r in refreshes:
            lines.append(
                f"| {r['years']} y | {r['history_s']:.1f} | {r['refresh_s']:.1f} | {r['peak_mb']:,.0f} | "
                f"{stages_text(r['stages'])} |"
            )
        base = refreshes[0]
        for r in refreshes[1:]:
            lines.append(
                f"\nWeekly refresh, {r['years']} y / {base['years']} y of history: "
                f"{r['refresh_s'] / base['refresh_s']:.2f}×"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1M", help="incidents per full rebuild (comma separated)")
    parser.add_argument("--history-years", default="1,5,10", help="history before the weekly refresh ('' to skip)")
    parser.add_argument("--history-scale", type=float, default=0.5, help="demo volume of the history runs")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per measurement before it is skipped")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:  # one measurement, printed as JSON on the last line
        kind, argument = args.child
        if kind == "rebuild":
            size = int(argument)
            print(json.dumps(rebuild(size, weeks_for(size), args.workdir)))
        else:
            print(json.dumps(weekly_refresh(int(argument), args.history_scale, args.workdir)))
        return

    rebuilds, refreshes = [], []
    for size in (parse_size(s) for s in args.sizes.split(",") if s):
        print(f"full rebuild at {size:,} incidents …", flush=True)
        if (measured := in_child("rebuild", str(size), args.timeout, args.history_scale)) is not None:
            rebuilds.append(measured)
    for years in (int(y) for y in args.history_years.split(",") if y):
        print(f"weekly refresh after {years} years of history …", flush=True)
        if (measured := in_child("refresh", str(years), args.timeout, args.history_scale)) is not None:
            refreshes.append(measured)
    print(report(rebuilds, refreshes))


if __name__ == "__main__":
    main()
