"""Recording quality, the data plan's data-quality section (DESIGN 6): how completely each
characteristic is recorded, and how many rows each validation rule rejected.

A breakdown by ethnicity says little when a third of people have none recorded, so for
every characteristic of :data:`rehabdash.codes.characteristics.CHARACTERISTICS` the plan
reports the share of people of each *kind* (valid, not stated, not known, blank,
invalid, as the registry's ``Characteristic.kind`` defines them) overall, by provider
and by month of referral, with Wilson score limits (:func:`rehabdash.stats.proportion`,
DESIGN 7.1), and flags a valid share below 95% and below 80%, the threshold of the
Community Services Data Set (CSDS) publications that DESIGN 6 adopts. Findings ask
:func:`completeness` before they make a claim about a characteristic.

Choices, for the methods sheet:

* The unit is the person referred in the period (``scope.people``), described by their
  latest referral, exactly as every breakdown of the plan sees them; by provider, each
  person referred to it, by their latest referral to it; by month, each person referred
  in the month, by their latest referral in it. A person referred to two providers (or
  in two months) counts in each, so providers or months may add up to more than All.
* Overall, ``breakdown_key`` is the characteristic and ``level_code`` the kind ("valid",
  "not stated", "not known", "blank", "invalid"), beside "All". By provider (month) the
  frame is a pair, ``"<characteristic>×provider"`` (``×month``), with codes
  ``"<kind>|<provider>"`` and margins ``"<kind>|All"`` (everyone), ``"All|<provider>"``
  and "All": every key is unique in a plan, and disclosure control sees which cells add
  up to which. Month rows also carry ``period`` ("2025-03").
* The flags read the point estimate and go in ``note``, not ``[u]``: the share itself
  is well measured; it is the characteristic's breakdowns that are unreliable.
* Rows rejected (or kept with a warning) per rule per batch are counted by the store
  from its ``row_issue`` lines (:mod:`rehabdash.queries.rejections`) for the activity
  batches the scope read: a row breaking a rule in two columns counts once for the rule,
  a row breaking two rules under each, and once in its batch's total.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial
from typing import Literal

import polars as pl
from sqlalchemy.engine import Engine

from rehabdash.codes.characteristics import (
    CHARACTERISTICS,
    KINDS,
    UNKNOWN_LEVELS,
    VALID,
    Characteristic,
)
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.result import (
    ALL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Indicator,
    Metric,
    conform,
    pair_key,
)
from rehabdash.plan.scope import ROWS, Scope, latest_referrals
from rehabdash.queries.rejections import batch_counts, rejected_by_rule
from rehabdash.stats import proportion

__all__ = [
    "BELOW_CSDS",
    "BELOW_TARGET",
    "CSDS_THRESHOLD",
    "METRICS",
    "TARGET",
    "completeness",
    "completeness_indicators",
    "quality_indicators",
    "recording_caveat",
    "rejections_indicator",
    "warnings_indicator",
]

By = Literal["all", "provider", "month"]
CSDS_THRESHOLD, TARGET = 80.0, 95.0  # valid %: too incomplete to judge / needs attention
BELOW_CSDS, BELOW_TARGET = "below 80%: too incomplete to judge", "below 95%"
_KIND_LABELS = {VALID: "Valid", **UNKNOWN_LEVELS}
_GROUP = {"provider": "provider_code", "month": "__month"}
_ALL_GROUPS = {"provider": "All providers", "month": "All months"}
_PEOPLE = "people referred in the period"
_UNIT = (
    "People: those referred in the period, each described by their latest referral (by "
    "provider: their latest referral to it; by month: their latest referral in it)"
)


def _m(key: str, title: str, numerator: str, method: str, unit: str, **kw: object) -> Metric:
    denominator = str(kw.pop("denominator", ""))
    return Metric(key, title, numerator, denominator, method, unit, "quality", **kw)  # type: ignore[arg-type]


METRICS: tuple[Metric, ...] = (
    _m(
        "recorded_share",
        "Recording: share of people by kind (valid, not stated, not known, blank, invalid)",
        f"{_PEOPLE} whose characteristic is of this kind",
        "proportion; Wilson score limits",
        "%",
        denominator=_PEOPLE,
        value_kind="ratio",
        multiplier=100.0,
        denominator_is_count=True,
    ),
    _m(
        "recorded_people",
        "Recording: people by kind (valid, not stated, not known, blank, invalid)",
        f"{_PEOPLE} whose characteristic is of this kind",
        "count of distinct people",
        "people",
        value_kind="count",
    ),
    _m(
        "rows_rejected",
        "Rows rejected per validation rule per import batch",
        "rows of the batch's file that the rule rejected (not imported)",
        "count of distinct source rows",
        "rows",
        denominator="rows read from the file",
        value_kind="count",
        polarity="lower",
    ),
    _m(
        "rows_warned",
        "Rows imported with a warning per validation rule per import batch",
        "rows of the batch's file imported with the rule's warning",
        "count of distinct source rows",
        "rows",
        denominator="rows read from the file",
        value_kind="count",
        polarity="lower",
    ),
)
_SHARE, _COUNT, _REJECTED, _WARNED = METRICS
_CHARS = pl.DataFrame(
    {
        "characteristic": list(CHARACTERISTICS),
        "__c": list(range(len(CHARACTERISTICS))),
        "breakdown": [c.title for c in CHARACTERISTICS.values()],
    }
)
_GRID = pl.DataFrame({"characteristic": list(CHARACTERISTICS)}).join(
    pl.DataFrame({"kind": list(KINDS)}), how="cross"
)


def _caveats(char: Characteristic) -> list[str]:
    out = [_UNIT]
    if char.column == "imd_decile":
        out.append("Blank: no LSOA the area lookup places, and no decile in the extract")
    if char.key == "disability":
        out.append("Valid: any disability code, or NN (no disability); not stated: ZZ")
    if char.key == "age_band":
        out.append("Blank: no age or date of birth recorded")
    return out


def _kinds(frame: pl.DataFrame, group: str | None) -> pl.DataFrame:
    """characteristic, group (ALL when None), kind, people, total: every kind of every
    characteristic in every group, zeros included. Rows are counted by stored value
    first (a handful per column), so each kind expression runs on a tiny frame."""
    lazy = frame.lazy().with_columns((pl.col(group) if group else pl.lit(ALL)).alias("group"))
    columns = sorted({c.column for c in CHARACTERISTICS.values()})
    *values, totals = pl.collect_all(
        [
            *(lazy.group_by("group", col).agg(pl.len().alias("people")) for col in columns),
            lazy.group_by("group").agg(pl.len().alias("total")),
        ]
    )
    if group is None and totals.height == 0:  # nobody referred: "All" is a true zero
        totals = pl.DataFrame({"group": [ALL], "total": [0]}, schema=totals.schema)
    by_column = dict(zip(columns, values, strict=True))
    counts = pl.concat(
        by_column[c.column]
        .group_by("group", c.kind(pl.col(c.column)).alias("kind"))
        .agg(pl.col("people").sum())
        .with_columns(pl.lit(c.key).alias("characteristic"))
        for c in CHARACTERISTICS.values()
    )
    grid = totals.join(_GRID, how="cross")
    table = grid.join(counts, on=["group", "characteristic", "kind"], how="left")
    table = table.select(
        "characteristic",
        pl.col("group").dt.strftime("%Y-%m") if group == _GROUP["month"] else "group",
        "kind",
        pl.col("people").fill_null(0).cast(pl.Float64),
        pl.col("total").cast(pl.Float64),
    )
    return table


def _people_by(scope: Scope, by: str) -> pl.DataFrame:
    """One row per person and provider (or month) referred in the period, described by
    their latest referral there."""
    key = _GROUP[by]
    group = pl.col("referral_date").dt.month_start().alias(key) if by == "month" else pl.col(key)
    columns = sorted({c.column for c in CHARACTERISTICS.values()} - {key})
    return latest_referrals(scope, [group], ["referral_date", *columns], pseudonym=False)


def _table(scope: Scope, by: str) -> pl.DataFrame:
    """characteristic, group (ALL: everyone), kind, people, total; kept in the scope's
    cache (the everyone rows once for every ``by``)."""

    def make() -> pl.DataFrame:
        if by == "all":
            return _kinds(scope.people, None)
        return pl.concat([_kinds(_people_by(scope, by), _GROUP[by]), _table(scope, "all")])

    return scope.kept((ROWS, "quality", "kinds", by), make)


def _rows(scope: Scope, by: str) -> pl.DataFrame:
    """Every row of every characteristic's frame, before the metric's values."""
    table = _table(scope, by)
    totals = table.unique(["characteristic", "group"]).with_columns(
        pl.lit(ALL).alias("kind"), pl.col("total").alias("people")
    )
    rows = pl.concat([table, totals]).join(_CHARS, on="characteristic")
    kind, group = pl.col("kind"), pl.col("group")
    ranks = {g: i for i, g in enumerate(sorted(set(table["group"]) - {ALL}))}
    order = (
        pl.col("__c") * 100_000
        + group.replace_strict(ranks, default=len(ranks), return_dtype=pl.Int64) * 10
        + kind.replace_strict({k: i for i, k in enumerate((*KINDS, ALL))}, return_dtype=pl.Int64)
    )
    label = kind.replace_strict({**_KIND_LABELS, ALL: ALL}, return_dtype=pl.String)
    extra = []
    if by == "all":
        bk, title, code = pl.col("characteristic"), pl.col("breakdown"), kind
    else:
        everyone, both = group == ALL, (group == ALL) & (kind == ALL)
        name = (
            group.str.to_date("%Y-%m", strict=False).dt.strftime("%b %Y")
            if by == "month"
            else group
        )
        name = pl.when(everyone).then(pl.lit(_ALL_GROUPS[by])).otherwise(name)
        bk = pl.col("characteristic") + f"×{by}"
        title = pl.col("breakdown") + (
            " × provider" if by == "provider" else " × month of referral"
        )
        code = (
            pl.when(both).then(pl.lit(ALL)).otherwise(pl.concat_str([kind, group], separator="|"))
        )
        label = (
            pl.when(both).then(pl.lit(ALL)).otherwise(pl.concat_str([label, name], separator="; "))
        )
        if by == "month":
            extra.append(pl.when(~everyone).then(group).alias("period"))
    return rows.select(
        bk.alias("breakdown_key"),
        title.alias("breakdown"),
        code.alias("level_code"),
        label.alias("level"),
        order.alias("order"),
        "kind",
        pl.col("people").alias("numerator"),
        pl.col("total").alias("denominator"),
        *extra,
    )


def _with_notes(frame: pl.DataFrame) -> pl.DataFrame:
    """Each valid row's flag (compared without dividing: exactly 95% is not below 95%)."""
    valid = (pl.col("kind") == VALID) & (pl.col("denominator") > 0)
    per_100, whole = pl.col("numerator") * 100, pl.col("denominator")
    note = (
        pl.when(valid & (per_100 < CSDS_THRESHOLD * whole))
        .then(pl.lit(BELOW_CSDS))
        .when(valid & (per_100 < TARGET * whole))
        .then(pl.lit(BELOW_TARGET))
        .when(pl.col("denominator") <= 0)
        .then(pl.lit("nobody referred"))
    )
    return frame.with_columns(note.alias("note"))


def _shares(frame: pl.DataFrame) -> pl.DataFrame:
    has = pl.col("denominator") > 0
    ok = frame.filter(has)
    out = proportion(ok, "numerator", "denominator", multiplier=_SHARE.multiplier)
    ok = ok.with_columns(out["value"], out["lower"], out["upper"], out["method"])
    none = frame.filter(~has).with_columns(pl.lit(NOT_APPLICABLE).alias("flag"))
    return pl.concat([ok, none], how="diagonal_relaxed").sort("order")


def completeness_indicators(scope: Scope, by: By = "all") -> list[Indicator]:
    """For each characteristic, the share and number of people of each recording kind,
    overall (``by="all"``), by provider or by month of referral, with the "All" rows."""
    if by not in ("all", "provider", "month"):
        raise ValueError(f"by={by!r}: use 'all', 'provider' or 'month'")
    return scope.kept(("quality", "indicators", by), partial(_completeness_indicators, scope, by))


def _completeness_indicators(scope: Scope, by: By) -> list[Indicator]:
    rows = _with_notes(_rows(scope, by)).sort("order")
    frames = {
        _SHARE: conform(_shares(rows), _SHARE),
        _COUNT: conform(  # no denominator: disclosure control would leave it unrounded
            rows.with_columns(
                pl.col("numerator").alias("value"), pl.lit(None).alias("denominator")
            ),
            _COUNT,
        ),
    }
    parts = {
        metric: frame.partition_by("breakdown_key", as_dict=True, maintain_order=True)
        for metric, frame in frames.items()
    }
    empty = frames[_COUNT].clear()
    out = []
    for char in CHARACTERISTICS.values():
        bk = char.key if by == "all" else pair_key(char.key, by)
        caveats = [*_caveats(char), *scope.notes]
        for metric in (_SHARE, _COUNT):
            definition = metric.definition(
                denominator=_PEOPLE if metric is _SHARE else "",
                caveats=caveats,
                batches=scope.batches,
            )
            frame = parts[metric].get((bk,), empty)
            out.append(Indicator(f"{metric.key}/{bk}", definition, frame))
    return out


def recording_caveat(scope: Scope, key: str) -> str | None:
    """The one sentence that says characteristic ``key`` is recorded for fewer than 80%
    of people referred (the CSDS threshold); None when it is not (or nobody was referred).
    Indicator definitions and findings both use it."""
    char = CHARACTERISTICS.get(key)
    if char is None:
        return None
    share = completeness(scope, key)
    if share != share or share >= CSDS_THRESHOLD:  # NaN: nobody referred
        return None
    return (
        # Floored, not rounded: 79.96% is below 80% and must not read "80%".
        f"{char.title.split(' (')[0]} is recorded for only {math.floor(share * 10) / 10:.1f}% "
        "of people referred, "
        f"below the {CSDS_THRESHOLD:.0f}% CSDS threshold, so comparisons may be biased"
    )


def completeness(scope: Scope, key: str) -> float:
    """The valid % of people referred in the period for characteristic ``key`` (a pair
    "a×b": both valid; "All": 100); NaN when nobody was referred."""
    cached = (ROWS, "quality", "completeness", key)  # every indicator's caveat and the findings
    return scope.kept(cached, lambda: _completeness(scope, key))


def _completeness(scope: Scope, key: str) -> float:
    parts = breakdown(key).parts
    if scope.people.height == 0:
        return float("nan")
    if not parts:
        return 100.0
    if len(parts) == 1:  # people by the column's handful of stored values
        char = parts[0]
        counts = scope.people.group_by(char.column).len()
        recorded = int(counts.filter(char.kind(pl.col(char.column)) == VALID)["len"].sum())
        return recorded / scope.people.height * 100.0
    valid = pl.all_horizontal(c.kind(pl.col(c.column)) == VALID for c in parts)
    return float(scope.people.select(valid.mean()).item()) * 100.0


def _issues(source: Engine | pl.DataFrame, batch_ids: Iterable[int], metric: Metric) -> Indicator:
    """Rows per batch and rule of ``metric`` (rejected or warned), each batch's total
    and "All"; from the store, or from a frame of ``rejected_by_rule`` (then rows are
    summed over its columns and the totals are not available)."""
    ids = sorted({int(b) for b in batch_ids})
    count = "rows" if metric is _REJECTED else "warnings"
    if isinstance(source, Engine):
        by_column = rejected_by_rule(source, ids)
        by_rule = rejected_by_rule(source, ids, level="rule")
        totals = rejected_by_rule(source, ids, level="batch").select("batch_id", count)
        batches = batch_counts(source, ids).select("batch_id", "source_name", "rows_read")
    else:
        by_column = source.filter(pl.col("batch_id").is_in(ids))
        by_rule = by_column.group_by("batch_id", "rule").agg(pl.col(count).sum())
        totals = None
        batches = by_column.select(
            pl.col("batch_id").unique().sort(),
            pl.lit(None, pl.String).alias("source_name"),
            pl.lit(None, pl.Int64).alias("rows_read"),
        )
    batches = batches.with_columns(
        pl.format("Batch {}", "batch_id").alias("__name"), pl.int_range(pl.len()).alias("__b")
    ).with_columns(
        pl.when(pl.col("source_name").is_not_null())
        .then(pl.format("{} ({})", "__name", "source_name"))
        .otherwise("__name")
        .alias("__name")
    )
    columns = (
        by_column.filter(pl.col(count) > 0, pl.col("column_name").is_not_null())
        .group_by("batch_id", "rule")
        .agg(pl.col("column_name").unique().sort().str.join(", "))
        if "column_name" in by_column.columns
        else pl.DataFrame(
            schema={"batch_id": pl.Int64, "rule": pl.String, "column_name": pl.String}
        )
    )
    rules = (
        by_rule.filter(pl.col(count) > 0)
        .select("batch_id", "rule", count)
        .join(batches, on="batch_id")
        .join(columns, on=["batch_id", "rule"], how="left")
        .sort(["__b", count, "rule"], descending=[False, True, False])
        .select(
            pl.format("{}|{}", "batch_id", "rule").alias("level_code"),
            pl.format("{}: {}", "__name", "rule").alias("level"),
            pl.col(count).alias("value"),
            pl.col("rows_read").alias("denominator"),
            ("columns: " + pl.col("column_name")).alias("note"),
        )
    )
    whole = batches.join(totals, on="batch_id", how="left") if totals is not None else batches
    total = pl.col(count).fill_null(0) if totals is not None else pl.lit(None, pl.Int64)
    per_batch = whole.sort("__b").select(
        pl.format("{}|All", "batch_id").alias("level_code"),
        pl.format("{}: all rules", "__name").alias("level"),
        total.alias("value"),
        pl.col("rows_read").alias("denominator"),
    )
    everyone = per_batch.select(
        pl.lit(ALL).alias("level_code"),
        pl.lit(ALL).alias("level"),
        pl.col("value").sum() if totals is not None else pl.lit(None, pl.Int64).alias("value"),
        pl.when(pl.col("denominator").count() > 0).then(pl.col("denominator").sum()),
    )
    frame = pl.concat([rules, per_batch, everyone], how="diagonal_relaxed").with_columns(
        pl.lit("batch").alias("breakdown_key"),
        pl.lit("Import batch and validation rule").alias("breakdown"),
        pl.col("value").alias("numerator"),
        pl.lit("count").alias("method"),
    )
    if totals is None:
        missing = pl.col("level_code").str.ends_with("|All") | (pl.col("level_code") == ALL)
        frame = frame.with_columns(
            pl.when(missing).then(pl.lit(NOT_AVAILABLE)).alias("flag"),
            pl.when(missing).then(pl.lit("totals need the store")).otherwise("note").alias("note"),
        )
    caveats = (
        "A row breaking a rule in several columns counts once for the rule; a row breaking "
        "several rules counts under each, and once in its batch's total",
    )
    definition = metric.definition(caveats=caveats, batches=batches["batch_id"].to_list())
    return Indicator(f"{metric.key}/batch", definition, conform(frame, metric))


def rejections_indicator(source: Engine | pl.DataFrame, batch_ids: Iterable[int]) -> Indicator:
    """Rows rejected per rule per activity batch among ``batch_ids`` (level_code
    "<batch id>|<rule>"), each batch's rows rejected ("<batch id>|All") and "All"."""
    return _issues(source, batch_ids, _REJECTED)


def warnings_indicator(source: Engine | pl.DataFrame, batch_ids: Iterable[int]) -> Indicator:
    """As :func:`rejections_indicator`, for rows imported with a rule's warning."""
    return _issues(source, batch_ids, _WARNED)


def quality_indicators(scope: Scope, engine: Engine | None = None) -> list[Indicator]:
    """The whole section: recording overall, by provider and by month, and (given the
    store) rows rejected and warned per rule per batch the scope read."""
    out = [i for by in ("all", "provider", "month") for i in completeness_indicators(scope, by)]
    if engine is not None:
        out += scope.kept(
            ("quality", "issues"),
            lambda: [
                rejections_indicator(engine, scope.batches),
                warnings_indicator(engine, scope.batches),
            ],
        )
    return out
