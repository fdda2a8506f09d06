"""Where the ward's 町名 are and how far apart two points are (the class list's 近い順).

The 20 町名 and their 丁目 points are read once from the copies in ``classes/data``
(``toshima_town_names.csv``, ``toshima_chome_list.csv``; sources in its README). A 町名's
representative point is the mean of its 丁目 points. Distances are great-circle (haversine)
distances in kilometres, here and nowhere else.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
EARTH_RADIUS_KM = 6371.0088
# Coordinates from a phone are rounded to this many decimals (about 100 m) before they reach
# the server's cache key or the sort.
COORDINATE_PLACES = 3
# A box around Toshima (with a margin): a phone outside it gets the list in date order.
LATITUDE_RANGE = (35.60, 35.85)
LONGITUDE_RANGE = (139.55, 139.85)

Point = tuple[float, float]


@cache
def town_names() -> tuple[str, ...]:
    """The ward's 20 町名 in the order of ``toshima_town_names.csv``."""
    with (DATA / "toshima_town_names.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(row["town"].strip() for row in csv.DictReader(fh))


@cache
def town_points() -> dict[str, Point]:
    """町名 → the mean (lat, lon) of its 丁目 points in ``toshima_chome_list.csv``."""
    sums: dict[str, list[float]] = {}
    with (DATA / "toshima_chome_list.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            total = sums.setdefault(row["town"].strip(), [0.0, 0.0, 0])
            total[0] += float(row["lat"])
            total[1] += float(row["lng"])
            total[2] += 1
    return {town: (lat / n, lon / n) for town, (lat, lon, n) in sums.items()}


def distance_km(a: Point, b: Point) -> float:
    """The haversine distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def rounded(value: float) -> float:
    return round(value, COORDINATE_PLACES)


def in_ward_box(point: Point) -> bool:
    lat, lon = point
    return (
        LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]
        and LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]
    )
