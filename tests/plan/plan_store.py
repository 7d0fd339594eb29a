"""Small hand-built stores for plan tests: every number can be worked out by hand.

``write_store(url, referrals, people=..., lookup=...)`` writes the frames as live batches
(lookup; ``people``, the population; activity) and returns the engine. Referral rows
need only the columns a test cares about: the rest are blank (person keys default to
one person per row, referral ids are numbered, team type 26 physiotherapy).
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy.engine import Engine

from rehabdash.store import open_store
from rehabdash.store.batches import BatchInfo, record_batch
from rehabdash.store.bulk import bulk_insert
from rehabdash.store.schema import (
    REFERRAL_COLUMNS,
    area_lookup,
    neighbourhood,
    population,
    referral,
    service_site,
)

__all__ = [
    "LSOAS",
    "lookup_rows",
    "population_rows",
    "referral_rows",
    "three_pakistani_people",
    "write_store",
]

#: Four real West Yorkshire LSOA 2011 codes (Bradford), given made-up deciles by default.
LSOAS = ("E01010568", "E01010569", "E01010570", "E01010571")


def referral_rows(**columns: list[object]) -> pl.DataFrame:
    """Referral rows from columns; unnamed columns blank (see the module docstring)."""
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "person_key": [f"p{i:05d}" for i in range(n)],
        "referral_id": [f"r{i:05d}" for i in range(n)],
        "provider_code": ["RY6"] * n,
        "team_type": ["26"] * n,
        "referral_date": [date(2024, 6, 1)] * n,
    }
    base.update(columns)
    frame = pl.DataFrame(base, strict=False)
    missing = [c for c in REFERRAL_COLUMNS if c not in frame.columns and c != "batch_id"]
    return frame.with_columns(pl.lit(None).alias(c) for c in missing)


def population_rows(counts: dict[tuple[str, str, str], float], year: int = 2024) -> pl.DataFrame:
    """{(area_code, sex, age_band): count} as population rows."""
    return pl.DataFrame(
        {
            "area_code": [k[0] for k in counts],
            "sex": [k[1] for k in counts],
            "age_band": [k[2] for k in counts],
            "count": list(counts.values()),
            "year": [year] * len(counts),
        }
    )


def lookup_rows(deciles: dict[str, int], vintage: int = 2011, edition: int = 2019) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "lsoa": list(deciles),
            "lsoa_vintage": [vintage] * len(deciles),
            "imd_edition": [edition] * len(deciles),
            "imd_decile": list(deciles.values()),
            "lad_code": ["E08000032"] * len(deciles),
            "lad_name": ["Bradford"] * len(deciles),
            "sicb_code": ["E38000232"] * len(deciles),
            "sicb_name": ["NHS West Yorkshire ICB - 36J"] * len(deciles),
            "icb_code": ["E54000054"] * len(deciles),
            "icb_name": ["NHS West Yorkshire Integrated Care Board"] * len(deciles),
        }
    )


def _batch(conn: object, kind: str, name: str, rows: int) -> int:
    info = BatchInfo(
        kind, name, f"{kind}-{name}".ljust(64, "0")[:64], rows_read=rows, rows_accepted=rows
    )
    return record_batch(conn, info)  # type: ignore[arg-type]


def write_store(
    url: str,
    referrals: pl.DataFrame,
    *,
    people: pl.DataFrame | None = None,
    lookup: pl.DataFrame | None = None,
    neighbourhoods: pl.DataFrame | None = None,
    sites: pl.DataFrame | None = None,
) -> Engine:
    """The frames as live batches; ``neighbourhoods`` (lsoa, lsoa_vintage, code, name,
    area_type) and ``sites`` (name, site_type, lsoa, lsoa_vintage, latitude, longitude)
    as an "areas" and a "sites" batch."""
    engine = open_store(url)
    with engine.begin() as conn:
        for kind, table, frame in (
            ("areas", neighbourhood, neighbourhoods),
            ("sites", service_site, sites),
        ):
            if frame is not None:
                batch = _batch(conn, kind, f"test {kind}", frame.height)
                bulk_insert(conn, table, frame.with_columns(pl.lit(batch).alias("batch_id")))
        if lookup is not None:
            batch = _batch(conn, "lookup", "test lookup", lookup.height)
            bulk_insert(conn, area_lookup, lookup.with_columns(pl.lit(batch).alias("batch_id")))
        if people is not None:
            batch = _batch(conn, "population", "test population", people.height)
            bulk_insert(conn, population, people.with_columns(pl.lit(batch).alias("batch_id")))
        batch = _batch(conn, "activity", "test activity", referrals.height)
        rows = referrals.with_columns(pl.lit(batch).alias("batch_id"))
        bulk_insert(conn, referral, rows.select(REFERRAL_COLUMNS))
    return engine


def three_pakistani_people(url: str) -> Engine:
    """120 people aged 72, all seen: 30 in a decile 1 LSOA, 90 in a decile 10 LSOA, 3 of
    them with ethnicity "J" (Pakistani) and the rest "A"; 500 of each sex in each LSOA."""
    n = 120
    rows = referral_rows(
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[0]] * 30 + [LSOAS[1]] * 90,
        first_contact_date=[date(2024, 7, 1)] * n,
        ethnic_category=["J"] * 3 + ["A"] * (n - 3),
        contacts_attended=[2] * n,
    )
    pop = population_rows({(lsoa, sex, "70-74"): 500 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    return write_store(url, rows, people=pop, lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 10}))
