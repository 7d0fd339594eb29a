"""A small store with people in every IMD decile, for the Deprivation and Need pages and
their Qt-free helpers: ten LSOAs (decile 1 to 10), unequal populations of men and women
aged 70-74, and more people seen in the less deprived deciles (so the SII is positive,
every decile's DSR is published, and some areas lie outside the funnel limits)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from plan_store import lookup_rows, population_rows, referral_rows, write_store
from sqlalchemy.engine import Engine

__all__ = ["DECILE_LSOAS", "POPULATIONS", "SEEN", "deprivation_store"]

DECILE_LSOAS = tuple(f"E010105{68 + i:02d}" for i in range(10))
#: Men and women 70-74 in each decile's LSOA (the same number of each).
POPULATIONS = (300, 150, 200, 250, 100, 400, 220, 180, 260, 140)
#: People seen in each decile (half men, half women), and 6 more referred, not seen.
SEEN = (12, 14, 18, 22, 16, 40, 28, 26, 40, 24)


def deprivation_store(tmp_path: Path, *, population: bool = True) -> tuple[str, Engine]:
    sex: list[object] = []
    lsoa: list[object] = []
    seen: list[object] = []
    for code, count in zip(DECILE_LSOAS, SEEN, strict=True):
        for i in range(count + 6):
            sex.append("1" if i % 2 else "2")
            lsoa.append(code)
            seen.append(date(2024, 9, 1) if i < count else None)
    sex += ["1", "2"]  # two people seen with no area: in All only
    lsoa += [None, None]
    seen += [date(2024, 9, 1)] * 2
    n = len(sex)
    rows = referral_rows(
        sex=sex,
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=lsoa,
        referral_date=[date(2024, 6, 1)] * n,
        first_contact_date=seen,
        contacts_attended=[1 if s else 0 for s in seen],
    )
    people = population_rows(
        {
            (code, s, "70-74"): float(count)
            for code, count in zip(DECILE_LSOAS, POPULATIONS, strict=True)
            for s in ("1", "2")
        }
    )
    lookup = lookup_rows({code: i + 1 for i, code in enumerate(DECILE_LSOAS)})
    url = f"sqlite:///{tmp_path / 'deprivation.db'}"
    return url, write_store(url, rows, people=people if population else None, lookup=lookup)
