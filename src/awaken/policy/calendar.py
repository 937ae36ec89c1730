"""The preset's world over a chosen horizon: seasons and yearly campaigns carried forward.

The presets declare England's waves, seasons and vaccination campaigns up to 2023-2024. A
horizon beyond them needs an assumption: with ``extend_calendar`` (the default) the last
declared SARS-CoV-2 wave, influenza season and RSV season are repeated every year, and so are
the latest year's campaigns of each *yearly* vaccine product: one given in each of its last
three declared years (England's influenza vaccine and COVID-19 boosters; not first doses, nor
RSV, a single dose in England's programme). Without it, nobody is infected or vaccinated
after the declared calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

YEARLY = 3  # a product given in each of its last YEARLY declared years is yearly


def end_date(start: dt.date, years: float) -> dt.date:
    """The last day of a horizon of ``years`` from ``start``."""
    return start + dt.timedelta(days=round(years * 365.25) - 1)


def _shift(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def extend_seasons(seasons: list[dict[str, Any]], end: dt.date, what: str) -> list[dict[str, Any]]:
    """``seasons`` with the last one repeated every year while its peak is before ``end``."""
    if not seasons:
        return list(seasons)
    last = max(seasons, key=lambda s: s["peak"])
    out, k = list(seasons), 1
    while (peak := _shift(last["peak"], k)) <= end:
        copy = {**last, "peak": peak, "source": f"assumed: the last declared {what} repeated"}
        if "name" in copy:
            copy["name"] = f"{last['name']}+{k}y"
        out.append(copy)
        k += 1
    return out


def extend_campaigns(deliveries: list[dict[str, Any]], end: dt.date) -> list[dict[str, Any]]:
    """``deliveries`` with each yearly product's latest-year campaigns repeated every year."""
    out = list(deliveries)
    for product in dict.fromkeys(d["product"] for d in deliveries):
        mine = [d for d in deliveries if d["product"] == product]
        years = {d["start"].year for d in mine}
        year = max(years)
        if not set(range(year - YEARLY + 1, year + 1)) <= years:
            continue
        for d in (d for d in mine if d["start"].year == year):
            k = 1
            while (start := _shift(d["start"], k)) <= end:
                out.append({**d, "name": f"{d['name']}+{k}y", "start": start,
                            "end": _shift(d["end"], k),
                            "source": "assumed: the latest declared campaign repeated"})
                k += 1
    return out
