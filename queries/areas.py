"""The live reference rows the plan needs beside referrals: the area lookup (LSOA -> IMD,
local authority, sub-ICB, ICB), the imported population and the imported need weights;
and the ICB's own geography: its neighbourhoods (localities, hub catchments) and service
sites (issue 14).

Small tables (tens of thousands of rows at most), so the driver cursor is fast enough.
Each frame carries ``batch_id`` so a result can name the batches it read.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Table, select
from sqlalchemy.engine import Engine

from rehabdash.queries.frames import fetch_frame
from rehabdash.store.batches import live_batches
from rehabdash.store.schema import (
    area_lookup,
    need_weight,
    neighbourhood,
    population,
    service_site,
)

__all__ = [
    "live_area_lookup",
    "live_need_weights",
    "live_neighbourhoods",
    "live_population",
    "live_sites",
]


def _pull(engine: Engine, table: Table, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    columns = [table.c[name] for name in schema]
    query = select(*columns).where(table.c.batch_id.in_(live_batches().scalar_subquery()))
    with engine.connect() as conn:
        return fetch_frame(conn, query, schema)


def live_area_lookup(engine: Engine) -> pl.DataFrame:
    """batch_id, lsoa, lsoa_vintage, imd_edition, imd_decile, lad_code, lad_name, sicb_code,
    icb_code, icb_name, locality, pcn_code: the store's live area lookup rows."""
    schema: dict[str, pl.DataType] = {
        "batch_id": pl.Int64(),
        "lsoa": pl.String(),
        "lsoa_vintage": pl.Int64(),
        "imd_edition": pl.Int64(),
        "imd_decile": pl.Int64(),
        "lad_code": pl.String(),
        "lad_name": pl.String(),
        "sicb_code": pl.String(),
        "icb_code": pl.String(),
        "icb_name": pl.String(),
        "locality": pl.String(),
        "pcn_code": pl.String(),
    }
    return _pull(engine, area_lookup, schema)


def live_population(engine: Engine) -> pl.DataFrame:
    """area_code, sex ("1", "2" or "P"), age_band, count, year, batch_id."""
    schema: dict[str, pl.DataType] = {
        "area_code": pl.String(),
        "sex": pl.String(),
        "age_band": pl.String(),
        "count": pl.Float64(),
        "year": pl.Int64(),
        "batch_id": pl.Int64(),
    }
    return _pull(engine, population, schema)


def live_need_weights(engine: Engine) -> pl.DataFrame:
    """age_band, sex, condition_group, weight, batch_id."""
    schema: dict[str, pl.DataType] = {
        "age_band": pl.String(),
        "sex": pl.String(),
        "condition_group": pl.String(),
        "weight": pl.Float64(),
        "batch_id": pl.Int64(),
    }
    return _pull(engine, need_weight, schema)


def live_neighbourhoods(engine: Engine) -> pl.DataFrame:
    """batch_id, lsoa, lsoa_vintage, code, name, area_type ("neighbourhood", "locality" or
    "hub catchment"): the live rows of the ICB's own LSOA -> area lookups."""
    schema: dict[str, pl.DataType] = {
        "batch_id": pl.Int64(),
        "lsoa": pl.String(),
        "lsoa_vintage": pl.Int64(),
        "code": pl.String(),
        "name": pl.String(),
        "area_type": pl.String(),
    }
    return _pull(engine, neighbourhood, schema)


def live_sites(engine: Engine) -> pl.DataFrame:
    """batch_id, name, site_type, lsoa, lsoa_vintage, latitude, longitude: the live service
    sites (lsoa null for a site given by coordinates only; latitude and longitude null for
    one given by LSOA or postcode only)."""
    schema: dict[str, pl.DataType] = {
        "batch_id": pl.Int64(),
        "name": pl.String(),
        "site_type": pl.String(),
        "lsoa": pl.String(),
        "lsoa_vintage": pl.Int64(),
        "latitude": pl.Float64(),
        "longitude": pl.Float64(),
    }
    return _pull(engine, service_site, schema)
