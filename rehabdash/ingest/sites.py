"""prepare_sites: rehab service sites and hubs, each placed on the map (issue 14).

Columns, found by name: the site's name (``Site``, ``Site name``, ``Name``, ``Clinic``),
its type (``Type``, ``Site type``: free text, "clinic", "hub", "community hospital";
blank is "site") and where it is: an LSOA code, latitude and longitude (``Lat``,
``Latitude``, ``Long``, ``Lon``, ``Longitude``; ``53.8``, ``53.8°``, ``1.55 W`` or
``53,8``), an OS National Grid easting and northing (``Easting``, ``Northing``), GIS
``X`` and ``Y`` columns (degrees or grid metres, told apart by size), or a postcode,
which the store's live postcode directory (``rehabdash import postcodes``) turns into
its LSOA. A site's postcode is no patient's, but it is still not kept: its LSOA is.

Rules: a name is required; latitude 49.8 to 55.9 and longitude -6.5 to 1.8 (England),
and a pair that fits the other way round is said to be swapped (grid references alike);
a row with no usable LSOA, postcode or coordinates is rejected (a bad LSOA or postcode
beside good coordinates is only a warning); the same name and type listed twice at
different places is rejected on both rows, and a row repeated exactly is kept once. A
file placed by postcode only is refused when the store holds no postcode directory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.header_match import POSTCODE_PATTERN
from rehabdash.ingest.lsoa_codes import (
    LSOA_HEADERS,
    english_lsoas,
    file_vintage,
    lsoa_column,
    lsoa_flags,
    row_vintage,
    tidy_code,
)
from rehabdash.ingest.national_grid import grid_to_wgs84, transformation
from rehabdash.ingest.normalise import normalise_postcode
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.reference_tables import find_column, finish, number, open_table
from rehabdash.ingest.validate import REJECTED, WARNING, Rule, Schema

__all__ = ["LATITUDE_RANGE", "LONGITUDE_RANGE", "SITE_SCHEMA", "prepare_sites"]

SITE_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.Utf8(),
    "site_type": pl.Utf8(),
    "lsoa": pl.Utf8(),
    "lsoa_vintage": pl.Int16(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "row_number": pl.Int64(),
}
#: England's extent, a little generous (the Scillies to Berwick, Land's End to Lowestoft).
LATITUDE_RANGE = (49.8, 55.9)
LONGITUDE_RANGE = (-6.5, 1.8)
DEFAULT_TYPE = "site"
NAME = ("site name", "site", "name", "clinic name", "clinic", "location name", "venue", "hub name")
TYPE = ("site type", "type", "location type", "type of site")
LATITUDE = ("latitude", "lat", "lat wgs84", "latitude wgs84")
LONGITUDE = ("longitude", "long", "lon", "lng", "long wgs84", "longitude wgs84")
POSTCODE = ("postcode", "post code", "site postcode", "pcds", "pcd")
EASTING = ("easting", "eastings", "os easting", "osgb easting", "bng easting", "grid easting")
NORTHING = ("northing", "northings", "os northing", "osgb northing", "bng northing",
            "grid northing")  # fmt: skip
#: GIS exports' point columns (QGIS xcoord, ArcGIS POINT_X): degrees or grid metres.
X_NAMES = ("x", "xcoord", "x coord", "x coordinate", "point x", "coord x")
Y_NAMES = ("y", "ycoord", "y coord", "y coordinate", "point y", "coord y")
_LOCATION_RAWS = ("lsoa__raw", "postcode__raw", "latitude__raw", "longitude__raw",
                  "easting__raw", "northing__raw")  # fmt: skip
#: The store's postcode -> LSOA lookup for some postcodes (None: the store has none).
PostcodeLookup = Callable[[Sequence[str]], pl.DataFrame | None]
#: Messages stay under the failure table's 100 characters.
_NO_DIRECTORY = "no postcode directory in the store to find its LSOA: import the ONS one first"


def _between(expr: pl.Expr, bounds: tuple[float, float]) -> pl.Expr:
    return expr.is_between(*bounds)


class _SiteSchema(Schema):
    def rules(self, frame: pl.DataFrame) -> list[Rule]:
        lat, lon = pl.col("__lat"), pl.col("__lon")
        lat_raw, lon_raw = pl.col("latitude__raw"), pl.col("longitude__raw")
        swapped = _between(lat, LONGITUDE_RANGE) & _between(lon, LATITUDE_RANGE)
        located = pl.col("__located")
        lsoa_bad = pl.col("lsoa__raw").is_not_null() & pl.col("__lsoa").is_null()
        pc_bad = (
            pl.col("postcode__raw").is_not_null()
            & pl.col("__lsoa").is_null()
            & pl.col("__pc_lsoa").is_null()
        )
        rules = [
            Rule("name_missing", REJECTED, "name", pl.col("name").is_null(), "site name is blank"),
            Rule(
                "coordinates_swapped",
                REJECTED,
                "latitude",
                swapped,
                pl.lit("latitude and longitude look swapped (latitude ")
                + lat_raw
                + ", longitude "
                + lon_raw
                + ")",
                value=lat_raw + " / " + lon_raw,
            ),
            Rule(
                "latitude_not_a_number",
                REJECTED,
                "latitude",
                lat_raw.is_not_null() & lat.is_null(),
                pl.lit("latitude ") + lat_raw + " is not a number",
            ),
            Rule(
                "longitude_not_a_number",
                REJECTED,
                "longitude",
                lon_raw.is_not_null() & lon.is_null(),
                pl.lit("longitude ") + lon_raw + " is not a number",
            ),
            Rule(
                "latitude_outside_england",
                REJECTED,
                "latitude",
                lat.is_not_null() & ~_between(lat, LATITUDE_RANGE) & ~swapped.fill_null(False),
                pl.lit("latitude ")
                + lat_raw
                + f" is outside England ({LATITUDE_RANGE[0]} to {LATITUDE_RANGE[1]})",
            ),
            Rule(
                "longitude_outside_england",
                REJECTED,
                "longitude",
                lon.is_not_null() & ~_between(lon, LONGITUDE_RANGE) & ~swapped.fill_null(False),
                pl.lit("longitude ")
                + lon_raw
                + f" is outside England ({LONGITUDE_RANGE[0]} to {LONGITUDE_RANGE[1]})",
            ),
            Rule(
                "coordinates_incomplete",
                REJECTED,
                "latitude",
                lat_raw.is_null() != lon_raw.is_null(),
                "latitude and longitude must be given together",
                value=pl.coalesce(lat_raw, lon_raw),
            ),
            *_grid_rules(),
            Rule(
                "no_location",
                REJECTED,
                "name",
                pl.all_horizontal(pl.col(c).is_null() for c in _LOCATION_RAWS),
                "no location: give an LSOA code, a postcode, latitude and longitude, or "
                "easting and northing",
                value=pl.col("name__raw"),
            ),
            Rule(
                "duplicate_site",
                REJECTED,
                "name",
                pl.col("__places") > 1,
                pl.lit("site listed more than once at different places (rows ")
                + pl.col("__rows")
                + ")",
            ),
        ]
        for severity, when, after in (
            (REJECTED, ~located, ""),
            (WARNING, located, "; placed by its other location"),
        ):
            rules += [
                Rule(
                    "lsoa_invalid",
                    severity,
                    "lsoa",
                    lsoa_bad & when,
                    pl.col("__lsoa_reason") + after,
                ),
                Rule(
                    "postcode_unusable",
                    severity,
                    "postcode",
                    pc_bad & when,
                    pl.col("__pc_reason") + after,
                ),
            ]
        return rules


def _grid_rules() -> list[Rule]:
    east, north = pl.col("__east"), pl.col("__north")
    east_raw, north_raw = pl.col("easting__raw"), pl.col("northing__raw")
    both = east.is_not_null() & north.is_not_null()
    inside = pl.col("__glat").is_not_null()
    swapped = both & ~inside & pl.col("__glat_swapped").is_not_null()
    pair = pl.lit("easting ") + east_raw + ", northing " + north_raw
    return [
        Rule("easting_not_a_number", REJECTED, "easting",
             east_raw.is_not_null() & east.is_null(),
             pl.lit("easting ") + east_raw + " is not a number (metres)"),
        Rule("northing_not_a_number", REJECTED, "northing",
             north_raw.is_not_null() & north.is_null(),
             pl.lit("northing ") + north_raw + " is not a number (metres)"),
        Rule("grid_incomplete", REJECTED, "easting", east_raw.is_null() != north_raw.is_null(),
             "easting and northing must be given together",
             value=pl.coalesce(east_raw, north_raw)),
        Rule("grid_swapped", REJECTED, "easting", swapped,
             pl.lit("easting and northing look swapped (") + pair + ")",
             value=east_raw + " / " + north_raw),
        Rule("grid_outside_england", REJECTED, "easting", both & ~inside & ~swapped,
             pair + " is not in England (National Grid metres)",
             value=east_raw + " / " + north_raw),
    ]  # fmt: skip


def _degrees(raw: pl.Expr) -> pl.Expr:
    """Degrees from text: "53.8", "53.8°", "1.55 W" (west and south negative), a Unicode
    minus, degrees and minutes ("53°48′12″N"), and a decimal comma ("53,8": no latitude
    or longitude has a thousands separator)."""
    text = raw.str.replace_all("[\u2212\u2013]", "-").str.strip_chars()
    hemisphere = text.str.extract(r"(?i)([NSEW])$", 1).str.to_uppercase()
    body = text.str.replace(r"(?i)\s*[NSEW]$", "")
    parts = body.str.extract_groups(
        r"^(?<sign>-?)(?<d>\d+)\s*[°º ]\s*(?<m>\d+(?:\.\d+)?)\s*['′]\s*"
        r"(?:(?<s>\d+(?:\.\d+)?)\s*[\"″]?)?$"
    )
    field = parts.struct.field
    minutes = (
        field("d").cast(pl.Float64)
        + field("m").cast(pl.Float64) / 60
        + field("s").cast(pl.Float64).fill_null(0.0) / 3600
    )
    minutes = pl.when(field("sign") == "-").then(-minutes).otherwise(minutes)
    decimal = body.str.replace_all(r"[°º]", "").str.strip_chars()
    decimal = (
        pl.when(decimal.str.contains(r"^-?\d+,\d+$"))
        .then(decimal.str.replace(",", "."))
        .otherwise(decimal)
    )
    value = pl.coalesce(minutes, number(decimal))
    return pl.when(hemisphere.is_in(["S", "W"])).then(-value.abs()).otherwise(value)


def _in_england(lat: pl.Expr, lon: pl.Expr) -> pl.Expr:
    return _between(lat, LATITUDE_RANGE) & _between(lon, LONGITUDE_RANGE)


def _with_grid(work: pl.DataFrame) -> pl.DataFrame:
    """__east, __north (metres) and __glat, __glon: where they put the site, when in
    England (else null); __glat_swapped: the same with easting and northing swapped."""
    work = work.with_columns(
        number(pl.col("easting__raw")).alias("__east"),
        number(pl.col("northing__raw")).alias("__north"),
    )
    east, north = work["__east"].to_numpy(), work["__north"].to_numpy()
    places = []
    for suffix, (e, n) in (("", (east, north)), ("_swapped", (north, east))):
        lat, lon = grid_to_wgs84(e, n)
        frame = pl.DataFrame({"lat": lat, "lon": lon}).fill_nan(None)
        inside = _in_england(pl.col("lat"), pl.col("lon")).fill_null(False)
        places += [
            frame.select(pl.when(inside).then(pl.col("lat")).alias(f"__glat{suffix}")).to_series(),
            frame.select(pl.when(inside).then(pl.col("lon")).alias(f"__glon{suffix}")).to_series(),
        ]
    return work.with_columns(places)


def _header(headers: Sequence[str], names: Sequence[str], first_word: str) -> str | None:
    """A header by name, else the first whose first word is ``first_word``
    ("Latitude (WGS84)")."""
    found = find_column(headers, names)
    if found is not None:
        return found
    return next((h for h in headers if clean_key(h).split()[:1] == [first_word]), None)


def _text(header: str | None) -> pl.Expr:
    if header is None:
        return pl.lit(None, pl.Utf8)
    return pl.col(header).cast(pl.Utf8).str.strip_chars().replace("", None)


def _lsoa_reason(code: pl.Expr) -> pl.Expr:
    wales = code.str.contains(r"^W01[0-9]{6}$")
    shaped = code.str.contains(r"^E01[0-9]{6}$")
    return (
        pl.when(wales)
        .then(pl.lit("LSOA is in Wales; the sites must be in England"))
        .when(shaped)
        .then(pl.lit("not an English LSOA (not in the ONS 2011 or 2021 lists)"))
        .otherwise(pl.lit("not an LSOA code (E01 and 6 digits)"))
    )


def _postcode_lsoas(
    path: Path, work: pl.DataFrame, lookup: PostcodeLookup | None, only_postcodes: bool, column: str
) -> tuple[pl.DataFrame, bool]:
    """postcode -> LSOA for the file's postcodes, and whether the store has a directory
    (without one, each row that needs it says so)."""
    empty = pl.DataFrame(schema={"__postcode": pl.Utf8, "__pc_lsoa": pl.Utf8})
    wanted = work["__postcode"].drop_nulls().unique().sort().to_list()
    if not wanted:
        return empty, True
    found = lookup(wanted) if lookup is not None else None
    if found is None:
        if only_postcodes:
            raise ImportFileError(
                path,
                "the sites are placed by postcode only, and this store holds no postcode "
                "directory to find their LSOAs: import the ONS postcode directory first "
                "(rehabdash import postcodes FILE), then this file",
                column=column,
            )
        return empty, False
    lsoas = found.select(pl.col("postcode").alias("__postcode"), pl.col("lsoa").alias("__pc_lsoa"))
    return lsoas.unique("__postcode"), True


def _places(work: pl.DataFrame) -> pl.DataFrame:
    """Per site (name and type): how many different places its located rows give, and
    their rows, so that two places for one site are rejected on both rows."""
    parts = (
        pl.col(c).cast(pl.Utf8).fill_null("") for c in ("__final_lsoa", "latitude", "longitude")
    )
    return (
        work.filter(pl.col("name").is_not_null() & pl.col("__located"))
        .with_columns(pl.concat_str(parts, separator="|").alias("__place"))
        .group_by("name", "site_type", maintain_order=True)
        .agg(
            pl.col("__place").n_unique().alias("__places"),
            pl.col(ROW).sort().cast(pl.Utf8).str.join(", ").alias("__rows"),
        )
    )


def prepare_sites(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    postcode_lookup: PostcodeLookup | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare a list of service sites (see the module docstring). ``postcode_lookup``:
    the store's postcode directory (rehabdash.ingest.postcodes.postcode_lookup)."""
    step = Steps(progress, cancel)
    words = (*NAME, *TYPE, *LATITUDE, *LONGITUDE, *POSTCODE, *LSOA_HEADERS)
    path, table, sha = open_table(path, sheet, words, step)
    headers = table.headers
    name = find_column(headers, NAME)
    if name is None:
        raise ImportFileError(
            path,
            "no site name column (e.g. 'Site name' or 'Clinic'). Columns found: "
            + ", ".join(repr(h) for h in headers[:20]),
        )
    rest = [h for h in headers if h != name]
    lsoa, named = lsoa_column(rest)
    lat = _header(rest, LATITUDE, "latitude")
    lon = _header(rest, LONGITUDE, "longitude")
    postcode = find_column(rest, POSTCODE)
    kind = find_column(rest, TYPE)
    east = _header(rest, EASTING, "easting")
    north = _header(rest, NORTHING, "northing")
    for pair in (((lat, "latitude"), (lon, "longitude")), ((east, "easting"), (north, "northing"))):
        (one, one_word), (other, other_word) = pair
        if (one is None) != (other is None):
            have, lack = (one_word, other_word) if one is not None else (other_word, one_word)
            article = "an" if have[0] in "aeiou" else "a"
            raise ImportFileError(
                path,
                f"the file has {article} {have} column but no {lack} column",
                column=one or other,
            )
    x = y = None
    if lat is None and east is None:  # GIS point columns: degrees, or grid metres
        x, y = find_column(rest, X_NAMES), find_column(rest, Y_NAMES)
        if (x is None) != (y is None):
            x = y = None
    if lsoa is None and lat is None and postcode is None and east is None and x is None:
        raise ImportFileError(
            path,
            "no location column: give an LSOA code ('LSOA code'), latitude and longitude "
            "('Latitude', 'Longitude'), easting and northing ('Easting', 'Northing') or a "
            "postcode ('Postcode'). Columns found: " + ", ".join(repr(h) for h in headers[:20]),
        )
    fields = {"name": name}
    for field, header in (
        ("site_type", kind),
        ("lsoa", lsoa),
        ("latitude", lat or y),
        ("longitude", lon or x),
        ("easting", east or x),
        ("northing", north or y),
        ("postcode", postcode),
    ):
        if header is not None:
            fields[field] = header
    lat_raw, lon_raw, east_raw, north_raw = _text(lat), _text(lon), _text(east), _text(north)
    if x is not None and y is not None:  # degrees when they could be, else metres
        degrees = (number(_text(x)).abs() <= 180) & (number(_text(y)).abs() <= 90)
        lat_raw = pl.when(degrees).then(_text(y))
        lon_raw = pl.when(degrees).then(_text(x))
        east_raw = pl.when(~degrees.fill_null(False)).then(_text(x))
        north_raw = pl.when(~degrees.fill_null(False)).then(_text(y))
    work = table.frame.select(
        pl.col(ROW),
        _text(name).alias("name__raw"),
        _text(name).str.replace_all(r"\s+", " ").alias("name"),
        _text(kind).str.replace_all(r"\s+", " ").fill_null(DEFAULT_TYPE).alias("site_type"),
        _text(lsoa).alias("lsoa__raw"),
        tidy_code(_text(lsoa)).alias("__code"),
        _text(postcode).alias("postcode__raw"),
        lat_raw.alias("latitude__raw"),
        lon_raw.alias("longitude__raw"),
        east_raw.alias("easting__raw"),
        north_raw.alias("northing__raw"),
    )
    text_pc = pl.col("postcode__raw").str.to_uppercase()
    work = work.with_columns(
        pl.when(text_pc.str.contains(POSTCODE_PATTERN))
        .then(normalise_postcode(text_pc))
        .otherwise(None)
        .alias("__postcode"),
        _degrees(pl.col("latitude__raw")).alias("__lat"),
        _degrees(pl.col("longitude__raw")).alias("__lon"),
    )
    work = _with_grid(work)
    directory, held = _postcode_lsoas(
        path, work, postcode_lookup, lsoa is None and lat is None, postcode or ""
    )
    english = pl.col("__code").is_in(sorted(english_lsoas(2011) | english_lsoas(2021)))
    pc_english = pl.col("__pc_lsoa").is_in(sorted(english_lsoas(2011) | english_lsoas(2021)))
    in_range = _in_england(pl.col("__lat"), pl.col("__lon"))
    work = work.join(directory, on="__postcode", how="left", maintain_order="left")
    work = work.with_columns(
        pl.when(english).then(pl.col("__code")).alias("__lsoa"),
        pl.when(pc_english).then(pl.col("__pc_lsoa")).alias("__pc_lsoa"),
        pl.when(in_range).then(pl.col("__lat")).otherwise(pl.col("__glat")).alias("latitude"),
        pl.when(in_range).then(pl.col("__lon")).otherwise(pl.col("__glon")).alias("longitude"),
        _lsoa_reason(pl.col("__code")).alias("__lsoa_reason"),
        pl.when(pl.col("__postcode").is_null())
        .then(pl.lit("not a postcode"))
        .when(pl.lit(not held))
        .then(pl.lit(_NO_DIRECTORY))
        .otherwise(pl.lit("postcode not in the store's postcode directory, or not in England"))
        .alias("__pc_reason"),
    )
    work = work.with_columns(
        pl.coalesce("__lsoa", "__pc_lsoa").alias("__final_lsoa"),
        (
            pl.col("__lsoa").is_not_null()
            | pl.col("__pc_lsoa").is_not_null()
            | pl.col("latitude").is_not_null()
        ).alias("__located"),
    )
    work = work.with_columns(lsoa_flags(pl.col("__final_lsoa")))
    vintage = file_vintage(path, work, lsoa or postcode or name, named, refuse_mixed=False)
    work = work.join(_places(work), on=["name", "site_type"], how="left", maintain_order="left")
    result = _SiteSchema().filter(work, fields)
    valid = result.valid.select(
        pl.col("name"),
        pl.col("site_type"),
        pl.col("__final_lsoa").alias("lsoa"),
        row_vintage(vintage.vintage).alias("lsoa_vintage"),
        pl.col("latitude"),
        pl.col("longitude"),
        pl.col(ROW).alias("row_number"),
    ).select(pl.col(c).cast(t) for c, t in SITE_SCHEMA.items())
    rows = valid.unique([c for c in SITE_SCHEMA if c != "row_number"], maintain_order=True)
    notes = []
    if valid.height > rows.height:
        notes.append(f"{valid.height - rows.height:,} repeated row(s) counted once")
    by_lsoa = rows["lsoa"].count()
    by_coordinates = rows["latitude"].count()
    notes.append(
        f"{rows.height:,} site(s): {by_lsoa:,} placed in an LSOA, {by_coordinates:,} by "
        "latitude and longitude"
    )
    if by_lsoa:
        notes.append(f"site LSOAs: {vintage.note}")
    by_grid = result.valid.filter(pl.col("__glat").is_not_null() & pl.col("__lat").is_null())
    if by_grid.height:
        notes.append(
            f"{by_grid.height:,} row(s) placed by easting and northing (OS National Grid), "
            f"converted to latitude and longitude by {transformation()}"
        )
    if postcode is not None:
        notes.append(f"postcode column {postcode!r} used for the LSOA and not kept")
    return finish("sites", path, table, sha, result, rows, fields, notes, step)
