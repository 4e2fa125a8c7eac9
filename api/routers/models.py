"""Response rows of the mart endpoints: one pydantic model per published mart, with the column descriptions of the
dbt model YAML (generated once from the snapshot schema and dbt_project/models/marts/*.yml; keep them in step)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

# The snapshot stores UTC timestamps without a zone; the API says they are UTC (RFC 3339 wants an offset).
UtcDateTime = Annotated[datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))]

# Columns the marts store as JSON text; the API returns them parsed (CSV keeps the JSON text).
JSON_COLUMNS = frozenset(
    [
        "alert_codes",
        "alert_reasons",
        "harm_by_type",
        "n_crimes_by_type",
        "n_est_by_category",
        "reason_codes",
        "signals",
        "top_places",
    ]
)


class AreaWeek(BaseModel):
    """fct_area_week: The weekly area mart the EST meeting reads: one row per area and ISO week (Monday,
    Europe/Stockholm), every area in every week (zeros included), for the weeks in [min_date, max_date) (default
    all)."""

    area_id: str = Field(description="Area code.")
    area_name: str | None = Field(None, description="Area name.")
    area_type: str | None = Field(None, description="deso, regso, district, est_area or municipality.")
    week_start: date = Field(description="Monday of the ISO week.")
    iso_year: int = Field(description="ISO year of the week.")
    iso_week: int = Field(description="ISO week number (1–53).")
    n_est_reports: int | None = Field(None, description="EST reports observed in the area during the week.")
    n_est_guard_reports: int | None = Field(
        None, description="Of those, reports by the patrolling guards (they follow the rounds, not only the problem)."
    )
    est_severity_sum: float | None = Field(
        None, description="Sum of the EST reports' severity (insecurity sub-index; never added to harm)."
    )
    n_est_by_category: dict[str, int] | None = Field(None, description="JSON object, EST reports per category code.")
    n_police_crimes: int | None = Field(
        None, description="Police-reported crimes that occurred in the area during the week."
    )
    harm_sum: float | None = Field(
        None, description="Sum of the crimes' harm weights (harm_weights, version in harm_weight_version)."
    )
    n_crimes_by_type: dict[str, int] | None = Field(None, description="JSON object, police crimes per offence group.")
    top_places: list[dict[str, Any]] | None = Field(
        None, description="JSON list of the (at most) three H3 cells with the most incidents in the area that week."
    )
    population: int | None = Field(None, description="Residents (latest figure at or before the week's year).")
    area_km2: float | None = Field(None, description="Area in km².")
    est_rate_per_1000: float | None = Field(
        None, description="EST reports per 1,000 residents (raw; noisy where few live)."
    )
    harm_rate_per_1000: float | None = Field(None, description="Harm points per 1,000 residents (raw).")
    reporter_roles_active: int | None = Field(
        None, description="Distinct reporter roles reporting in the municipality that week (exposure proxy)."
    )
    est_reports_total: int | None = Field(None, description="EST reports in the whole municipality that week.")
    completeness_flag: str | None = Field(
        None,
        description="low_reporting when the municipality's EST total fell below half its 8-week median; else complete (unknown without history).",
    )
    history_weeks: int | None = Field(
        None, description="Weeks of history before this week (up to 52) that the baselines use."
    )
    est_mean_4w: float | None = Field(
        None, description="Mean weekly EST reports over the 4 weeks before (fewer at the start of the data)."
    )
    est_mean_8w: float | None = Field(None, description="The same over the 8 weeks before.")
    est_mean_52w: float | None = Field(None, description="The same over the 52 weeks before.")
    police_mean_4w: float | None = Field(None, description="Mean weekly police crimes over the 4 weeks before.")
    police_mean_8w: float | None = Field(None, description="The same over the 8 weeks before.")
    police_mean_52w: float | None = Field(None, description="The same over the 52 weeks before.")
    harm_mean_4w: float | None = Field(None, description="Mean weekly harm over the 4 weeks before.")
    harm_mean_8w: float | None = Field(None, description="The same over the 8 weeks before.")
    harm_mean_52w: float | None = Field(None, description="The same over the 52 weeks before.")
    harm_rate_eb: float | None = Field(
        None,
        description="Harm per 1,000 residents, shrunk towards the city-wide rate by how noisy it is (Marshall EB across the week's areas).",
    )
    harm_rate_eb_lo90: float | None = Field(
        None, description="Lower end of the 90 % credible interval (Gamma posterior; approximate for weighted harm)."
    )
    harm_rate_eb_hi90: float | None = Field(None, description="Upper end of the 90 % credible interval.")
    est_rate_eb: float | None = Field(
        None, description="EST reports per 1,000 residents, empirical-Bayes smoothed across the week's areas."
    )
    est_rate_eb_lo90: float | None = Field(None, description="Lower end of its 90 % credible interval.")
    est_rate_eb_hi90: float | None = Field(None, description="Upper end of its 90 % credible interval.")
    harm_expected: float | None = Field(None, description="Expected harm this week (same method as est_expected).")
    est_expected: float | None = Field(
        None,
        description="Expected EST reports this week: the previous 12 weeks' total, shrunk (Marshall EB across areas) towards the city-wide ratio of recent to 52-week levels, times the area's 52-week level. Null before …",
    )
    est_nb_dispersion: float | None = Field(
        None,
        description="Negative-binomial size k of EST counts around expected (Var = μ + μ²/k), fitted over all area-weeks; null = Poisson.",
    )
    est_p_exceed: float | None = Field(
        None, description="P(at least this many EST reports | expected, k), negative binomial (Poisson when k is null)."
    )
    est_q_bh: float | None = Field(
        None, description="Benjamini–Hochberg adjusted est_p_exceed across the week's areas."
    )
    est_z_wheeler: float | None = Field(None, description="Wheeler's Poisson z, 2(√y − √expected); |z| ≥ 3 is unusual.")
    est_cusum: float | None = Field(
        None, description="Poisson CUSUM of EST reports, tuned to a rise to 1.5 × expected."
    )
    est_cusum_h: float | None = Field(
        None, description="CUSUM decision interval (about one false alarm per 104 weeks per area, by simulation)."
    )
    est_ewma: float | None = Field(None, description="EWMA of EST reports (λ = 0.3), started at the expected value.")
    est_ewma_limit: float | None = Field(None, description="EWMA upper limit, expected + 3·√(expected·λ/(2 − λ)).")
    police_expected: float | None = Field(None, description="Expected police crimes this week (as est_expected).")
    police_nb_dispersion: float | None = Field(
        None, description="Negative-binomial size k of police crime counts; null = Poisson."
    )
    police_p_exceed: float | None = Field(None, description="P(at least this many police crimes | expected, k).")
    police_q_bh: float | None = Field(
        None, description="Benjamini–Hochberg adjusted police_p_exceed across the week's areas."
    )
    police_z_wheeler: float | None = Field(None, description="Wheeler's Poisson z for police crimes.")
    police_cusum: float | None = Field(None, description="Poisson CUSUM of police crimes.")
    police_cusum_h: float | None = Field(None, description="Its decision interval.")
    police_ewma: float | None = Field(None, description="EWMA of police crimes.")
    police_ewma_limit: float | None = Field(None, description="Its upper limit.")
    alert_flag: bool | None = Field(
        None,
        description="True when EST reports or police crimes exceed expected with p < 0.01, at least 3 events, at least 2 more than expected, and BH q < 0.10 across the week's areas (analytics-methods.md §3.5).",
    )
    alert_reasons: list[dict[str, Any]] | None = Field(
        None,
        description="JSON list of the alerts: code (est_above_expected, police_above_expected, harm_above_expected), series, observed, expected, excess, p, q, text_sv, text_en.",
    )
    alert_text_sv: str | None = Field(
        None,
        description='The alerts in Swedish, e.g. "EST-rapporter över förväntat (41 mot 14,2; p<0,001; +27 händelser)".',
    )
    alert_text_en: str | None = Field(
        None, description='The alerts in English, e.g. "EST reports above expected (41 vs 14.2, p<0.001, +27 events)".'
    )
    signals: list[str] | None = Field(
        None,
        description="JSON list of softer signals that do not set the flag: <series>_wheeler_z (z ≥ 3), <series>_cusum (above its interval), <series>_ewma (above its limit), low_reporting.",
    )
    rank_harm_rate_eb: int | None = Field(None, description="Rank of the area's EB harm rate that week (1 = highest).")
    rank_est_rate_eb: int | None = Field(None, description="Rank of the area's EB EST rate that week (1 = highest).")
    data_through: date | None = Field(None, description="Last day the data cover (Sunday of the latest week).")
    harm_weight_version: str | None = Field(None, description="Version of harm_weights used.")
    severity_scale_version: str | None = Field(None, description="Version of the EST severity scale used.")
    parameters_version: str | None = Field(None, description="Version of analysis_parameters used.")


class PublicAreaWeek(BaseModel):
    """public_fct_area_week: fct_area_week for the public role."""

    area_id: str = Field(description="Area code.")
    area_name: str | None = Field(None, description="Area name.")
    week_start: date = Field(description="Monday of the ISO week.")
    iso_year: int = Field(description="ISO year.")
    iso_week: int = Field(description="ISO week number.")
    n_est_reports: int | None = Field(None, description="EST reports (null when 1 to k − 1).")
    n_police_crimes: int | None = Field(None, description="Police crimes (null when 1 to k − 1).")
    harm_sum: float | None = Field(None, description="Harm (null when the crime count is suppressed).")
    est_suppressed: bool | None = Field(None, description="The EST count is suppressed.")
    police_suppressed: bool | None = Field(None, description="The police count is suppressed.")
    population: int | None = Field(None, description="Residents.")
    est_rate_per_1000: float | None = Field(None, description="EST reports per 1,000 residents (null when suppressed).")
    est_rate_eb: float | None = Field(None, description="Empirical-Bayes EST rate (null when suppressed).")
    harm_rate_per_1000: float | None = Field(None, description="Harm per 1,000 residents (null when suppressed).")
    harm_rate_eb: float | None = Field(None, description="Empirical-Bayes harm rate (null when suppressed).")
    est_expected: float | None = Field(
        None, description="Expected EST reports (from the 12 weeks before), rounded to 0.1."
    )
    police_expected: float | None = Field(None, description="Expected police crimes, rounded to 0.1.")
    alert_flag: bool | None = Field(None, description="The week is unusually high (an alert needs at least 3 events).")
    alert_codes: list[str] | None = Field(None, description="JSON list of the alert codes.")
    alert_text_sv: str | None = Field(None, description="The alerts in Swedish.")
    alert_text_en: str | None = Field(None, description="The alerts in English.")
    data_through: date | None = Field(None, description="Last day the data cover.")
    harm_weight_version: str | None = Field(None, description="Version of harm_weights.")
    severity_scale_version: str | None = Field(None, description="Version of the EST severity scale.")
    parameters_version: str | None = Field(None, description="Version of analysis_parameters.")
    suppression_k: int | None = Field(None, description="The k used.")


class AreaTertial(BaseModel):
    """fct_area_tertial: The tertial area mart behind the tertial analysis: one row per area and tertial (T1
    Jan–Apr, T2 May–Aug, T3 Sep–Dec) overlapping [min_date, max_date)."""

    area_id: str = Field(description="Area code.")
    area_name: str | None = Field(None, description="Area name.")
    area_type: str | None = Field(None, description="deso, regso, district, est_area or municipality.")
    tertial_id: str = Field(description="E.g. 2026-T1.")
    tertial_start: date | None = Field(None, description="First day of the tertial.")
    tertial_end: date | None = Field(None, description="Last day of the tertial.")
    days_in_tertial: int | None = Field(None, description="Days in the tertial.")
    days_observed: int | None = Field(None, description="Days of the tertial the data cover.")
    is_complete: bool | None = Field(
        None, description="The data cover the whole tertial (the first and last tertial of the data usually do not)."
    )
    data_start: date | None = Field(None, description="First day the data cover.")
    data_through: date | None = Field(None, description="Last day the data cover.")
    n_est_reports: int | None = Field(None, description="EST reports in the area during the tertial.")
    n_est_guard_reports: int | None = Field(None, description="Of those, reports by the patrolling guards.")
    est_severity_sum: float | None = Field(None, description="Sum of the EST reports' severity.")
    n_est_by_category: dict[str, int] | None = Field(None, description="JSON object, EST reports per category.")
    n_police_crimes: int | None = Field(None, description="Police crimes in the area during the tertial.")
    harm_sum: float | None = Field(None, description="Sum of their harm weights.")
    n_crimes_by_type: dict[str, int] | None = Field(None, description="JSON object, police crimes per offence group.")
    harm_by_type: dict[str, float] | None = Field(None, description="JSON object, harm per offence group.")
    n_incidents: int | None = Field(
        None, description="EST reports plus police crimes; used only for change within the area (rate ratios)."
    )
    population: int | None = Field(None, description="Residents (latest figure at or before the tertial's year).")
    exposure: float | None = Field(
        None, description="Residents × observed share of the tertial (person-tertials), the rates' denominator."
    )
    harm_rate_per_1000: float | None = Field(None, description="Harm per 1,000 residents per tertial (raw).")
    est_rate_per_1000: float | None = Field(None, description="EST reports per 1,000 residents per tertial (raw).")
    harm_rate_eb: float | None = Field(
        None,
        description="Harm per 1,000 residents, empirical-Bayes smoothed across the tertial's areas (Marshall, A clipped at 0).",
    )
    harm_rate_eb_lo95: float | None = Field(
        None, description="Lower end of its 95 % credible interval (Gamma posterior)."
    )
    harm_rate_eb_hi95: float | None = Field(None, description="Upper end of its 95 % credible interval.")
    est_severity_rate_eb: float | None = Field(
        None, description="Severity-weighted EST reports per 1,000 residents, empirical-Bayes smoothed."
    )
    est_severity_rate_eb_lo95: float | None = Field(None, description="Lower end of its 95 % credible interval.")
    est_severity_rate_eb_hi95: float | None = Field(None, description="Upper end of its 95 % credible interval.")
    incident_rate_eb: float | None = Field(
        None, description="All incidents per 1,000 residents, empirical-Bayes smoothed (the trend component's basis)."
    )
    incident_rate_eb_lo95: float | None = Field(None, description="Lower end of its 95 % credible interval.")
    incident_rate_eb_hi95: float | None = Field(None, description="Upper end of its 95 % credible interval.")
    funnel_expected: float | None = Field(
        None, description="Harm the area would have at the city-wide harm rate (θ₀ × exposure)."
    )
    funnel_z: float | None = Field(
        None, description="(harm − expected)/√expected, divided by √φ when the areas are overdispersed (φ > 1)."
    )
    funnel_flag_998: bool | None = Field(
        None, description="Harm rate above the upper 99.8 % funnel limit (funnel_z above the 0.999 normal quantile)."
    )
    overdispersion_phi: float | None = Field(
        None, description="Overdispersion φ, the mean of the 10 %-winsorised z² across the tertial's areas (1 = none)."
    )
    funnel_expected_est: float | None = Field(
        None, description="EST reports the area would have at the city-wide EST rate."
    )
    funnel_z_est: float | None = Field(None, description="Funnel z of the EST report count (overdispersion-corrected).")
    funnel_flag_998_est: bool | None = Field(None, description="EST report rate above the upper 99.8 % funnel limit.")
    overdispersion_phi_est: float | None = Field(None, description="Overdispersion φ of the EST report counts.")
    rr_prev_tertial: float | None = Field(
        None, description="Incident rate ratio against the previous tertial (exposure-adjusted)."
    )
    rr_prev_tertial_ci_lo: float | None = Field(
        None, description="Lower end of its 95 % confidence interval (statsmodels confint_poisson_2indep, MOVER)."
    )
    rr_prev_tertial_ci_hi: float | None = Field(None, description="Upper end of its 95 % confidence interval.")
    rr_prev_tertial_p: float | None = Field(
        None,
        description="Two-sided p-value of the exact conditional test (statsmodels test_poisson_2indep, exact-cond).",
    )
    rr_prev_tertial_p_bh: float | None = Field(
        None, description="Benjamini–Hochberg adjusted across the tertial's areas."
    )
    rr_same_tertial_last_year: float | None = Field(
        None, description="Incident rate ratio against the same tertial a year before."
    )
    rr_same_tertial_last_year_ci_lo: float | None = Field(
        None, description="Lower end of its 95 % confidence interval."
    )
    rr_same_tertial_last_year_ci_hi: float | None = Field(
        None, description="Upper end of its 95 % confidence interval."
    )
    rr_same_tertial_last_year_p: float | None = Field(None, description="Exact conditional test p-value.")
    rr_same_tertial_last_year_p_bh: float | None = Field(
        None, description="Benjamini–Hochberg adjusted across the tertial's areas."
    )
    in_top_decile: bool | None = Field(
        None, description="Among the top 10 % of areas by EB harm rate this tertial (at least one area)."
    )
    persistence_6t: int | None = Field(
        None, description="Tertials of the last six (this one included) the area was in that top decile; 5–6 = chronic."
    )
    persistence_tertials_observed: int | None = Field(
        None, description="How many of those six tertials the data cover."
    )
    chronic_flag: bool | None = Field(None, description="persistence_6t ≥ 5.")
    n_cells_active: int | None = Field(
        None, description="H3 cells of the area with at least one incident in the tertial."
    )
    n_cells_hot: int | None = Field(
        None, description="Of those, significant Gi* hot spots over the tertial (999 permutations, BH q ≤ 0.05)."
    )
    share_cells_hot: float | None = Field(None, description="n_cells_hot / n_cells_active (0 when none are active).")
    cells_for_50pct_incidents: int | None = Field(
        None, description="The fewest cells that hold half of the area's incidents (concentration)."
    )
    share_cells_for_50pct_incidents: float | None = Field(
        None, description="That number as a share of the active cells (small = concentrated in a few places)."
    )
    top_places: list[dict[str, Any]] | None = Field(
        None, description="JSON list of the three cells with the most incidents in the tertial."
    )
    z_harm: float | None = Field(
        None, description="Robust z (median/MAD across areas, clipped at ±3) of log EB harm rate."
    )
    z_est: float | None = Field(None, description="Robust z of log EB severity-weighted EST rate.")
    z_abs: float | None = Field(
        None, description="Robust z of log(1 + harm), so centres with few residents stay visible."
    )
    z_trend: float | None = Field(
        None,
        description="Robust z of log(EB incident rate / previous tertial's EB incident rate); 0 without a previous tertial.",
    )
    z_persist: float | None = Field(None, description="Robust z of persistence_6t.")
    z_cluster: float | None = Field(None, description="Robust z of share_cells_hot.")
    priority_score: float | None = Field(
        None, description="Σ weight × z over the six components (weights in priority_weights, version weights_version)."
    )
    rank: int | None = Field(
        None,
        description="Rank of priority_score among the tertial's areas with residents (1 = highest priority); read it with rank_ci90.",
    )
    rank_median: int | None = Field(None, description="Median rank over 1,000 posterior draws.")
    p_top5: float | None = Field(None, description="Share of posterior draws in which the area ranks in the top 5.")
    rank_ci90_lo: int | None = Field(None, description="5th percentile of the rank over posterior draws.")
    rank_ci90_hi: int | None = Field(None, description="95th percentile of the rank over posterior draws.")
    sensitivity_rank_min: int | None = Field(
        None,
        description="Best rank under equal weights and with each component left out in turn (and the published weights).",
    )
    sensitivity_rank_max: int | None = Field(None, description="Worst rank under the same weight scenarios.")
    areas_ranked: int | None = Field(None, description="Areas ranked that tertial.")
    reason_codes: list[str] | None = Field(
        None,
        description="JSON list of reason codes: harm_above_funnel_998, est_above_funnel_998, increase_vs_previous_tertial, decrease_vs_previous_tertial, increase_vs_same_tertial_last_year, …",
    )
    reasons_sv: str | None = Field(
        None, description='The reasons in Swedish, e.g. "+150 % mot föregående tertial (p<0,001)".'
    )
    reasons_en: str | None = Field(
        None, description='The reasons in English, e.g. "+150 % vs the previous tertial (p<0.001)".'
    )
    weights_version: str | None = Field(None, description="Version of priority_weights used.")
    harm_weight_version: str | None = Field(None, description="Version of harm_weights used.")
    severity_scale_version: str | None = Field(None, description="Version of the EST severity scale used.")
    parameters_version: str | None = Field(None, description="Version of analysis_parameters used.")


class PublicAreaTertial(BaseModel):
    """public_fct_area_tertial: fct_area_tertial for the public role: counts from 1 to k − 1 suppressed, with the
    rates and rate ratios that derive from them; the priority index, its rank uncertainty and reasons are kept; no
    places, no categories."""

    area_id: str = Field(description="Area code.")
    area_name: str | None = Field(None, description="Area name.")
    tertial_id: str = Field(description="E.g. 2026-T1.")
    tertial_start: date | None = Field(None, description="First day of the tertial.")
    tertial_end: date | None = Field(None, description="Last day of the tertial.")
    is_complete: bool | None = Field(None, description="The data cover the whole tertial.")
    n_est_reports: int | None = Field(None, description="EST reports (null when 1 to k − 1).")
    n_police_crimes: int | None = Field(None, description="Police crimes (null when 1 to k − 1).")
    n_incidents: int | None = Field(None, description="All incidents (null when 1 to k − 1).")
    harm_sum: float | None = Field(None, description="Harm (null when the crime count is suppressed).")
    population: int | None = Field(None, description="Residents.")
    harm_rate_eb: float | None = Field(
        None, description="Empirical-Bayes harm rate per 1,000 residents (null when suppressed)."
    )
    harm_rate_eb_lo95: float | None = Field(None, description="Its 95 % interval, lower end.")
    harm_rate_eb_hi95: float | None = Field(None, description="Its 95 % interval, upper end.")
    est_severity_rate_eb: float | None = Field(
        None, description="Empirical-Bayes severity-weighted EST rate (null when suppressed)."
    )
    funnel_flag_998: bool | None = Field(None, description="Harm rate above the 99.8 % funnel limit.")
    funnel_flag_998_est: bool | None = Field(None, description="EST rate above the 99.8 % funnel limit.")
    rr_prev_tertial: float | None = Field(
        None, description="Rate ratio against the previous tertial (null when suppressed)."
    )
    rr_prev_tertial_p_bh: float | None = Field(None, description="Its BH-adjusted p-value.")
    rr_same_tertial_last_year: float | None = Field(
        None, description="Rate ratio against the same tertial last year (null when suppressed)."
    )
    rr_same_tertial_last_year_p_bh: float | None = Field(None, description="Its BH-adjusted p-value.")
    persistence_6t: int | None = Field(None, description="Tertials of the last six in the top decile.")
    chronic_flag: bool | None = Field(None, description="persistence_6t ≥ 5.")
    n_cells_hot: int | None = Field(None, description="Significant hot-spot cells.")
    priority_score: float | None = Field(None, description="The composite priority score.")
    rank: int | None = Field(None, description="Its rank (1 = highest); read with rank_ci90.")
    p_top5: float | None = Field(None, description="Probability of a top-5 rank.")
    rank_ci90_lo: int | None = Field(None, description="90 % rank interval, best end.")
    rank_ci90_hi: int | None = Field(None, description="90 % rank interval, worst end.")
    sensitivity_rank_min: int | None = Field(None, description="Best rank under other weightings.")
    sensitivity_rank_max: int | None = Field(None, description="Worst rank under other weightings.")
    reason_codes: list[str] | None = Field(None, description="JSON list of reason codes.")
    reasons_sv: str | None = Field(None, description="Reasons in Swedish.")
    reasons_en: str | None = Field(None, description="Reasons in English.")
    data_through: date | None = Field(None, description="Last day the data cover.")
    weights_version: str | None = Field(None, description="Version of priority_weights.")
    harm_weight_version: str | None = Field(None, description="Version of harm_weights.")
    severity_scale_version: str | None = Field(None, description="Version of the EST severity scale.")
    parameters_version: str | None = Field(None, description="Version of analysis_parameters.")
    suppression_k: int | None = Field(None, description="The k used.")


class PlaceWeek(BaseModel):
    """fct_place_week: The weekly place mart: one row per H3 cell (resolution 9, about 0.1 km²) and ISO week in
    [min_date, max_date) where the cell had an incident in the 8 weeks ending that week (or is a hot spot)."""

    h3_cell: str = Field(description="H3 cell id.")
    h3_resolution: int | None = Field(None, description="Its H3 resolution (9).")
    h3_parent_r8: str | None = Field(
        None, description="The resolution-8 parent (about 0.7 km²), the public mart's unit."
    )
    area_id: str = Field(description="The area most of the cell's incidents were placed in.")
    week_start: date = Field(description="Monday of the ISO week.")
    iso_year: int = Field(description="ISO year.")
    iso_week: int = Field(description="ISO week number.")
    n_est_reports: int | None = Field(None, description="EST reports in the cell that week.")
    n_est_reports_8w: int | None = Field(None, description="EST reports in the 8 weeks ending that week.")
    n_police_crimes: int | None = Field(None, description="Police crimes in the cell that week.")
    n_police_crimes_8w: int | None = Field(None, description="Police crimes in the 8 weeks ending that week.")
    n_incidents: int | None = Field(None, description="Both together, that week.")
    n_incidents_8w: int | None = Field(None, description="Both together over the 8-week window (the Gi* variable).")
    est_severity_sum: float | None = Field(None, description="EST severity that week.")
    est_severity_sum_8w: float | None = Field(None, description="EST severity over the 8-week window.")
    harm_sum: float | None = Field(None, description="Harm that week.")
    harm_sum_8w: float | None = Field(None, description="Harm over the 8-week window.")
    window_weeks: int | None = Field(None, description="Weeks in the window (fewer than 8 at the start of the data).")
    gi_star_z_8w: float | None = Field(
        None, description="Gi* z-score of n_incidents_8w (analytical moments); 0 for a cell without neighbours."
    )
    gi_star_p_sim_8w: float | None = Field(
        None,
        description="One-sided pseudo p-value from 999 conditional permutations (the cell's own count held, its neighbours drawn from the other cells); null when the cell is not tested (fewer than 3 incidents in the …",
    )
    gi_star_q_bh_8w: float | None = Field(
        None, description="Benjamini–Hochberg adjusted p across the cells tested that week."
    )
    is_hot_spot: bool | None = Field(None, description="q ≤ 0.05 and z > 0.")
    hot_windows: int | None = Field(
        None, description="How many of the previous 26 weekly windows the cell was a hot spot in."
    )
    history_windows: int | None = Field(None, description="How many previous windows were computed (up to 26).")
    hot_spot_class: str | None = Field(
        None,
        description="new_hot_spot (hot now, and in no earlier window that shares no week with this one: the latest weeks made it), persistent_hot_spot (hot in at least 90 % of the previous windows), hot_spot (other …",
    )
    cells_in_region: int | None = Field(
        None, description="Cells in the study region (every cell with an incident in the history)."
    )
    gi_permutations: int | None = Field(None, description="Permutations used.")
    harm_weight_version: str | None = Field(None, description="Version of harm_weights used.")
    severity_scale_version: str | None = Field(None, description="Version of the EST severity scale used.")
    parameters_version: str | None = Field(None, description="Version of analysis_parameters used.")


class PublicPlaceWeek(BaseModel):
    """public_fct_place_week: fct_place_week for the public role, coarsened to H3 resolution 8 (about 0.7 km²) with
    counts from 1 to k − 1 suppressed; whether the parent cell holds a significant hot spot is kept, cell-level
    statistics are not."""

    h3_cell: str = Field(description="H3 cell id at resolution 8.")
    h3_resolution: int | None = Field(None, description="The H3 resolution, always 8.")
    week_start: date = Field(description="Monday of the ISO week.")
    iso_year: int = Field(description="ISO year.")
    iso_week: int = Field(description="ISO week number.")
    n_est_reports: int | None = Field(None, description="EST reports (null when 1 to k − 1).")
    n_police_crimes: int | None = Field(None, description="Police crimes (null when 1 to k − 1).")
    n_incidents: int | None = Field(None, description="All incidents (null when 1 to k − 1).")
    harm_sum: float | None = Field(None, description="Harm (null when the crime count is suppressed).")
    n_incidents_8w: int | None = Field(None, description="Incidents over the 8-week window (null when 1 to k − 1).")
    has_hot_spot: bool | None = Field(None, description="One of its resolution-9 cells is a significant Gi* hot spot.")
    harm_weight_version: str | None = Field(None, description="Version of harm_weights.")
    severity_scale_version: str | None = Field(None, description="Version of the EST severity scale.")
    parameters_version: str | None = Field(None, description="Version of analysis_parameters.")
    suppression_k: int | None = Field(None, description="The k used.")
