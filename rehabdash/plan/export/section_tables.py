"""The section sheets' tables of the data plan workbook, built from the controlled plan:
access by group (wide, one row per group), inequality summaries, the deprivation
gradient, need by area (with the funnel's limits), trends with SPC, gaps, recording
quality and rows rejected (issue 12; DESIGN 9).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rehabdash.codes.characteristics import CHARACTERISTICS
from rehabdash.plan import access, consequences
from rehabdash.plan.engine import Plan
from rehabdash.plan.export.sheet_model import Cell, Column, Table, estimate, no_rows, shown
from rehabdash.plan.export.wide_tables import Measure, WideTable, measures, wide_table
from rehabdash.plan.funnel_data import CLASS_SHORT
from rehabdash.plan.gradient import Gradient, gradient
from rehabdash.plan.metrics import METRICS
from rehabdash.plan.result import ALL, NOT_AVAILABLE, SUPPRESSED, Indicator
from rehabdash.plan.spc_chart import BREAKDOWNS, FREQS, MEASURES, TrendBoard, point_words

#: Section 1's measures by group, in the order a reader takes them.
ACCESS = (
    "referrals",
    "people_referred",
    "people_seen",
    "referred_rate",
    "seen_rate",
    "seen_dsr",
    "seen_oe",
    "representation",
    "representation_need",
    "seen_share",
    "accepted_share",
    "discharged_share",
    "self_referral_share",
)
POPULATION = Measure("seen_rate", "Population (the rates' denominator)", "denominator", "estimate")
SUMMARIES = ("sii", "rii", *(m.key for m in access.HEAT_METRICS))
WAITS = tuple(m.key for m in consequences.METRICS if m.key.startswith("wait"))
CARE = tuple(m.key for m in consequences.METRICS if not m.key.startswith("wait"))
NEED = ("seen_oe", "unmet_need", "representation_need")
OBSERVED = Measure("seen_oe", "People seen (observed)", "numerator", "count")
EXPECTED = Measure("seen_oe", "People expected to be seen", "denominator", "estimate")
AREA = (
    "area_people_seen",
    "area_expected_seen",
    "area_oe",
    "area_funnel_95",
    "area_funnel_998",
    "area_outlier",
    "area_unmet_need",
    "area_contacts",
    "area_contacts_rate",
)
#: The areas sheet: its levels, in order, and its columns.
PLACE_LEVELS = ("neighbourhood", "pcn", "lad")
PLACE_COLUMNS = (
    Measure("area_people_seen", "People seen", "value", "count"),
    Measure("area_seen_rate", "People seen per 1,000", "value", "rate"),
    Measure("area_seen_rate", "Per 1,000: lower 95% limit", "lower", "rate"),
    Measure("area_seen_rate", "Per 1,000: upper 95% limit", "upper", "rate"),
    Measure("area_oe", "Observed ÷ expected", "value", "ratio"),
    Measure("area_oe", "Observed ÷ expected: lower 95% limit", "lower", "ratio"),
    Measure("area_oe", "Observed ÷ expected: upper 95% limit", "upper", "ratio"),
    Measure("area_outlier", "Against the funnel's limits", "value", "text"),
    Measure("area_wait_median", "Median wait to first contact (days)", "value", "days"),
    Measure("area_wait_within_18w", "Seen within 18 weeks (%)", "value", "percent"),
    Measure("area_dna_rate", "Did not attend per booked contact (%)", "value", "percent"),
    Measure("area_core20_share", "Population in Core20 areas (%)", "value", "percent"),
    Measure("area_contacts_rate", "Contacts per 1,000 population", "value", "rate"),
)
#: The distance sheet's measures (rehabdash.plan.distance) and its columns.
DISTANCE = ("distance_people_seen", "distance_seen_rate", "distance_oe")
DISTANCE_COLUMNS = (
    Measure("distance_people_seen", "People seen", "value", "count"),
    Measure("distance_seen_rate", "Population", "denominator", "estimate"),
    Measure("distance_seen_rate", "People seen per 1,000", "value", "rate"),
    Measure("distance_seen_rate", "Per 1,000: lower 95% limit", "lower", "rate"),
    Measure("distance_seen_rate", "Per 1,000: upper 95% limit", "upper", "rate"),
    Measure("distance_oe", "Observed ÷ expected (age, sex and deprivation)", "value", "ratio"),
    Measure("distance_oe", "Observed ÷ expected: lower 95% limit", "lower", "ratio"),
    Measure("distance_oe", "Observed ÷ expected: upper 95% limit", "upper", "ratio"),
)


def distance_wide(frame: pl.DataFrame) -> WideTable:
    """The distance sheet: one row per distance band, "All" first."""
    rows = frame.filter(pl.col("metric").is_in(DISTANCE))
    present = set(rows["metric"].unique())
    return wide_table(
        rows,
        [c for c in DISTANCE_COLUMNS if c.metric in present],
        key_headers=(("level", "Distance to the nearest site"),),
    )


#: EDS 2022 domain 1 outcomes, short enough for a drop-down (Excel: 255 characters in all).


def area_wide(frame: pl.DataFrame) -> WideTable:
    """One row per area, each level's areas from the smallest expected count up (so the
    funnel's limit columns draw as lines), the level's "All" row first."""
    rows = frame.filter(pl.col("metric").is_in(AREA))
    expected = rows.filter(pl.col("metric") == "area_expected_seen").select(
        "breakdown_key", "level_code", pl.col("value").alias("_e")
    )
    # Areas whose O/E is suppressed or not available go last: a chart's range then
    # covers only areas with a number (a spreadsheet draws text as 0).
    drawn = rows.filter((pl.col("metric") == "area_oe") & pl.col("value").is_not_null()).select(
        "breakdown_key", "level_code", pl.lit(True).alias("_drawn")
    )
    ordered = (
        rows.join(expected, on=["breakdown_key", "level_code"], how="left")
        .join(drawn, on=["breakdown_key", "level_code"], how="left")
        .with_columns(pl.col("breakdown_key").replace_strict(_order(rows), default=99).alias("_b"))
        .sort(
            "_b",
            pl.col("level_code") != ALL,
            pl.col("_drawn").is_null(),
            "_e",
            "level",
            nulls_last=True,
        )
        .drop("_b", "_e", "_drawn")
    )
    ordered = _outlier_words(ordered)
    cols = [
        Measure("area_people_seen", "People seen", "value", "count"),
        Measure("area_expected_seen", "People expected to be seen", "value", "estimate"),
        Measure("area_oe", "Observed ÷ expected", "value", "ratio"),
        Measure("area_oe", "Observed ÷ expected: lower 95% limit", "lower", "ratio"),
        Measure("area_oe", "Observed ÷ expected: upper 95% limit", "upper", "ratio"),
        Measure("area_funnel_95", "Funnel: lower 95% limit", "lower", "ratio"),
        Measure("area_funnel_95", "Funnel: upper 95% limit", "upper", "ratio"),
        Measure("area_funnel_998", "Funnel: lower 99.8% limit", "lower", "ratio"),
        Measure("area_funnel_998", "Funnel: upper 99.8% limit", "upper", "ratio"),
        Measure("area_funnel_95", "Funnel centre (observed = expected)", "value", "ratio"),
        Measure("area_outlier", "Against the funnel's limits", "value", "text"),
        Measure("area_unmet_need", "Unmet need (people)", "value", "estimate"),
        Measure("area_unmet_need", "Unmet need: lower 95% limit", "lower", "estimate"),
        Measure("area_unmet_need", "Unmet need: upper 95% limit", "upper", "estimate"),
        Measure("area_contacts", "Contacts attended", "value", "count"),
        Measure("area_contacts_rate", "Contacts per 1,000 population", "value", "rate"),
        Measure("area_contacts_rate", "Contacts per 1,000: lower 95% limit", "lower", "rate"),
        Measure("area_contacts_rate", "Contacts per 1,000: upper 95% limit", "upper", "rate"),
    ]
    present = set(rows["metric"].unique())
    return wide_table(
        ordered,
        [c for c in cols if c.metric in present],
        key_headers=(("breakdown", "Area level"), ("level_code", "Area code"), ("level", "Area")),
    )


def _outlier_words(frame: pl.DataFrame) -> pl.DataFrame:
    """The area_outlier rows' class as its words, in the flag column (a text cell)."""
    outlier = pl.col("metric") == "area_outlier"
    return frame.with_columns(
        pl.when(outlier).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(outlier & pl.col("value").is_not_null())
        .then(pl.col("value").replace_strict(CLASS_SHORT, default=None, return_dtype=pl.String))
        .otherwise(pl.col("flag"))
        .alias("flag"),
    )


def places_wide(frame: pl.DataFrame) -> WideTable:
    """The areas sheet: one row per area of :data:`PLACE_LEVELS` (in that order, each
    level's "All" first) with :data:`PLACE_COLUMNS`."""
    rank = {k: i for i, k in enumerate(PLACE_LEVELS)}
    wanted = {c.metric for c in PLACE_COLUMNS}
    rows = frame.filter(
        pl.col("metric").is_in(wanted) & pl.col("breakdown_key").is_in(PLACE_LEVELS)
    )
    ordered = rows.with_columns(
        pl.col("breakdown_key").replace_strict(rank, default=99).alias("_b")
    ).sort("_b", pl.col("level_code") != ALL, maintain_order=True)
    present = set(rows["metric"].unique())
    return wide_table(
        _outlier_words(ordered.drop("_b")),
        [c for c in PLACE_COLUMNS if c.metric in present],
        key_headers=(("breakdown", "Area level"), ("level_code", "Area code"), ("level", "Area")),
    )


def _order(frame: pl.DataFrame) -> dict[str, int]:
    return {k: i for i, k in enumerate(frame["breakdown_key"].unique(maintain_order=True))}


def summaries(frame: pl.DataFrame) -> Table:
    rows = frame.filter(pl.col("metric").is_in(SUMMARIES))
    out: list[tuple[Cell, ...]] = []
    for r in rows.iter_rows(named=True):
        m = METRICS[r["metric"]]

        out.append(
            (
                str(r["breakdown"]),
                m.title,
                shown(r["value"], r["flag"]),
                shown(r["lower"], r["flag"]),
                shown(r["upper"], r["flag"]),
                m.unit,
                str(r["method"] or ""),
                str(r["note"] or ""),
            )
        )
    columns = (
        Column("Breakdown", "text", 28),
        Column("Measure", "text", 44),
        Column("Value", "decimal"),
        Column("Lower 95% limit", "decimal"),
        Column("Upper 95% limit", "decimal"),
        Column("Unit", "text"),
        Column("Method", "text", 50),
        Column("Notes", "text", 40),
    )
    return Table("Inequality_measures", columns, out or [no_rows(len(columns))])


def indicators(frame: pl.DataFrame, plan: Plan) -> dict[str, Indicator]:
    """The controlled rows as indicators again, for the chart-data helpers."""
    out = {}
    for (key,), part in frame.partition_by("indicator", as_dict=True, maintain_order=True).items():
        original = plan.indicators.get(str(key))
        if original is not None:
            out[original.key] = Indicator(original.key, original.definition, part.drop("indicator"))
    return out


def gradients(access_frame: pl.DataFrame, plan: Plan) -> list[Gradient]:
    deprivation = access_frame.filter(pl.col("breakdown_key").is_in(("imd_decile", "imd_quintile")))
    found = indicators(deprivation, plan)
    out = []
    for key in ("imd_decile", "imd_quintile"):
        rate = found.get(f"seen_rate/{key}")
        if rate is not None:
            out.append(
                gradient(
                    rate,
                    found.get(f"seen_dsr/{key}"),
                    found.get(f"seen_oe/{key}"),
                    found.get(f"sii/{key}"),
                    found.get(f"rii/{key}"),
                )
            )
    return out


_GRADIENT_COLUMNS = (
    Column("Breakdown", "text", 28),
    Column("Group", "text", 30),
    Column("People seen per 1,000 population", "rate"),
    Column("Lower 95% limit", "rate"),
    Column("Upper 95% limit", "rate"),
    Column("Population", "estimate"),
    Column("Relative rank from", "precise"),
    Column("Relative rank to", "precise"),
    Column("Fitted SII line at the group's midpoint", "rate"),
    Column("Rate shown", "text", 30),
)


def gradient_table(items: Sequence[Gradient]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for g in items:
        shown = "age-sex standardised (DSR)" if g.metric == "seen_dsr" else "crude"
        for bar in g.bars:
            r = bar.row
            value: Cell = r.value if r.value is not None else (r.shorthand or NOT_AVAILABLE)
            fitted: Cell = NOT_AVAILABLE
            if g.line is not None:
                fitted = g.line[0] + (g.line[1] - g.line[0]) * bar.centre
            rows.append(
                (
                    g.breakdown,
                    r.label,
                    value,
                    r.lower if r.lower is not None else NOT_AVAILABLE,
                    r.upper if r.upper is not None else NOT_AVAILABLE,
                    bar.population if bar.population is not None else NOT_AVAILABLE,
                    bar.left,
                    bar.right,
                    fitted,
                    shown,
                )
            )
    return Table(
        "Deprivation_gradient", _GRADIENT_COLUMNS, rows or [no_rows(len(_GRADIENT_COLUMNS))]
    )


_TREND_COLUMNS = (
    Column("Measure", "text", 40),
    Column("Every", "text", 10),
    Column("Breakdown", "text", 16),
    Column("Group", "text", 30),
    Column("Period", "text", 12),
    Column("Value", "decimal"),
    Column("Mean", "decimal"),
    Column("Lower process limit", "decimal"),
    Column("Upper process limit", "decimal"),
    Column("Point", "text", 24),
    Column("Special-cause rules", "text", 36),
    Column("Unit", "text", 22),
)


def trend_table(board: TrendBoard) -> tuple[Table, dict[str, tuple[int, int]]]:
    """Every SPC series' points; and where each series' rows are (for its chart)."""
    rows: list[tuple[Cell, ...]] = []
    spans: dict[str, tuple[int, int]] = {}
    for s in board.series:
        first = len(rows)
        for p in s.points:
            rows.append(
                (
                    MEASURES[s.measure],
                    FREQS[s.freq].lower().removesuffix("ly").replace("quarter", "quarter"),
                    BREAKDOWNS.get(s.breakdown_key, s.breakdown),
                    s.level if s.level_code != ALL else "Everyone",
                    p.period,
                    p.value if p.value is not None else p.shorthand.split(" ", 1)[0],
                    s.mean if s.mean is not None else NOT_AVAILABLE,
                    s.lower if s.lower is not None else NOT_AVAILABLE,
                    s.upper if s.upper is not None else NOT_AVAILABLE,
                    point_words(p.variation),
                    "; ".join(p.rules),
                    s.unit,
                )
            )
        if len(rows) > first:
            spans[s.key] = (first, len(rows) - 1)
    return Table("Trends", _TREND_COLUMNS, rows or [no_rows(len(_TREND_COLUMNS))]), spans


_GAP_COLUMNS = (
    Column("Gap", "text", 40),
    Column("Group", "text", 30),
    Column("Baseline period", "text", 12),
    *estimate("Baseline"),
    Column("Latest period", "text", 12),
    *estimate("Latest"),
    *estimate("Change"),
    Column("Verdict", "text", 26),
    Column("Unit", "text", 20),
)


def gap_table(board: TrendBoard) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for g in board.gaps:
        b, la, ch = g.baseline, g.latest, g.change
        rows.append(
            (
                g.title,
                g.level,
                b.period,
                shown(b.value, b.flag),
                shown(b.lower, b.flag),
                shown(b.upper, b.flag),
                la.period,
                shown(la.value, la.flag),
                shown(la.lower, la.flag),
                shown(la.upper, la.flag),
                shown(ch.value, ch.flag),
                shown(ch.lower, ch.flag),
                shown(ch.upper, ch.flag),
                g.verdict,
                g.unit,
            )
        )
    return Table("Gaps_baseline_latest", _GAP_COLUMNS, rows or [no_rows(len(_GAP_COLUMNS))])


def quality_table(frame: pl.DataFrame) -> Table:
    shares = frame.filter(pl.col("metric") == "recorded_share")
    parts = shares.with_columns(
        pl.col("breakdown_key").str.split("×").list.get(0).alias("_char"),
        pl.col("breakdown_key").str.split("×").list.get(1, null_on_oob=True).alias("_by"),
        pl.col("level_code").str.split("|").list.get(0).alias("_state"),
        pl.col("level").str.split("; ").list.get(1, null_on_oob=True).alias("_part"),
    ).filter(pl.col("level_code") != ALL)
    states = ("valid", "not stated", "not known", "blank", "invalid")
    wide = (
        parts.with_columns(
            pl.when(pl.col("value").is_not_null())
            .then(pl.col("value").cast(pl.String))
            .otherwise(pl.col("flag"))
            .alias("_cell")
        )
        .pivot(
            on="_state", index=["_char", "_by", "_part"], values="_cell", aggregate_function="first"
        )
        .join(
            parts.filter(pl.col("_state") == "valid").select(
                "_char", "_by", "_part", pl.col("denominator").alias("_n")
            ),
            on=["_char", "_by", "_part"],
            how="left",
        )
    )
    rows: list[tuple[Cell, ...]] = []
    by_words = {None: "Overall", "provider": "Provider", "month": "Month of referral"}
    for r in wide.iter_rows(named=True):
        char = CHARACTERISTICS.get(str(r["_char"]))
        cells: list[Cell] = [
            char.title if char is not None else str(r["_char"]),
            by_words.get(r["_by"], str(r["_by"])),
            str(r["_part"] or "All"),
        ]
        for s in states:
            v = r.get(s)
            cells.append(_number_or_flag(v))
        n = r["_n"]
        cells.append(float(n) if n is not None else SUPPRESSED)
        valid = cells[3]
        cells.append(
            ("below 80%" if valid < 80 else "below 95%" if valid < 95 else "")
            if isinstance(valid, float)
            else ""
        )
        rows.append(tuple(cells))
    columns = (
        Column("Characteristic", "text", 28),
        Column("By", "text", 18),
        Column("Provider or month", "text", 26),
        *(Column(f"% {s}", "percent", 11) for s in states),
        Column("People referred", "count"),
        Column("Recording below threshold", "text", 14),
    )
    return Table("Recording_quality", columns, rows or [no_rows(len(columns))])


def _number_or_flag(v: object) -> Cell:
    if v is None:
        return NOT_AVAILABLE
    try:
        return float(str(v))
    except ValueError:
        return str(v)


def rejected_table(frame: pl.DataFrame) -> Table:
    rows = frame.filter(pl.col("metric").is_in(["rows_rejected", "rows_warned"]))
    wide = wide_table(
        rows,
        measures(["rows_rejected", "rows_warned"], rows),
        key_headers=(("breakdown", "Breakdown"), ("level", "Batch and rule")),
        notes=False,
    )
    columns = wide.columns[1:]
    return Table("Rows_rejected", columns, [r[1:] for r in wide.rows] or [no_rows(len(columns))])
