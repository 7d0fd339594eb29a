"""Distance to the nearest rehab service site, and access by distance band (issue 14).

Transport poverty is a known barrier to rehab: this part of the plan asks whether
people living further from a service site are seen less often than their age, sex and
deprivation would lead one to expect.

* **Where people live** is their LSOA's centroid: the geometric (area-weighted) centroid
  of the shipped super-generalised boundary (``rehabdash.refdata.boundaries``;
  population-weighted centroids are not shipped). In a large rural LSOA the people may
  live some way from it.
* **Where the sites are**: the latitude and longitude imported with ``rehabdash import
  sites``, else the centroid of the site's LSOA. Every live site counts, inside the ICB
  or not: people near a border may use a site over it.
* **Distance** is the great-circle (haversine) distance in km on a sphere of the
  Earth's mean radius, 6,371.0088 km: straight-line, not by road or public transport.
  The nearest site is found by brute force over every site (numpy, in blocks of LSOAs):
  all of England's 33,755 LSOAs against 50 sites is 1.7 million distances.
* **Bands**: under 2 km, 2 to 5 km, 5 to 10 km, 10 km and over (:data:`DISTANCE_BANDS`).
* **Access by band**: people seen per 1,000 (crude, exact/Byar's limits) and observed ÷
  expected people seen, expected at the scope's own rates by sex, age band and IMD
  quintile (where the scope's LSOAs all have a decile; else by sex and age band, and
  the definition says so), with exact/Byar's limits as every O/E of the plan.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.codes.characteristics import characteristic
from rehabdash.plan.need import homes_of, oe_rows
from rehabdash.plan.places import area_names
from rehabdash.plan.result import ALL, NOT_APPLICABLE, NOT_AVAILABLE, Indicator, Metric, conform
from rehabdash.plan.scope import Scope
from rehabdash.plan.standardise import with_all, with_oe
from rehabdash.refdata.boundaries import CENTROID_METHOD, EARTH_RADIUS_KM, lsoa_centroids
from rehabdash.stats import rate

__all__ = [
    "BAND_WORDS",
    "BREAKDOWN_KEY",
    "DISTANCE_BANDS",
    "EARTH_RADIUS_KM",
    "METRICS",
    "distance_indicators",
    "lsoa_distances",
    "nearest_sites",
    "site_points",
]

#: (code, label, from km inclusive, to km exclusive or None).
DISTANCE_BANDS: tuple[tuple[str, str, float, float | None], ...] = (
    ("under_2km", "Under 2 km", 0.0, 2.0),
    ("2_5km", "2 to 5 km", 2.0, 5.0),
    ("5_10km", "5 to 10 km", 5.0, 10.0),
    ("10km_plus", "10 km and over", 10.0, None),
)
#: Each band in a sentence: "people living {words} the nearest site".
BAND_WORDS = {
    "under_2km": "within 2 km of",
    "2_5km": "2 to 5 km from",
    "5_10km": "5 to 10 km from",
    "10km_plus": "10 km or more from",
}
BREAKDOWN_KEY = "distance_band"
_TITLE = "Distance from home (LSOA centroid) to the nearest rehab site"
_SEEN = "people seen (at least one attended contact) in the period"
_STRAIGHT = "straight-line (haversine) distance from the LSOA centroid to the nearest site"
_SPECS: tuple[tuple[str, str, str, str, str, str, str, str, float], ...] = (
    # key, title, numerator, denominator, method, unit, value kind, polarity, multiplier
    ("site_distance", "Distance to the nearest rehab site, by LSOA", _STRAIGHT, "",
     f"{_STRAIGHT}; {CENTROID_METHOD}", "km", "complex", "lower", 1),
    ("distance_people_seen", "People seen, by distance to the nearest rehab site", _SEEN, "",
     "count of distinct people", "people", "count", "higher", 1),
    ("distance_seen_rate", "People seen per 1,000 population, by distance to the nearest "
     "rehab site", _SEEN, "population of the LSOAs in the band",
     "crude rate; exact Poisson limits below 10 people, Byar's from 10", "per 1,000", "ratio",
     "higher", 1000),
    ("distance_oe", "People seen: observed ÷ expected (age, sex and deprivation adjusted), by "
     "distance to the nearest rehab site", _SEEN + " with sex and age band recorded",
     "expected people seen", "indirectly standardised ratio; exact Poisson limits below 10, "
     "Byar's from 10", "ratio", "complex", "higher", 1),
)  # fmt: skip
METRICS: tuple[Metric, ...] = tuple(
    Metric(k, t, n, d, m, u, "need", kind, pol, float(mult))  # type: ignore[arg-type]
    for k, t, n, d, m, u, kind, pol, mult in _SPECS
)
_BY_KEY = {m.key: m for m in METRICS}
_HEAD = ("breakdown_key", "breakdown", "level_code", "level", "order")
_NO_LSOA = "no LSOA of the scope is in this band"
#: Fewer people seen with sex and age band recorded than this: no adjusted ratio.
_FEWEST_TO_ADJUST = 10


def nearest_sites(
    lat: np.ndarray, lon: np.ndarray, site_lat: np.ndarray, site_lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each point (degrees), the haversine distance in km to the nearest site and
    that site's index. Blocks of points keep the points × sites matrix small."""
    if site_lat.size == 0:
        raise ValueError("no site to measure the distance to")
    p_lat, p_lon = np.radians(lat)[:, None], np.radians(lon)[:, None]
    s_lat, s_lon = np.radians(site_lat)[None, :], np.radians(site_lon)[None, :]
    cos_s = np.cos(s_lat)
    km = np.empty(lat.shape[0])
    index = np.empty(lat.shape[0], dtype=np.int64)
    block = max(1, 2_000_000 // max(site_lat.size, 1))
    for start in range(0, lat.shape[0], block):
        a_lat, a_lon = p_lat[start : start + block], p_lon[start : start + block]
        h = (
            np.sin((s_lat - a_lat) / 2) ** 2
            + np.cos(a_lat) * cos_s * np.sin((s_lon - a_lon) / 2) ** 2
        )
        nearest = h.argmin(axis=1)  # the haversine is monotonic in h: no arcsin per pair
        index[start : start + block] = nearest
        hmin = np.clip(h[np.arange(nearest.size), nearest], 0.0, 1.0)
        km[start : start + block] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(hmin))
    return km, index


def site_points(sites: pl.DataFrame) -> pl.DataFrame:
    """name, site_type, latitude, longitude of each site that can be placed: its own
    coordinates, else its LSOA's centroid (of the LSOA's own vintage)."""
    frames = [sites.filter(pl.col("latitude").is_not_null(), pl.col("longitude").is_not_null())]
    by_lsoa = sites.filter(pl.col("latitude").is_null() | pl.col("longitude").is_null())
    for vintage in by_lsoa["lsoa_vintage"].drop_nulls().unique().sort().to_list():
        centroids = lsoa_centroids(int(vintage))
        frames.append(
            by_lsoa.filter(pl.col("lsoa_vintage") == vintage)
            .drop("latitude", "longitude")
            .join(centroids, on="lsoa", how="inner")
        )
    columns = ["name", "site_type", "latitude", "longitude"]
    return pl.concat([f.select(columns) for f in frames], how="vertical_relaxed")


def _band_expr(km: pl.Expr) -> pl.Expr:
    """The code of the band holding ``km`` (null for a null distance)."""
    expr: pl.Expr = pl.lit(None, pl.String)
    # Each further band wraps the nearer ones: the furthest whose lower bound km reaches.
    for code, _label, low, _high in DISTANCE_BANDS:
        expr = pl.when(km >= low).then(pl.lit(code)).otherwise(expr)
    return expr


def lsoa_distances(lsoas: pl.Series, vintage: int, sites: pl.DataFrame) -> pl.DataFrame:
    """lsoa, km, site (the nearest site's name), band (a code of DISTANCE_BANDS) for
    each of ``lsoas`` with a centroid (LSOAs of ``vintage``)."""
    points = site_points(sites)
    centroids = lsoa_centroids(vintage).filter(pl.col("lsoa").is_in(lsoas.implode()))
    if points.height == 0 or centroids.height == 0:
        return pl.DataFrame(
            schema={"lsoa": pl.String, "km": pl.Float64, "site": pl.String, "band": pl.String}
        )
    km, index = nearest_sites(
        centroids["latitude"].to_numpy(),
        centroids["longitude"].to_numpy(),
        points["latitude"].to_numpy(),
        points["longitude"].to_numpy(),
    )
    return (
        centroids.select("lsoa")
        .with_columns(
            pl.Series("km", km),
            pl.Series("site", points["name"].to_numpy()[index], dtype=pl.String),
        )
        .with_columns(_band_expr(pl.col("km")).alias("band"))
    )


def _levels() -> pl.DataFrame:
    rows = [(code, label) for code, label, *_ in DISTANCE_BANDS] + [(ALL, ALL)]
    return pl.DataFrame(
        {
            "level_code": [c for c, _ in rows],
            "level": [label for _, label in rows],
            "order": list(range(len(rows))),
        },
        schema={"level_code": pl.String, "level": pl.String, "order": pl.Int64},
    ).with_columns(breakdown_key=pl.lit(BREAKDOWN_KEY), breakdown=pl.lit(_TITLE))


def _expected(seen: pl.DataFrame, pop: pl.DataFrame, adjust_imd: bool) -> pl.DataFrame:
    """level_code, expected: Σ population × the scope's rate for its sex, age band (and
    IMD quintile), by band and All."""
    keys = ["sex", "age_band", *(["imd_quintile"] if adjust_imd else [])]
    rates = (
        pop.group_by(keys)
        .agg(pl.col("count").sum())
        .join(seen.group_by(keys).agg(pl.col("seen").sum()), on=keys, how="left")
        .select(
            *keys,
            pl.when(pl.col("count") > 0)
            .then(pl.col("seen").fill_null(0.0) / pl.col("count"))
            .otherwise(0.0)
            .alias("rate"),
        )
    )
    cells = pop.join(rates, on=keys, how="left").with_columns(
        (pl.col("count") * pl.col("rate").fill_null(0.0)).alias("expected")
    )
    by_band = cells.group_by(pl.col("band").alias("level_code")).agg(pl.col("expected").sum())
    return with_all(by_band, "expected")


def distance_indicators(scope: Scope) -> list[Indicator]:
    """Distance to the nearest site by LSOA (``site_distance/lsoa``) and access by
    distance band (``distance_*/distance_band``); none without live sites."""
    if scope.sites is None or scope.sites.height == 0:
        return []
    lsoas = pl.Series(sorted(scope.areas), dtype=pl.String)
    distances = lsoa_distances(lsoas, scope.vintage, scope.sites)
    batches = {*scope.batches, *(int(b) for b in scope.sites["batch_id"].unique())}
    caveats = [
        *scope.notes,
        "distance is straight-line from the LSOA's geometric centroid, not by road or "
        "public transport; every live site counts, inside the ICB or not",
    ]
    out = [_site_distance(scope, distances, batches, caveats)]
    levels = _levels()
    quintile = characteristic("imd_quintile")
    placed = scope.lookup.select(
        pl.col("lsoa").alias("home"),
        quintile.level(pl.col("imd_decile")).cast(pl.String).alias("imd_quintile"),
    ).join(distances.select(pl.col("lsoa").alias("home"), "band"), on="home", how="inner")
    homes = homes_of(scope, "lsoa")
    seen = homes["seen"].join(placed, on="home", how="inner")
    observed = with_all(
        seen.group_by(pl.col("band").alias("level_code")).agg(pl.col("seen").sum()), "seen"
    )
    table = levels.join(observed, on="level_code", how="left").with_columns(
        pl.col("seen").fill_null(0.0)
    )
    frames: dict[str, pl.DataFrame] = {
        "distance_people_seen": table.select(*_HEAD, value="seen", numerator="seen")
    }
    denominator = "no population for this scope"
    adjusted = "sex, age band and IMD quintile"
    if scope.denominator is None:
        for key in ("distance_seen_rate", "distance_oe"):
            frames[key] = table.select(_HEAD).with_columns(
                flag=pl.lit(NOT_AVAILABLE), note=pl.lit(denominator)
            )
    else:
        denominator = scope.denominator.source
        pop = scope.denominator.frame.rename({"area_code": "home"}).join(
            placed, on="home", how="inner"
        )
        population = with_all(
            pop.group_by(pl.col("band").alias("level_code")).agg(pl.col("count").sum()), "count"
        )
        table = table.join(population, on="level_code", how="left").with_columns(
            pl.col("count").fill_null(0.0)
        )
        has = table.filter(pl.col("count") > 0)
        r = rate(has, "seen", "count", multiplier=1000)
        no_pop = table.filter(pl.col("count") <= 0).select(_HEAD)
        frames["distance_seen_rate"] = pl.concat(
            [
                has.select(*_HEAD, numerator="seen", denominator="count").with_columns(
                    r["value"], r["lower"], r["upper"], r["method"]
                ),
                no_pop.with_columns(flag=pl.lit(NOT_APPLICABLE), note=pl.lit(_NO_LSOA)),
            ],
            how="diagonal_relaxed",
        ).sort("order")
        bands = homes["bands"].join(placed, on="home", how="inner")
        adjust_imd = scope.lookup["imd_decile"].null_count() == 0
        if not adjust_imd:
            adjusted = "sex and age band (some LSOAs have no IMD decile)"
        frames["distance_oe"] = _oe(table, bands, pop, adjust_imd)
    for key, frame in frames.items():
        metric = _BY_KEY[key]
        extra = [f"expected at the scope's own rates by {adjusted}"] if key == "distance_oe" else []
        definition = metric.definition(
            denominator=f"{metric.denominator}: {denominator}" if metric.denominator else "",
            caveats=[*caveats, *extra],
            batches=batches,
        )
        out.append(Indicator(f"{key}/{BREAKDOWN_KEY}", definition, conform(frame, metric)))
    return out


def _oe(
    table: pl.DataFrame,
    bands: pl.DataFrame,
    pop: pl.DataFrame,
    adjust_imd: bool,
) -> pl.DataFrame:
    """The distance_oe rows: O (people seen with sex and age band recorded) ÷ E."""
    if float(bands["seen"].sum()) < _FEWEST_TO_ADJUST:
        return table.select(_HEAD).with_columns(
            flag=pl.lit(NOT_AVAILABLE), note=pl.lit("too few people seen to adjust")
        )
    observed = with_all(
        bands.group_by(pl.col("band").alias("level_code")).agg(pl.col("seen").sum()), "seen"
    ).rename({"seen": "observed"})
    counts = table.join(observed, on="level_code", how="left").join(
        _expected(bands, pop, adjust_imd), on="level_code", how="left"
    )
    counts = counts.with_columns(pl.col("observed").fill_null(0.0))
    done = with_oe(counts)
    has = pl.col("oe").is_not_null()
    return pl.concat(
        [
            oe_rows(done.filter(has)),
            done.filter(~has)
            .select(_HEAD)
            .with_columns(flag=pl.lit(NOT_APPLICABLE), note=pl.lit(_NO_LSOA)),
        ],
        how="diagonal_relaxed",
    ).sort("order")


def _site_distance(
    scope: Scope, distances: pl.DataFrame, batches: set[int], caveats: list[str]
) -> Indicator:
    """site_distance/lsoa: each LSOA's distance (km) to its nearest site, named in the note."""
    metric = _BY_KEY["site_distance"]
    named = area_names("lsoa", scope.vintage).rename({"level_code": "lsoa"})
    every = scope.lookup.select("lsoa")  # every LSOA of the scope, with or without a centroid
    frame = (
        every.join(distances, on="lsoa", how="left")
        .join(named, on="lsoa", how="left")
        .sort("lsoa")
        .with_row_index("order")
        .select(
            pl.lit("lsoa").alias("breakdown_key"),
            pl.lit(f"LSOA {scope.vintage} of residence").alias("breakdown"),
            pl.col("lsoa").alias("level_code"),
            pl.coalesce("name", "lsoa").alias("level"),
            pl.col("order").cast(pl.Int64),
            pl.col("km").alias("value"),
            pl.when(pl.col("km").is_null()).then(pl.lit(NOT_AVAILABLE)).alias("flag"),
            pl.when(pl.col("km").is_null())
            .then(pl.lit("no centroid for this LSOA"))
            .otherwise(pl.lit("nearest: ") + pl.col("site"))
            .alias("note"),
        )
    )
    definition = metric.definition(caveats=caveats, batches=batches)
    return Indicator("site_distance/lsoa", definition, conform(frame, metric))
