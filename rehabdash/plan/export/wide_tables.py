"""The plan's long indicator rows as wide tables a reader scans: one row per group,
one column per measure (and its 95% limits), the shorthand where a number is not shown.

Rows keep the plan's order: breakdowns as the plan lists them, "All" first in each,
then the levels in their code list's order. A cell holds the number, or the flag the
engine or disclosure control gave it (``[c]``, ``[x]``, ``[z]``); a measure a breakdown
does not have is ``[x]``. ``[u]`` (low reliability) keeps the number and is named in
the row's Notes column, with the notes the rows carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rehabdash.plan.export.sheet_model import Cell, Column, Kind
from rehabdash.plan.metrics import METRICS
from rehabdash.plan.result import ALL, LOW_RELIABILITY, NOT_AVAILABLE

__all__ = ["Measure", "WideTable", "header", "kind_of_unit", "measures", "wide_table"]

_UNIT_KINDS: dict[str, Kind] = {
    "people": "count",
    "referrals": "count",
    "contacts": "count",
    "rows": "count",
    "per 1,000": "rate",
    "per 1,000 per year": "rate",
    "%": "percent",
    "ratio": "ratio",
    "days": "days",
}
#: Notes every row of an unsuppressed export carries: the sheet says it once instead.
_SAID_ONCE = ("no disclosure control applied: not for publication",)


def kind_of_unit(unit: str, value_kind: str = "") -> Kind:
    """The number format of a unit; a "people" value that is modelled (expected, unmet
    need) is not a whole count."""
    kind = _UNIT_KINDS.get(unit, "decimal")
    if kind == "count" and value_kind == "complex":
        return "estimate"
    return kind


@dataclass(frozen=True)
class Measure:
    """One column of a wide table: ``field`` of ``metric``'s rows."""

    metric: str
    header: str
    field: str = "value"  # value, lower, upper, numerator or denominator
    kind: Kind = "decimal"


def measures(
    metrics: Sequence[str], frame: pl.DataFrame, extra: Sequence[Measure] = ()
) -> list[Measure]:
    """Each metric's value column, with its limits when any row has them; ``extra``
    columns (a denominator, say) go after the first metric that they belong to."""
    present = set(frame["metric"].unique())
    with_limits = set(frame.filter(pl.col("lower").is_not_null())["metric"].unique())
    out: list[Measure] = []
    for key in metrics:
        if key not in present:
            continue
        m = METRICS[key]
        kind = kind_of_unit(m.unit, m.value_kind)
        fields = ("value", "lower", "upper") if key in with_limits else ("value",)
        out += [Measure(key, header(key, f), f, kind) for f in fields]
        out += [e for e in extra if e.metric == key]
    return out


def header(metric: str, field: str = "value") -> str:
    """The column header of a metric's value or limit in a wide table."""
    m = METRICS[metric]
    if field == "lower":
        return f"{m.title}: lower 95% limit"
    if field == "upper":
        return f"{m.title}: upper 95% limit"
    unit = "" if m.unit.lower() in m.title.lower() or m.unit == "ratio" else f" ({m.unit})"
    return f"{m.title}{unit}"


@dataclass(frozen=True)
class WideTable:
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    blocks: dict[str, tuple[int, int]]  # breakdown key -> (first, last) data row
    keys: list[tuple[str, ...]]  # each row's key values (breakdown_key, level_code, ...)


def wide_table(
    frame: pl.DataFrame,
    cols: Sequence[Measure],
    *,
    key_headers: Sequence[tuple[str, str]] = (("breakdown", "Breakdown"), ("level", "Group")),
    keys: Sequence[str] = ("breakdown_key", "level_code"),
    notes: bool = True,
) -> WideTable:
    """``frame``'s rows of the metrics in ``cols`` as one row per ``keys``."""
    wanted = sorted({c.metric for c in cols})
    rows = frame.filter(pl.col("metric").is_in(wanted))
    label_cols = [k for k, _ in key_headers]
    ordered = (
        rows.with_row_index("_at")
        .group_by(*keys, maintain_order=True)
        .agg(pl.col("_at").min(), *(pl.col(c).first() for c in label_cols if c not in keys))
    )
    block_at = ordered.group_by(keys[0], maintain_order=True).agg(pl.col("_at").min().alias("_b"))
    ordered = (
        ordered.join(block_at, on=keys[0])
        .with_columns((pl.col(keys[-1]) != ALL).alias("_not_all"))
        .sort("_b", "_not_all", "_at")
        .drop("_b", "_not_all", "_at")
    )
    # One pivot for every measure: columns "<field>|<metric>" and "flag|<metric>".
    fields = sorted({c.field for c in cols} | {"flag"})
    wide = (
        rows.select(*keys, "metric", *fields)
        .unique(subset=[*keys, "metric"], keep="first", maintain_order=True)
        .pivot(on="metric", index=list(keys), values=fields, separator="|")
    )
    if len(fields) == 1:  # polars names the columns by metric alone then
        wide = wide.rename({m: f"{fields[0]}|{m}" for m in wanted if m in wide.columns})
    picked = []
    for i, c in enumerate(cols):
        for name, alias in ((f"{c.field}|{c.metric}", f"_v{i}"), (f"flag|{c.metric}", f"_f{i}")):
            picked.append(
                pl.col(name).alias(alias) if name in wide.columns else pl.lit(None).alias(alias)
            )
    table = ordered.join(
        wide.select(*keys, *picked), on=list(keys), how="left", maintain_order="left"
    )
    if notes:
        table = table.join(_row_notes(rows, keys), on=list(keys), how="left", maintain_order="left")
    out_rows: list[tuple[Cell, ...]] = []
    key_values: list[tuple[str, ...]] = []
    blocks: dict[str, tuple[int, int]] = {}
    names = [
        *(pl.col(c).alias(f"_l{i}") for i, c in enumerate(label_cols)),
        *(pl.col(x) for i in range(len(cols)) for x in (f"_v{i}", f"_f{i}")),
    ]
    if notes:
        names.append(pl.col("_notes"))
    for n, r in enumerate(table.select(*keys, *names).iter_rows()):
        key = tuple(str(v) for v in r[: len(keys)])
        first = blocks.get(key[0], (n, n))[0]
        blocks[key[0]] = (first, n)
        rest = r[len(keys) :]
        cells: list[Cell] = [*(str(v) if v is not None else "" for v in rest[: len(label_cols)])]
        pairs = rest[len(label_cols) : len(label_cols) + 2 * len(cols)]
        for value, flag in zip(pairs[::2], pairs[1::2], strict=True):
            if value is not None:
                cells.append(float(value))
            elif flag is not None and flag != LOW_RELIABILITY:
                cells.append(str(flag))
            else:
                cells.append(NOT_AVAILABLE)
        if notes:
            cells.append(str(rest[-1] or ""))
        out_rows.append(tuple(cells))
        key_values.append(key)
    columns = [Column(h, "text", 24 if i == 0 else 34) for i, (_, h) in enumerate(key_headers)]
    columns += [Column(c.header, c.kind, 13) for c in cols]
    if notes:
        columns.append(Column("Notes", "text", 50))
    return WideTable(tuple(columns), out_rows, blocks, key_values)


def _row_notes(rows: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Per row: the measures of low reliability, then each distinct note once."""
    low = (
        rows.filter(pl.col("flag") == LOW_RELIABILITY)
        .group_by(*keys, maintain_order=True)
        .agg(pl.col("metric").unique(maintain_order=True))
        .with_columns(
            (
                pl.lit("[u] low reliability: ")
                + pl.col("metric")
                .list.eval(pl.element().replace_strict(_TITLES, default=pl.element()))
                .list.join(", ")
            ).alias("_low")
        )
        .select(*keys, "_low")
    )
    said = (
        rows.filter(pl.col("note").is_not_null() & ~pl.col("note").is_in(_SAID_ONCE))
        .group_by(*keys, maintain_order=True)
        .agg(pl.col("note").unique(maintain_order=True).str.join("; ").alias("_said"))
    )
    base = rows.select(*keys).unique(maintain_order=True)
    joined = base.join(low, on=list(keys), how="left").join(said, on=list(keys), how="left")
    return joined.select(
        *keys,
        pl.concat_str(["_low", "_said"], separator="; ", ignore_nulls=True).alias("_notes"),
    )


_TITLES = {k: m.title for k, m in METRICS.items()}
