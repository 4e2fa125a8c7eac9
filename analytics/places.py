"""The weekly place mart (H3 cell × ISO week): counts, harm and an 8-week rolling Getis-Ord Gi* with FDR control
and a hot-spot class. Single-week Gi* is mostly noise on sparse counts, so each week's Gi* is computed on the sum of
the ``gi_window_weeks`` weeks ending with it."""

from __future__ import annotations

from datetime import date, timedelta

import h3
import numpy as np
import pandas as pd

from analytics.hotspots import gi_star, h3_weights
from analytics.params import Parameters, Versions

VALUES = ("n_est_reports", "n_police_crimes", "n_incidents", "est_severity_sum", "harm_sum")
PUBLIC_H3_RESOLUTION = 8


def weekly_matrix(place_counts: pd.DataFrame, cells: list[str], weeks: list[date], value: str) -> np.ndarray:
    """cells × weeks matrix of ``value`` (zeros where nothing happened)."""
    table = (
        place_counts.groupby(["h3_cell", "week_start"])[value]
        .sum()
        .unstack("week_start")
        .reindex(index=cells, columns=weeks, fill_value=0)
        .fillna(0)
    )
    return table.to_numpy(dtype=float)


def rolling_sum(matrix: np.ndarray, window: int) -> np.ndarray:
    """Sum of each column and the window − 1 columns before it (fewer at the start)."""
    cumulative = np.cumsum(np.pad(matrix, ((0, 0), (1, 0))), axis=1)
    starts = np.clip(np.arange(matrix.shape[1]) + 1 - window, 0, None)
    return cumulative[:, 1:] - cumulative[:, starts]


def _trailing_counts(flags: np.ndarray, first: int, weeks: int, skip: int) -> tuple[np.ndarray, np.ndarray]:
    """For each column t: how many of the columns t − weeks … t − 1 − skip (not before ``first``) are set, and how
    many such columns there are."""
    cumulative = np.cumsum(np.pad(flags.astype(int), ((0, 0), (1, 0))), axis=1)
    t = np.arange(flags.shape[1])
    start = np.clip(t - weeks, first, None)
    stop = np.clip(t - skip, start, None)
    return cumulative[:, stop] - cumulative[:, start], np.broadcast_to(stop - start, flags.shape)


def build_place_week(
    place_counts: pd.DataFrame,
    params: Parameters,
    versions: Versions,
    min_date: date | None = None,
    max_date: date | None = None,
) -> pd.DataFrame:
    """Rows: every cell-week in [min_date, max_date) with an incident in its 8-week window or a hot spot there.

    Hot-spot classes: ``new_hot_spot`` (hot now and never in a window that shares no week with this one, within the
    history looked back on: the hot spot comes from the latest weeks), ``persistent_hot_spot`` (hot in at least
    ``persistent_share`` of the previous windows), ``hot_spot`` (other hot), ``not_significant``."""
    counts = place_counts.copy()
    counts["week_start"] = pd.to_datetime(counts["week_start"]).dt.date
    cells = sorted(counts["h3_cell"].unique())
    if not cells:
        return pd.DataFrame()
    first, last = min(counts["week_start"]), max(counts["week_start"])
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    cell_area = counts.groupby("h3_cell")["area_id"].first().reindex(cells).to_numpy()
    weekly = {value: weekly_matrix(counts, cells, weeks, value) for value in VALUES}
    windowed = {value: rolling_sum(matrix, params.gi_window_weeks) for value, matrix in weekly.items()}

    # Gi* for the output weeks and the history weeks their class looks back on.
    out_weeks = [
        i for i, w in enumerate(weeks) if (min_date is None or w >= min_date) and (max_date is None or w < max_date)
    ]
    if not out_weeks:
        return pd.DataFrame()
    needed = range(max(0, out_weeks[0] - params.hot_history_weeks), out_weeks[-1] + 1)
    weights = h3_weights(cells)
    n_cells = len(cells)
    z, p, q = (np.full((n_cells, len(weeks)), np.nan) for _ in range(3))
    hot = np.zeros((n_cells, len(weeks)), bool)
    for t in needed:
        # One seed for every week: the same permutation draws each week, so a week's result does not depend on
        # which window is rebuilt (and the draws are made once).
        result = gi_star(
            windowed["n_incidents"][:, t],
            weights,
            params.gi_permutations,
            params.random_seed,
            params.gi_fdr_q,
            params.gi_min_count,
        )
        z[:, t], p[:, t], q[:, t] = result.z, result.p_sim, result.q_bh
        hot[:, t] = result.hot

    # Hot-spot history of each cell-week: hot windows among the previous ``hot_history_weeks`` (as far back as
    # computed), and among those that share no week with the current window.
    hot_before, history = _trailing_counts(hot, needed.start, params.hot_history_weeks, 0)
    hot_disjoint, disjoint = _trailing_counts(hot, needed.start, params.hot_history_weeks, params.gi_window_weeks - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        persistent = hot & (history > 0) & (hot_before >= params.persistent_share * history)
    new = hot & ~persistent & (disjoint > 0) & (hot_disjoint == 0)
    hot_class = np.select(
        [persistent, new, hot], ["persistent_hot_spot", "new_hot_spot", "hot_spot"], "not_significant"
    )

    output_week = np.zeros(len(weeks), bool)
    output_week[out_weeks] = True
    active = ((windowed["n_incidents"] > 0) | hot) & output_week[np.newaxis, :]
    i, t = np.nonzero(active)
    order = np.lexsort((i, t))  # by week, then cell
    i, t = i[order], t[order]
    frame = pd.DataFrame(
        {"h3_cell": np.asarray(cells)[i], "area_id": cell_area[i], "week_start": np.asarray(weeks, dtype=object)[t]}
    )
    for value in VALUES:
        frame[value] = weekly[value][i, t]
        frame[f"{value}_8w"] = windowed[value][i, t]
    for column in (*VALUES[:3], *(f"{v}_8w" for v in VALUES[:3])):
        frame[column] = frame[column].astype("int64")
    frame["window_weeks"] = np.minimum(t + 1, params.gi_window_weeks)
    frame["gi_star_z_8w"] = z[i, t]
    frame["gi_star_p_sim_8w"] = p[i, t]
    frame["gi_star_q_bh_8w"] = q[i, t]
    frame["is_hot_spot"] = hot[i, t]
    frame["hot_windows"] = hot_before[i, t]
    frame["history_windows"] = history[i, t]
    frame["hot_spot_class"] = hot_class[i, t]
    frame.insert(1, "h3_resolution", np.array([h3.get_resolution(c) for c in cells])[i])
    frame.insert(2, "h3_parent_r8", np.array([h3.cell_to_parent(c, PUBLIC_H3_RESOLUTION) for c in cells])[i])
    iso = [w.isocalendar() for w in weeks]
    frame.insert(5, "iso_year", np.array([x.year for x in iso])[t])
    frame.insert(6, "iso_week", np.array([x.week for x in iso])[t])
    frame["cells_in_region"] = n_cells
    frame["gi_permutations"] = params.gi_permutations
    return versions.stamp(frame)
