"""Demo Brå municipal indicators for Uppsala: one long-format CSV per statistics year, like Brå's
"Indikatorer för kommuner" (``geografi, enhet, ar, variabel, varde, kalla``).

The figures are invented (deterministic from the seed) at plausible magnitudes, for Uppsala kommun, Uppsala län and
the whole country: reported crimes (count and per 100 000 inhabitants) and one NTU item (a percentage with its 95 %
confidence bounds). They are demo data, not Brå's statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Approximate populations used to turn counts into rates.
POPULATION = {"Uppsala": 245_000, "Uppsala län": 405_000, "Hela landet": 10_550_000}
# Reported crimes per 100 000 inhabitants, roughly.
CRIME_RATES = {
    "Totalt antal anmälda brott": 12_500.0,
    "Skadegörelsebrott": 1_450.0,
    "Narkotikabrott": 850.0,
    "Bostadsinbrott": 190.0,
    "Våld i offentlig miljö mot vuxna": 310.0,
}
NTU_ITEM = "Otrygghet vid utevistelse sent på kvällen i det egna bostadsområdet"
NTU_UNIT = "Andel (%) i befolkningen (16–84 år) som känner sig ganska/mycket otrygga samt de som avstår från att gå ut på grund av otrygghet."


def indicators_year(seed: int, year: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, year, 4])
    rows = []
    for geography, population in POPULATION.items():
        level = {"Uppsala": 1.05, "Uppsala län": 0.95, "Hela landet": 1.0}[geography]
        for indicator, rate in CRIME_RATES.items():
            per_100k = round(rate * level * float(rng.normal(1.0, 0.05)), 0)
            rows.append(
                (geography, "Antal", year, indicator, round(per_100k * population / 100_000, 0), "Anmälda brott")
            )
            rows.append((geography, "Antal per 100 000 inv", year, indicator, per_100k, "Anmälda brott"))
        share = round(float(rng.normal(22.0 * level, 1.5)), 0)
        margin = 4.0 if geography == "Uppsala" else 2.0
        for unit, value in (
            (NTU_UNIT, share),
            ("KI (95 %) undre gräns", share - margin),
            ("KI (95 %) övre gräns", share + margin),
        ):
            rows.append((geography, unit, year, NTU_ITEM, value, "Nationella trygghetsundersökningen (NTU)"))
    return pd.DataFrame(rows, columns=["geografi", "enhet", "ar", "variabel", "varde", "kalla"])
