"""Write a generated demo ICB into a store, as five audited batches in one transaction:
its area lookup, population and referrals, then its neighbourhoods and service sites.

Identifiers are pseudonymised with the store's own key before anything is written,
exactly as a real import does; dates of birth and clear ids never reach the store. The
no-inequity demo (DemoData.planted False) says so in every batch's name and details.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from rehabdash.demo.generate import DemoData
from rehabdash.demo.local_areas import demo_neighbourhoods, demo_sites
from rehabdash.demo.population import POPULATION_YEAR
from rehabdash.errors import StoreError
from rehabdash.ingest.pseudonymise import pseudonymise
from rehabdash.store.batches import BatchInfo, record_batch
from rehabdash.store.bulk import Progress, bulk_insert
from rehabdash.store.keys import pseudonym_key
from rehabdash.store.schema import (
    REFERRAL_COLUMNS,
    area_lookup,
    neighbourhood,
    population,
    referral,
    service_site,
)

__all__ = ["pseudonymise", "store_demo"]


def _signature(data: DemoData, part: str) -> str:
    text = (
        f"rehabdash demo {data.icb.code} seed={data.seed} rows={data.referrals.height}"
        f"{'' if data.planted else ' no-inequities'} {part}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _areas_frame(data: DemoData) -> pl.DataFrame:
    return data.areas.select(
        "lsoa",
        pl.lit(2011, pl.Int16).alias("lsoa_vintage"),
        pl.lit(2019, pl.Int16).alias("imd_edition"),
        "imd_decile",
        "imd_rank",
        "imd_score",
        "lad_code",
        "lad_name",
        "sicb_code",
        "sicb_name",
        "icb_code",
        "icb_name",
    )


def _referral_frame(data: DemoData, key: bytes) -> pl.DataFrame:
    df = data.referrals.with_columns(
        pseudonymise(data.referrals["person_id"], key).alias("person_key"),
        pseudonymise(data.referrals["nhs_number"], key).alias("nhs_number_key"),
        pl.lit(None, pl.Int16).alias("imd_decile"),  # derived from the LSOA, as for most extracts
    )
    return df.select(c for c in REFERRAL_COLUMNS if c != "batch_id")


#: Every demo batch's source name starts "rehabdash demo" or "rehabdash no-inequity demo":
#: how a store is known to hold the demo (:func:`rehabdash.demo.is_demo_store`).
DEMO_SOURCE, DEMO_KINDS = "rehabdash", ("demo", "no-inequity demo")


def store_demo(
    engine: Engine,
    data: DemoData,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Write areas, population, referrals, neighbourhoods and sites; returns the batch id
    of each (keys "lookup", "population", "activity", "areas", "sites")."""
    with engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(referral)).scalar_one()
    if held:
        raise StoreError(
            f"the store already holds {held:,} referrals; build the demo in a new store"
        )
    key = pseudonym_key(engine)
    refs = _referral_frame(data, key)
    kind = DEMO_KINDS[0] if data.planted else f"{DEMO_KINDS[1]} (no inequities planted)"
    source = f"{DEMO_SOURCE} {kind}: {data.icb.name} (seed {data.seed})"
    batches: dict[str, int] = {}
    with engine.begin() as conn:
        areas = _areas_frame(data)
        batches["lookup"] = record_batch(
            conn,
            BatchInfo(
                "lookup",
                f"{source}: LSOA 2011 lookup with IMD 2019",
                _signature(data, "lookup"),
                rows_read=areas.height,
                rows_accepted=areas.height,
                details={"lsoa_vintage": 2011, "imd_edition": 2019},
            ),
        )
        bulk_insert(
            conn, area_lookup, areas.with_columns(pl.lit(batches["lookup"]).alias("batch_id"))
        )
        pop = data.population.rename({"lsoa": "area_code"}).with_columns(
            pl.lit(POPULATION_YEAR, pl.Int16).alias("year"),
            pl.lit(f"ONS mid-{POPULATION_YEAR} LSOA persons, split by sex (assumed shares)").alias(
                "source"
            ),
        )
        batches["population"] = record_batch(
            conn,
            BatchInfo(
                "population",
                f"{source}: ONS mid-{POPULATION_YEAR} population",
                _signature(data, "population"),
                rows_read=pop.height,
                rows_accepted=pop.height,
                details={"year": POPULATION_YEAR},
            ),
        )
        bulk_insert(
            conn, population, pop.with_columns(pl.lit(batches["population"]).alias("batch_id"))
        )
        batches["activity"] = record_batch(
            conn,
            BatchInfo(
                "activity",
                f"{source}: synthetic referrals",
                _signature(data, "activity"),
                rows_read=refs.height,
                rows_accepted=refs.height,
                period="2023-04/2025-03",
                details={
                    "lsoa_vintage": 2011,
                    "synthetic": True,
                    "inequities_planted": data.planted,
                },
            ),
        )
        bulk_insert(
            conn,
            referral,
            refs.with_columns(pl.lit(batches["activity"]).alias("batch_id")),
            progress=progress,
            cancel=cancel,
        )
        _store_local_areas(conn, data, source, batches)
    return batches


def _store_local_areas(
    conn: Connection, data: DemoData, source: str, batches: dict[str, int]
) -> None:
    """The neighbourhoods and service sites, after the referrals (so the older batches
    keep their ids), each its own batch as an import of those kinds would write it."""
    areas = demo_neighbourhoods(data)
    sites = demo_sites(data, areas)
    for kind, table, rows, what, details in (
        (
            "areas",
            neighbourhood,
            areas,
            f"neighbourhoods ({areas['code'].n_unique():,} groups of MSOAs)",
            {
                "lsoa_vintage": 2011,
                "area_type": ["neighbourhood"],
                "areas": areas["code"].n_unique(),
            },
        ),
        (
            "sites",
            service_site,
            sites,
            "service sites",
            {
                "lsoa_vintage": sites["lsoa_vintage"].drop_nulls().unique().sort().to_list(),
                "site_types": sites["site_type"].unique().sort().to_list(),
            },
        ),
    ):
        batches[kind] = record_batch(
            conn,
            BatchInfo(
                kind,
                f"{source}: {what}",
                _signature(data, kind),
                rows_read=rows.height,
                rows_accepted=rows.height,
                details={**details, "synthetic": True},
            ),
        )
        bulk_insert(conn, table, rows.with_columns(pl.lit(batches[kind]).alias("batch_id")))
