"""What a prepared file repeats of the store's live data (DESIGN 3: never count twice).

Each kind of import has a natural key: a referral is its provider + referral id; a
population count its area, sex, age band and year; an IMD row its LSOA and edition;
a need weight its age band, sex and condition group; an area lookup row its area type
and LSOA; a service site its name and type. A row whose key a live
(committed) batch already holds is refused as ``already_imported`` unless the user
says the new file replaces that batch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Column, MetaData, Table, Text, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.selectable import ScalarSelect

from rehabdash.errors import StoreError
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.ingest.validate import FAILURE_SCHEMA, REJECTED
from rehabdash.store.batches import live_batches
from rehabdash.store.bulk import bulk_insert
from rehabdash.store.schema import (
    area_lookup,
    import_batch,
    need_weight,
    neighbourhood,
    population,
    postcode_lsoa,
    referral,
    service_site,
)

__all__ = [
    "ALREADY_IMPORTED",
    "KINDS",
    "REVISABLE",
    "HeldKeys",
    "Overlap",
    "RevisedRowsError",
    "file_keys",
    "find_overlaps",
    "overlap_in",
    "referral_keys_table",
    "revised_rows",
    "store_table",
]

ALREADY_IMPORTED = "already_imported"
#: Live referrals of a file's providers loaded into memory at most; beyond this the
#: store joins the file's keys instead, which is faster and leaner by 1M held referrals
#: (benchmarks/bench_overlap.py).
LOAD_LIMIT = 250_000


@dataclass(frozen=True)
class _Kind:
    table: Table
    keys: tuple[str, ...]  # store columns forming the natural key
    narrow: str | None  # a key column to filter the store by (the file's distinct values)
    batch_kinds: tuple[str, ...]  # batch kinds whose rows live in ``table``


KINDS: dict[str, _Kind] = {
    "activity": _Kind(referral, ("provider_code", "referral_id"), "provider_code", ("activity",)),
    "population": _Kind(
        population, ("area_code", "sex", "age_band", "year"), "year", ("population",)
    ),
    "imd": _Kind(area_lookup, ("lsoa", "imd_edition"), "imd_edition", ("imd", "lookup")),
    "need": _Kind(need_weight, ("age_band", "sex", "condition_group"), None, ("need",)),
    "postcodes": _Kind(postcode_lsoa, ("postcode",), None, ("postcodes",)),
    # An LSOA may be in one neighbourhood, one locality and one hub catchment at once.
    "areas": _Kind(neighbourhood, ("area_type", "lsoa"), "area_type", ("areas",)),
    "sites": _Kind(service_site, ("name", "site_type"), None, ("sites",)),
}


def store_table(kind: str) -> Table:
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r} (use one of {', '.join(KINDS)})")
    return KINDS[kind].table


@dataclass
class Overlap:
    """Rows of the file already held live: their positions in ``rows`` and the failures."""

    positions: pl.Series  # UInt32 indexes into prepared.rows
    failures: pl.DataFrame  # FAILURE_SCHEMA, one per repeated row
    by_batch: dict[int, int]


def file_keys(prepared: PreparedImport) -> pl.DataFrame:
    """The natural key of every prepared row, in the store's column names, as text."""
    keys = KINDS[prepared.kind].keys
    frame = prepared.rows
    if prepared.kind == "imd":
        frame = frame.rename({"edition": "imd_edition"})
    return frame.select(pl.col(k).cast(pl.Utf8) for k in keys)


class HeldKeys:
    """Keys of live batches (other than ``exclude``) that a file could repeat.

    Loaded from the store once per narrowing value (e.g. provider) and kept, so a
    file checked part by part asks the store once, not once per part. When a
    provider's live referrals are too many to load (years of history), the file's
    keys go to a temporary table instead and the store joins them on its index.
    """

    def __init__(self, kind: str, exclude: Collection[int] = ()) -> None:
        self.kind = kind
        self.exclude = list(exclude)
        self._loaded: set[object] = set()
        self._everything = False
        self._joining = False
        self._frames: list[pl.DataFrame] = []

    def matching(self, conn: Connection, file_keys: pl.DataFrame) -> pl.DataFrame:
        """Held keys + the lowest batch_id holding each, for keys like ``file_keys``."""
        spec = KINDS[self.kind]
        if self.kind == "activity" and not self._joining:
            wanted = set(file_keys["provider_code"].drop_nulls().unique().to_list())
            wanted -= self._loaded
            self._joining = bool(wanted) and self._count(conn, sorted(wanted)) > LOAD_LIMIT
        if self._joining:
            return self._joined(conn, file_keys)
        if spec.narrow is None:
            if not self._everything:
                self._frames.append(self._load(conn, None))
                self._everything = True
        else:
            wanted = set(file_keys[spec.narrow].drop_nulls().unique().to_list()) - self._loaded
            if wanted:
                self._frames.append(self._load(conn, sorted(wanted)))
                self._loaded |= wanted
        held = pl.concat(self._frames) if self._frames else self._load(conn, [])
        return held.group_by(spec.keys).agg(pl.col("batch_id").min())

    def _live(self) -> ScalarSelect[Any]:
        kinds = KINDS[self.kind].batch_kinds
        return live_batches(*kinds, exclude=self.exclude).scalar_subquery()

    def _count(self, conn: Connection, providers: list[str]) -> int:
        query = (
            select(func.count())
            .select_from(referral)
            .where(referral.c.provider_code.in_(providers), referral.c.batch_id.in_(self._live()))
        )
        return int(conn.execute(query).scalar_one())

    def _joined(self, conn: Connection, file_keys: pl.DataFrame) -> pl.DataFrame:
        """The held referrals among ``file_keys``, found by the store (activity only)."""
        keys = referral_keys_table(conn, "rehabdash_file_keys", file_keys)
        query = (
            select(keys.c.provider_code, keys.c.referral_id, func.min(referral.c.batch_id))
            .join(
                referral,
                (referral.c.provider_code == keys.c.provider_code)
                & (referral.c.referral_id == keys.c.referral_id),
            )
            .where(referral.c.batch_id.in_(self._live()))
            .group_by(keys.c.provider_code, keys.c.referral_id)
        )
        rows = conn.execute(query).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={"provider_code": pl.Utf8, "referral_id": pl.Utf8, "batch_id": pl.Int64},
            orient="row",
        )

    def _load(self, conn: Connection, values: list[Any] | None) -> pl.DataFrame:
        spec = KINDS[self.kind]
        cols = [spec.table.c[k] for k in spec.keys]
        query = select(*cols, spec.table.c.batch_id).where(spec.table.c.batch_id.in_(self._live()))
        if spec.narrow is not None and values is not None:
            if spec.narrow in ("year", "imd_edition"):
                values = [int(v) for v in values]
            query = query.where(spec.table.c[spec.narrow].in_(values))
        rows = conn.execute(query).all()
        return pl.DataFrame(
            [tuple(r) for r in rows], schema=[*spec.keys, "batch_id"], orient="row"
        ).with_columns(
            *(pl.col(k).cast(pl.Utf8) for k in spec.keys), pl.col("batch_id").cast(pl.Int64)
        )


def referral_keys_table(conn: Connection, name: str, keys: pl.DataFrame) -> Table:
    """A temporary table ``name`` holding the (provider_code, referral_id) of ``keys``, for
    the store to join on its referral index (in the caller's transaction)."""
    table = Table(
        name,
        MetaData(),
        Column("provider_code", Text),
        Column("referral_id", Text),
        prefixes=["TEMPORARY"],
    )
    table.create(conn, checkfirst=True)
    conn.execute(table.delete())
    bulk_insert(conn, table, keys.select("provider_code", "referral_id").drop_nulls().unique())
    return table


def _batch_labels(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = conn.execute(
        select(import_batch.c.id, import_batch.c.source_name, import_batch.c.finished_at).where(
            import_batch.c.id.in_(list(ids))
        )
    ).all()
    out = {}
    for bid, name, finished in rows:
        when = f", {finished:%d/%m/%Y}" if finished is not None else ""
        out[int(bid)] = f"batch {bid} ({name}{when})"
    return out


def overlap_in(
    conn: Connection,
    prepared: PreparedImport,
    exclude: Collection[int] = (),
    held: HeldKeys | None = None,
) -> Overlap:
    """The rows of ``prepared`` that live batches (other than ``exclude``) already hold.

    ``held``: keys already loaded for this import (its ``exclude`` is used instead).
    """
    spec = KINDS[prepared.kind]
    keys_in_file = file_keys(prepared)
    empty = Overlap(
        pl.Series("position", [], dtype=pl.UInt32), pl.DataFrame(schema=FAILURE_SCHEMA), {}
    )
    if keys_in_file.height == 0:
        return empty
    keys = (held or HeldKeys(prepared.kind, exclude)).matching(conn, keys_in_file)
    hits = keys_in_file.with_row_index("position").join(
        keys, on=list(spec.keys), how="inner", nulls_equal=True, maintain_order="left"
    )
    if hits.height == 0:
        return empty
    by_batch = dict(hits.group_by("batch_id").len().sort("batch_id").iter_rows())
    labels = _batch_labels(conn, list(by_batch))
    return Overlap(hits["position"], _failures(prepared, hits, labels), by_batch)


def _failures(prepared: PreparedImport, hits: pl.DataFrame, labels: dict[int, str]) -> pl.DataFrame:
    if prepared.row_numbers is not None:
        source_row = prepared.row_numbers.gather(hits["position"]).cast(pl.Int64)
    else:
        source_row = pl.Series([None] * hits.height, dtype=pl.Int64)
    if prepared.kind == "activity":
        fields = prepared.mapping.fields if prepared.mapping is not None else {}
        column = fields.get("referral_id", "referral_id")
        value = hits["referral_id"]
        what = "referral"
    else:
        column = None
        value = hits.select(
            pl.concat_str(
                [pl.col(k).fill_null("") for k in KINDS[prepared.kind].keys], separator=" / "
            )
        ).to_series()
        what = "row"
    label = hits["batch_id"].replace_strict(labels, return_dtype=pl.Utf8)
    return pl.DataFrame(
        {
            "source_row": source_row,
            "column": pl.Series([column] * hits.height, dtype=pl.Utf8),
            "rule": pl.Series([ALREADY_IMPORTED] * hits.height, dtype=pl.Utf8),
            "severity": pl.Series([REJECTED] * hits.height, dtype=pl.Utf8),
            "value": value.cast(pl.Utf8),
            "message": (f"{what} already imported in " + label).cast(pl.Utf8),
        },
        schema=FAILURE_SCHEMA,
    )


class RevisedRowsError(StoreError):
    """A lookup or site list changes rows a live batch holds; nothing was written."""

    def __init__(self, message: str, batches: tuple[int, ...]) -> None:
        super().__init__(message)
        self.batches = batches


#: Kinds whose repeated keys must also repeat the values: a neighbourhood lookup that
#: moves an LSOA, or a site list that moves a site, is a revision of the live batch, not
#: a repeat of it, and must replace it rather than be half kept.
REVISABLE: dict[str, tuple[str, ...]] = {
    "areas": ("code", "name"),
    "sites": ("lsoa", "latitude", "longitude"),
}


def _described(kind: str, row: dict[str, Any], side: str) -> str:
    if kind == "areas":
        return repr(row[f"name{side}"])
    if row[f"lsoa{side}"] is not None:
        return f"LSOA {row[f'lsoa{side}']}"
    return f"{row[f'latitude{side}']:.5f}, {row[f'longitude{side}']:.5f}"


def revised_rows(
    conn: Connection, prepared: PreparedImport, exclude: Collection[int] = ()
) -> RevisedRowsError | None:
    """The error to raise when ``prepared`` gives other values for keys that live batches
    (other than ``exclude``, those it replaces) hold; None when it only repeats them."""
    values = REVISABLE.get(prepared.kind)
    if values is None or prepared.rows.height == 0:
        return None
    spec = KINDS[prepared.kind]
    live = live_batches(*spec.batch_kinds, exclude=list(exclude)).scalar_subquery()
    columns = [spec.table.c[c] for c in (*spec.keys, *values)]
    query = select(*columns, spec.table.c.batch_id).where(spec.table.c.batch_id.in_(live))
    held = pl.DataFrame(
        [tuple(r) for r in conn.execute(query).all()],
        schema=[*spec.keys, *values, "batch_id"],
        orient="row",
    )
    if held.height == 0:
        return None

    def tidy(frame: pl.DataFrame) -> pl.DataFrame:  # floats to a centimetre or so
        return frame.with_columns(
            pl.col(c).cast(pl.Float64).round(7)
            if c in ("latitude", "longitude")
            else pl.col(c).cast(pl.Utf8)  # all null in the store (sites by degrees): Null
            for c in values
        ).with_columns(pl.col(k).cast(pl.Utf8) for k in spec.keys)

    mine = tidy(prepared.rows.select(*spec.keys, *values))
    joined = mine.join(tidy(held), on=list(spec.keys), how="inner", suffix="_held")
    changed = joined.filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_held")) for c in values)
    )
    if changed.height == 0:
        return None
    batches = tuple(sorted(int(b) for b in changed["batch_id"].unique()))
    first = changed.row(0, named=True)
    if prepared.kind == "areas":
        what, noun = f"LSOA {first['lsoa']} ({first['area_type']})", "lookup"
    else:
        what, noun = f"{first['name']!r} ({first['site_type']})", "site list"
    example = (
        f"{what}: {_described(prepared.kind, first, '')} here, "
        f"{_described(prepared.kind, first, '_held')} in batch {first['batch_id']}"
    )
    listed = ", ".join(str(b) for b in batches)
    again = " ".join(f"--replace {b}" for b in batches)
    return RevisedRowsError(
        f"{prepared.source_name}: {changed.height:,} of its rows change what live batch "
        f"{listed} holds (e.g. {example}), so nothing was imported: a revised {noun} "
        f"replaces the old one. Import it in place of batch {listed} ({again}), or "
        "withdraw that batch first",
        batches,
    )


def find_overlaps(engine: Engine, prepared: PreparedImport) -> dict[int, int]:
    """Live batches holding rows this file repeats: batch id -> row count.

    For activity, referrals (provider + referral id); for population, IMD and need
    tables, the rows' natural keys (see the module docstring).
    """
    with engine.connect() as conn:
        return overlap_in(conn, prepared).by_batch
