"""The national baseline: smartphone use by age, from 総務省「通信利用動向調査」.

Read from ``analytics/data/japan_internet_smartphone_by_age.csv`` (see the README there).
Every chart that shows these figures prints ``ATTRIBUTION`` under it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data" / "japan_internet_smartphone_by_age.csv"
INDICATOR = "smartphone_used_to_access_internet_pct"
PRIMARY = "primary_gov_text"

ATTRIBUTION = "出典：総務省 通信利用動向調査（情報通信白書 令和7年版）"
ATTRIBUTION_URL = "https://www.soumu.go.jp/johotsusintokei/whitepaper/ja/r07/html/nd111110.html"
LICENCE = "政府標準利用規約（第2.0版）"
AGE_LABELS = {"all": "全体", "60-69": "60〜69歳", "70-79": "70〜79歳", "80+": "80歳以上"}


@lru_cache(maxsize=1)
def _rows() -> pd.DataFrame:
    return pd.read_csv(DATA, dtype=str, keep_default_na=False)


def national_smartphone_use() -> pd.DataFrame:
    """Share of people who used a smartphone to access the internet, by age group.

    For each age group the latest survey year with a primary government source (the
    白書's own text); secondary and private figures are left out. Columns: ``age_group``
    (all, 60-69, 70-79), ``age_label`` (Japanese), ``survey_year``, ``value_pct``,
    ``survey``, ``source``.
    """
    frame = _rows()
    frame = frame[(frame["indicator"] == INDICATOR) & (frame["verification"] == PRIMARY)].copy()
    frame["survey_year"] = frame["survey_year"].astype(int)
    frame["value_pct"] = frame["value_pct"].astype(float)
    latest = frame.sort_values("survey_year").groupby("age_group", sort=False).tail(1)
    order = {group: i for i, group in enumerate(AGE_LABELS)}
    latest = latest.sort_values("age_group", key=lambda s: s.map(order).fillna(len(order)))
    latest["age_label"] = latest["age_group"].map(AGE_LABELS)
    columns = ["age_group", "age_label", "survey_year", "value_pct", "survey", "source"]
    return latest[columns].reset_index(drop=True)
