"""Travel time between points, in whole minutes (rounded up, so a plan that fits on paper fits on the street).

The default is the straight-line (haversine) distance × a detour factor ÷ a speed. A road-network matrix (for
example from osmnx shortest paths) plugs in through ``MatrixTravel``; it falls back to haversine for pairs it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from analytics.forecast import haversine_m
from analytics.guards.model import Location

SPEED_KMH = {"drive": 30.0, "bike": 15.0, "walk": 5.0}  # urban averages, stops and parking included
DETOUR_FACTOR = 1.3  # streets are about 30 % longer than the straight line (analytics-methods §4.2)


class TravelModel(Protocol):
    def minutes(self, points: Sequence[Location]) -> np.ndarray:
        """Square matrix of whole travel minutes between the points (0 on the diagonal)."""


@dataclass(frozen=True)
class HaversineTravel:
    speed_kmh: float = SPEED_KMH["drive"]
    detour_factor: float = DETOUR_FACTOR

    def minutes(self, points: Sequence[Location]) -> np.ndarray:
        lat = np.array([p.lat for p in points], float)
        lon = np.array([p.lon for p in points], float)
        metres = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        minutes = np.ceil(metres / 1000.0 * self.detour_factor / self.speed_kmh * 60.0 - 1e-9)
        return minutes.astype(np.int64)


@dataclass(frozen=True)
class MatrixTravel:
    """Known minutes between point ids (e.g. a cached road-network matrix); the fallback fills the gaps."""

    minutes_by_pair: Mapping[tuple[str, str], float]
    fallback: TravelModel = field(default_factory=HaversineTravel)

    def minutes(self, points: Sequence[Location]) -> np.ndarray:
        matrix = self.fallback.minutes(points).copy()
        for i, a in enumerate(points):
            for j, b in enumerate(points):
                known = self.minutes_by_pair.get((a.point_id, b.point_id))
                if known is not None and i != j:
                    matrix[i, j] = int(np.ceil(known - 1e-9))
        return matrix


def travel_for_mode(mode: str) -> HaversineTravel:
    if mode not in SPEED_KMH:
        raise ValueError(f"unknown travel mode {mode!r} (known: {', '.join(SPEED_KMH)})")
    return HaversineTravel(speed_kmh=SPEED_KMH[mode])
