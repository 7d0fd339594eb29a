"""Section 4c of the workbook: the chosen period beside the previous one, each measure
with its change, the change's 95% interval and a verdict (``--compare previous``)."""

from __future__ import annotations

import polars as pl

from rehabdash.plan.export.front_sheets import described
from rehabdash.plan.export.sheet_model import Cell, Column, Sheet, Table, estimate, shown
from rehabdash.plan.metrics import METRICS
from rehabdash.plan.result import ALL, NOT_APPLICABLE, NOT_AVAILABLE
from rehabdash.stats import difference

__all__ = ["previous_sheet"]

# (metric, breakdowns, scale, polarity): what the previous-period sheet compares.
_COMPARED = (
    ("seen_rate", None, "log", "higher"),
    ("seen_oe", None, "log", "towards"),
    ("sii", ("imd_decile", "imd_quintile"), "natural", "towards"),
    ("rii", ("imd_decile", "imd_quintile"), "log", "towards"),
)


def previous_sheet(
    now: dict[str, pl.DataFrame],
    before: dict[str, pl.DataFrame],
    now_label: str,
    before_label: str,
    unsuppressed: bool,
) -> Sheet:
    """Section 4c: the chosen period beside the previous one, with the change and verdict."""
    keys = ["metric", "breakdown_key", "level_code"]
    cols = ["value", "lower", "upper", "flag"]
    a_all, b_all = before.get("access", pl.DataFrame()), now.get("access", pl.DataFrame())
    parts = []
    for metric, breakdowns, scale, polarity in _COMPARED:
        if not a_all.height or not b_all.height:
            break
        pick = (pl.col("metric") == metric) & ~pl.col("breakdown_key").str.contains("×")
        if breakdowns is not None:
            pick &= pl.col("breakdown_key").is_in(breakdowns)
        b = b_all.filter(pick).select(*keys, "breakdown", "level", *cols)
        a = a_all.filter(pick).select(*keys, *(pl.col(c).alias(c + "_a") for c in cols))
        both = b.rename({c: c + "_b" for c in cols}).join(
            a, on=keys, how="left", maintain_order="left"
        )
        ok = both.filter(
            pl.all_horizontal(
                pl.col(
                    "value_a", "lower_a", "upper_a", "value_b", "lower_b", "upper_b"
                ).is_not_null()
            )
            & (
                pl.all_horizontal(pl.col("value_a", "lower_a", "value_b", "lower_b") > 0)
                if scale == "log"
                else pl.lit(True)
            )
        )
        changed = (
            difference(
                ok,
                "value_a",
                "lower_a",
                "upper_a",
                "value_b",
                "lower_b",
                "upper_b",
                scale=scale,  # type: ignore[arg-type]
                polarity=polarity,  # type: ignore[arg-type]
            ).select(*keys, "value", "lower", "upper", "verdict", "statistic")
            if ok.height
            else pl.DataFrame(
                schema={
                    **{k: pl.String for k in keys},
                    "value": pl.Float64,
                    "lower": pl.Float64,
                    "upper": pl.Float64,
                    "verdict": pl.String,
                    "statistic": pl.String,
                }
            )
        )
        unknown = (pl.col("flag_a") == NOT_APPLICABLE) & (pl.col("flag_b") == NOT_APPLICABLE)
        both = both.filter(~unknown.fill_null(False))  # not stated, not known: no rate either year
        parts.append(both.join(changed, on=keys, how="left", maintain_order="left"))
    rows: list[tuple[Cell, ...]] = []
    if parts:
        for r in pl.concat(parts, how="diagonal_relaxed").iter_rows(named=True):
            rows.append(
                (
                    METRICS[r["metric"]].title,
                    r["breakdown"] if r["breakdown_key"] != ALL else ALL,
                    r["level"],
                    shown(r["value_a"], r["flag_a"]),
                    shown(r["lower_a"], r["flag_a"]),
                    shown(r["upper_a"], r["flag_a"]),
                    shown(r["value_b"], r["flag_b"]),
                    shown(r["lower_b"], r["flag_b"]),
                    shown(r["upper_b"], r["flag_b"]),
                    shown(r["value"], None),
                    shown(r["lower"], None),
                    shown(r["upper"], None),
                    r["statistic"] or NOT_AVAILABLE,
                    r["verdict"] or "not available: no estimate in one of the periods",
                )
            )
    if not rows:
        rows.append(("No measure to compare", *([NOT_AVAILABLE] * 13)))
    columns = (
        Column("Measure", "text", 36),
        Column("Breakdown", "text", 24),
        Column("Group", "text", 30),
        *estimate("Previous", name=f"Previous: {before_label}"),
        *estimate("Chosen", name=f"Chosen: {now_label}"),
        *estimate("Change"),
        Column("Change is", "text", 18),
        Column("Verdict", "text", 26),
    )
    return Sheet(
        "4c Previous period",
        f"Section 4c: {now_label} beside {before_label}",
        f"People seen per 1,000, observed ÷ expected, SII and RII in {now_label} beside "
        f"{before_label}, with the change, its interval and a verdict.",
        described(
            [
                f"One row per measure and group: {before_label} (previous) and {now_label} "
                "(chosen). Change is chosen ÷ previous for rates and ratios, chosen − previous "
                "for the SII; the verdict says whether its 95% interval supports improving "
                "(more people seen; gaps closer to none) or worsening."
            ],
            (1, 2, 5),
            unsuppressed,
        ),
        Table("Previous_period", columns, rows),
        notes=(1, 2, 5),
    )
