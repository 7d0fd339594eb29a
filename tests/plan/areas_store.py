"""A small store for the area tests (issue 14), every number worked out by hand: four
LSOAs 2011 in four West Yorkshire places (A Bradford, B Leeds, C Kirklees, D
Calderdale) with made-up deciles, people aged 70-74 seen with set waits and contacts,
a neighbourhood lookup (N1: A and B; N2: C; D in none) and two sites (S1 placed by A's
LSOA; S2 by coordinates 3 km north of B's centroid)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
from plan_store import lookup_rows, population_rows, referral_rows, write_store
from sqlalchemy.engine import Engine

from rehabdash import refdata
from rehabdash.refdata.boundaries import EARTH_RADIUS_KM, lsoa_centroids

BAND = "70-74"


def one_lsoa_of(lad_name: str) -> str:
    lookup = refdata.lsoa_lookup(2011).filter(pl.col("lad_name") == lad_name)
    return str(lookup["lsoa"].sort()[0])


#: One LSOA 2011 in each of four West Yorkshire places, far enough apart for the bands.
A, B, C, D = (one_lsoa_of(n) for n in ("Bradford", "Leeds", "Kirklees", "Calderdale"))
DECILES = {A: 1, B: 2, C: 5, D: 10}
#: Men and women aged 70-74 by LSOA.
POPULATION = {A: (200, 200), B: (100, 100), C: (150, 150), D: (100, 100)}
#: Per LSOA: (men seen, women seen, not seen, wait in days of each person seen).
PEOPLE = {A: (10, 10, 0, 5), B: (4, 4, 0, 30), C: (3, 3, 2, 60), D: (1, 1, 0, 200)}
#: Contacts of each person seen: attended, did not attend, cancelled.
CONTACTS = {A: (2, 1, 0), B: (3, 0, 1), C: (2, 2, 0), D: (1, 0, 0)}
NEIGHBOURHOODS = {A: "N1", B: "N1", C: "N2"}  # D is in no neighbourhood


def centroid(lsoa: str) -> tuple[float, float]:
    row = lsoa_centroids(2011).filter(pl.col("lsoa") == lsoa).row(0, named=True)
    return float(row["latitude"]), float(row["longitude"])


def site_rows() -> pl.DataFrame:
    """S1 placed by A's LSOA; S2 by coordinates 3 km north of B's centroid."""
    lat_b, lon_b = centroid(B)
    north = 3.0 / EARTH_RADIUS_KM * 180 / math.pi
    return pl.DataFrame(
        {
            "name": ["S1 hub", "S2 clinic"],
            "site_type": ["hub", "clinic"],
            "lsoa": [A, None],
            "lsoa_vintage": [2011, None],
            "latitude": [None, lat_b + north],
            "longitude": [None, lon_b],
        },
        schema={
            "name": pl.String,
            "site_type": pl.String,
            "lsoa": pl.String,
            "lsoa_vintage": pl.Int64,
            "latitude": pl.Float64,
            "longitude": pl.Float64,
        },
    )


def areas_store(
    url: str,
    *,
    sites: bool = True,
    localities: dict[str, str] | None = None,
    area_type: str = "neighbourhood",
    lookup_imported: bool = True,
) -> Engine:
    """The store of the module docstring: four LSOAs, their people, a neighbourhood
    lookup (N1: A and B; N2: C; of ``area_type``), with ``localities`` (LSOA -> code) a
    locality lookup beside it (none with not ``lookup_imported``), and with ``sites``,
    two sites."""
    rows: dict[str, list[object]] = {
        k: [] for k in ("sex", "lsoa", "first_contact_date", "contacts_attended", "contacts_dna")
    }
    rows["contacts_cancelled"] = []
    for lsoa, (men, women, unseen, wait) in PEOPLE.items():
        attended, dna, cancelled = CONTACTS[lsoa]
        for sex, count in (("1", men), ("2", women)):
            rows["sex"] += [sex] * count
            rows["lsoa"] += [lsoa] * count
            rows["first_contact_date"] += [date(2024, 6, 1) + timedelta(days=wait)] * count
            rows["contacts_attended"] += [attended] * count
            rows["contacts_dna"] += [dna] * count
            rows["contacts_cancelled"] += [cancelled] * count
        rows["sex"] += ["1"] * unseen
        rows["lsoa"] += [lsoa] * unseen
        rows["first_contact_date"] += [None] * unseen
        rows["contacts_attended"] += [0] * unseen
        rows["contacts_dna"] += [0] * unseen
        rows["contacts_cancelled"] += [0] * unseen
    n = len(rows["sex"])
    referrals = referral_rows(**rows, age=[72] * n, age_band=[BAND] * n)
    pop = population_rows(
        {(lsoa, sex, BAND): c[i] for lsoa, c in POPULATION.items() for i, sex in enumerate("12")}
    )
    lookup = lookup_rows(DECILES)
    hoods = pl.DataFrame(
        {
            "lsoa": list(NEIGHBOURHOODS),
            "lsoa_vintage": [2011] * len(NEIGHBOURHOODS),
            "code": list(NEIGHBOURHOODS.values()),
            "name": [f"Neighbourhood {c[1]}" for c in NEIGHBOURHOODS.values()],
            "area_type": [area_type] * len(NEIGHBOURHOODS),
        }
    )
    if localities:
        hoods = pl.concat(
            [
                hoods,
                pl.DataFrame(
                    {
                        "lsoa": list(localities),
                        "lsoa_vintage": [2011] * len(localities),
                        "code": list(localities.values()),
                        "name": [f"Locality {c}" for c in localities.values()],
                        "area_type": ["locality"] * len(localities),
                    }
                ),
            ]
        )
    return write_store(
        url,
        referrals,
        people=pop,
        lookup=lookup,
        neighbourhoods=hoods if lookup_imported else None,
        sites=site_rows() if sites else None,
    )
