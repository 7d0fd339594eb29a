"""Disclosure control: the step every result takes before it leaves the app (DESIGN 8).

Rules (:data:`RULES`), after DESIGN 8's sources:

* ``"hes"`` (default): NHS Digital, *Hospital Episode Statistics (HES) analysis guide*,
  small-number suppression as for HES and ECDS: counts of 1 to 7 suppressed, others
  rounded to the nearest 5, zero shown as 0; rates and percentages from the rounded
  numerator and denominator; simple statistics (mean, median) of 1 to 7 people
  suppressed; complex statistics (standardised rates and their intervals) not;
* ``"mhsds"``: NHS Digital Mental Health Services Data Set statistics: counts of 1 to 4
  suppressed, others rounded to the nearest 5; rates and percentages suppressed where
  the numerator or the denominator count is;
* ``"none"``: for analysis on screen only; every row's note says so.

Suppressed values are flagged ``[c]``, after the Government Analysis Function's
*Symbols in tables, definitions and guidance*; ``[x]`` and ``[z]`` are never replaced.

Choices (for the methods sheet):

* Rounding is half up to the base; a tie never arises for whole numbers (n/5 ≠ k + ½).
* Rates are recomputed from the rounded numbers under both rules (with a population
  denominator an unrounded rate gives the numerator back). Wilson and exact/Byar's
  intervals are recomputed from the rounded numbers at the level (95% or 99.8%) that
  reproduces the interval given; any other interval on a changed number is withheld.
* Secondary suppression: the cells are each row's numerator and count denominator per
  metric, period, area, breakdown and level ("All" in any breakdown is one cell, "x|All"
  in a pair "a×b" is level x of a). A breakdown's levels add up to All; in a pair each
  row x adds up to level x of a, each column y to level y of b, all cells to All.
  Missing rows are unknowns; constraints the true counts break are dropped. Until none
  is left, a suppressed cell a reader could work out gives up the smallest non-zero
  published cell of its constraints (a total counts; ties: the first row): the lone
  hidden cell of a constraint; a cell fixed by combining constraints (rank test:
  margins against intersections); a small cell pinned by the ranges the published
  numbers allow (interval propagation, the "shuttle" of Buzzigoli and Giusti) to a
  reader told which [c] are small (1 to threshold - 1; any other is 1 or more), unless
  being small alone pins it (seven 1s in a total of 7), which no suppression undoes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from rehabdash.plan.result import (
    ALL,
    COLUMNS,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SUPPRESSED,
    VALUE_KINDS,
)
from rehabdash.stats._common import z_value
from rehabdash.stats.limits import poisson_limits, wilson_limits

__all__ = ["DISCLOSURE_NOTE", "RULES", "DisclosureRule", "apply_disclosure", "disclosure_note"]

RULES = ("hes", "mhsds", "none")


@dataclass(frozen=True)
class DisclosureRule:
    """Counts 1 to ``threshold`` - 1 are suppressed; the others are rounded to ``base``."""

    name: str
    title: str  # for the cover sheet: "the HES/ECDS rule"
    threshold: int  # 0: nothing is suppressed
    base: int  # 1: nothing is rounded

    def __post_init__(self) -> None:
        if self.threshold < 0 or self.base < 1:
            raise ValueError(f"a disclosure rule needs threshold >= 0 and base >= 1: {self}")


_RULES = {
    "hes": DisclosureRule("hes", "the HES/ECDS rule", 8, 5),
    "mhsds": DisclosureRule("mhsds", "the MHSDS rule", 5, 5),
    "none": DisclosureRule("none", "no disclosure control", 0, 1),
}
_LEVELS = (0.95, 0.998)  # the confidence levels an interval may have been made at
_NONE_NOTE = "no disclosure control applied: not for publication"
_WITHHELD = "confidence interval withheld: it cannot be recomputed from the rounded numbers"
Cell = tuple[str, str]  # (breakdown key, level code) within one metric, period, area, role


def rule(name: str | DisclosureRule) -> DisclosureRule:
    """The rule called ``name`` (one of :data:`RULES`), or ``name`` itself if a rule."""
    if isinstance(name, DisclosureRule):
        return name
    if name not in _RULES:
        raise ValueError(f"unknown disclosure rule {name!r}: choose one of {', '.join(RULES)}")
    return _RULES[name]


def disclosure_note(name: str | DisclosureRule = "hes") -> str:
    """The sentence the export and the cover sheet print about the rule applied."""
    r = rule(name)
    if r.threshold <= 1 and r.base <= 1:
        return "No disclosure control was applied: these figures are not for publication."
    rounding = f"rounded to the nearest {r.base}" if r.base > 1 else "not rounded"
    return (
        f"Small numbers suppressed under {r.title}: counts of 1 to {r.threshold - 1} are "
        f"shown as [c] and others {rounding}; rates are computed from the rounded numbers "
        "and shown as [c] where their numerator or denominator is; further numbers are "
        "shown as [c] where a suppressed one could be worked out from totals. A true zero "
        "is shown as 0."
    )


DISCLOSURE_NOTE = disclosure_note("hes")


def apply_disclosure(frame: pl.DataFrame, rule: str | DisclosureRule = "hes") -> pl.DataFrame:
    """The long table ``frame`` (rehabdash.plan.result.COLUMNS) made fit to publish.

    Same columns and rows. Counts are rounded or suppressed (null, flag ``[c]`` unless
    the row is ``[x]`` or ``[z]``); a row whose numerator or count denominator is
    suppressed loses its value too, bar complex statistics, which keep value and
    interval; ratios and their intervals are recomputed from the rounded numbers.
    """
    return _apply(frame, rule, secondary=True)


def _apply(frame: pl.DataFrame, name: str | DisclosureRule, *, secondary: bool) -> pl.DataFrame:
    chosen = rule(name)
    _check(frame)
    if chosen.threshold <= 1 and chosen.base <= 1:
        return frame.with_columns(_with_note(pl.lit(True), _NONE_NOTE))
    kind, is_count = pl.col("value_kind"), pl.col("denominator_is_count").fill_null(False)
    num = pl.when(kind == "count").then(pl.coalesce("numerator", "value"))
    df = frame.with_columns(
        _num=num.otherwise(pl.col("numerator")),
        _den=pl.when(is_count).then(pl.col("denominator")),
        _is_count=is_count,
    )
    num_hidden, den_hidden = _suppressed(df, chosen, secondary=secondary)
    step = float(chosen.base)

    def published(column: str, hidden: pl.Series) -> pl.Expr:
        rounded = (pl.col(column) / step + 0.5).floor() * step  # half up: never for whole numbers
        return pl.when(pl.lit(hidden)).then(None).otherwise(rounded)

    df = df.with_columns(
        _num_out=published("_num", num_hidden),
        denominator=pl.when(is_count)
        .then(published("_den", den_hidden))
        .otherwise(pl.col("denominator")),
        _cut=pl.lit(num_hidden) | pl.lit(den_hidden),
    )
    value = (
        pl.when(pl.col("value").is_null() | ((kind != "complex") & pl.col("_cut")))
        .then(None)
        .when(kind == "count")
        .then(pl.col("_num_out"))
        .when(kind == "ratio")
        .then(pl.col("_num_out") / pl.col("denominator") * pl.col("multiplier"))
        .otherwise(pl.col("value"))
    )
    kept = pl.col("flag").is_in([NOT_AVAILABLE, NOT_APPLICABLE]).fill_null(False)
    cut = pl.col("value").is_null() & pl.col("_cut") & ~kept
    df = df.with_columns(
        value=value,
        numerator=pl.when(pl.col("numerator").is_not_null()).then(pl.col("_num_out")),
    ).with_columns(flag=pl.when(cut).then(pl.lit(SUPPRESSED)).otherwise(pl.col("flag")))
    return _intervals(df).select(frame.columns)


def _check(frame: pl.DataFrame) -> None:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"disclosure control needs the columns {', '.join(missing)}")
    kinds = set(frame["value_kind"].unique()) - set(VALUE_KINDS)
    if kinds:
        raise ValueError(f"value_kind must be one of {', '.join(VALUE_KINDS)}, not {kinds}")
    bad = frame.filter(
        (pl.col("value_kind") == "ratio")
        & pl.col("value").is_not_null()
        & pl.any_horizontal(pl.col("numerator", "denominator", "multiplier").is_null())
    )
    if bad.height:
        row = bad.row(0, named=True)
        raise ValueError(
            f"{row['metric']} ({row['breakdown_key']} {row['level_code']}) is a ratio "
            "without numerator, denominator or multiplier: it cannot be recomputed"
        )


def _with_note(where: pl.Expr, text: str) -> pl.Expr:
    note = pl.col("note")
    joined = pl.when(note.is_null() | (note == "")).then(pl.lit(text))
    return pl.when(where).then(joined.otherwise(note + "; " + text)).otherwise(note).alias("note")


def _suppressed(
    df: pl.DataFrame, chosen: DisclosureRule, *, secondary: bool
) -> tuple[pl.Series, pl.Series]:
    """Which rows' numerator and count denominator are suppressed (primary and secondary).

    Slot i is row i's numerator, slot height + i its count denominator. The slots are
    grouped by metric, period, area and role, and within a group by cell
    (:func:`_cell`, worked out here as polars expressions); only a group with a small
    cell goes to :class:`_Group` for secondary suppression."""
    h = df.height
    keys = [
        pl.col(c) if c in df.columns else pl.lit(None, pl.String).alias(c)
        for c in ("period", "area")
    ]
    pair = pl.col("breakdown_key").str.contains("×", literal=True)
    bad = df.filter(
        pair & (pl.col("level_code") != ALL) & ~pl.col("level_code").str.contains("|", literal=True)
    )
    if bad.height:
        _cell(bad["breakdown_key"][0], bad["level_code"][0])  # raises, naming the level
    base = df.select("metric", *keys, *_cell_columns(), "_is_count", "_num", "_den").with_row_index(
        "_i"
    )
    slot = pl.col("_i").cast(pl.Int64)
    where = ["metric", "period", "area", "_cb", "_cl"]
    slots = pl.concat(
        [
            base.select(
                *where, pl.lit(0).alias("_role"), slot.alias("_slot"), pl.col("_num").alias("_v")
            ),
            base.filter("_is_count").select(
                *where,
                pl.lit(1).alias("_role"),
                (slot + h).alias("_slot"),
                pl.col("_den").alias("_v"),
            ),
        ]
    )
    group = ["metric", "period", "area", "_role"]
    cells = slots.group_by([*group, "_cb", "_cl"], maintain_order=True).agg(
        pl.col("_slot"), pl.col("_v").max()
    )
    small = ((pl.col("_v") > 0) & (pl.col("_v") < chosen.threshold)).fill_null(False)
    cells = cells.with_columns(small.alias("_small")).filter(pl.col("_small").any().over(group))
    hidden = np.zeros(2 * h, bool)
    parts = (
        cells.partition_by(group, as_dict=True, maintain_order=True).values()
        if secondary
        else [cells]
    )
    # Groups recur: the metrics of one denominator (each wait band's people seen, say)
    # hold the same cells with the same counts, and so get the same answer.
    solved: dict[tuple[object, ...], np.ndarray] = {}
    for part in parts:
        flags = part["_small"].to_numpy()
        if secondary:
            names = list(zip(part["_cb"].to_list(), part["_cl"].to_list(), strict=True))
            values = part["_v"].fill_null(np.nan).to_numpy().astype(float)
            key = (tuple(names), values.tobytes(), flags.tobytes())
            if key not in solved:
                solved[key] = _Group(names, values, flags, chosen).protect()
            flags = solved[key]
        for js, flag in zip(part["_slot"].to_list(), flags, strict=True):
            if flag:
                hidden[js] = True
    return pl.Series(hidden[:h]), pl.Series(hidden[h:])


def _cell_columns() -> tuple[pl.Expr, pl.Expr]:
    """:func:`_cell` of every row at once: its cell's breakdown (_cb) and level (_cl)."""
    bk, lc = pl.col("breakdown_key"), pl.col("level_code")
    pair = bk.str.contains("×", literal=True)
    x = lc.str.split_exact("|", 1).struct.field("field_0")
    y = lc.str.split_exact("|", 1).struct.field("field_1")
    a = bk.str.split_exact("×", 1).struct.field("field_0")
    b = bk.str.split_exact("×", 1).struct.field("field_1")
    everyone = (lc == ALL) | (bk == ALL) | (pair & (x == ALL) & (y == ALL))
    margin_x, margin_y = pair & (y == ALL), pair & (x == ALL)
    cb = pl.when(everyone).then(pl.lit(ALL)).when(margin_x).then(a).when(margin_y).then(b)
    cl = pl.when(everyone).then(pl.lit(ALL)).when(margin_x).then(x).when(margin_y).then(y)
    return cb.otherwise(bk).alias("_cb"), cl.otherwise(lc).alias("_cl")


def _cell(bk: str, lc: str) -> Cell:
    """The cell a row is: "All" in any breakdown is All; "x|All" in "a×b" is level x of a."""
    if lc == ALL or bk == ALL:
        return (ALL, ALL)
    if "×" in bk:
        if "|" not in lc:
            raise ValueError(f"level code {lc!r} of the pair {bk!r} is not of the form 'x|y'")
        (a, b), (x, y) = bk.split("×", 1), lc.split("|", 1)
        if ALL in (x, y):
            return (ALL, ALL) if x == y else (a, x) if y == ALL else (b, y)
    return (bk, lc)


def _constraints(names: Sequence[Cell]) -> list[tuple[Cell, list[Cell]]]:
    """(total, parts) for every additive constraint among the cells of one group."""
    levels: dict[str, dict[Cell, None]] = {}
    found: list[tuple[Cell, list[Cell]]] = []
    pairs: dict[str, list[Cell]] = {}
    for bk, lc in names:
        if "×" in bk:
            pairs.setdefault(bk, []).append((bk, lc))
        elif bk != ALL:
            levels.setdefault(bk, {})[(bk, lc)] = None
    for bk, cells in pairs.items():
        a, b = bk.split("×", 1)
        by_x: dict[Cell, list[Cell]] = {}
        by_y: dict[Cell, list[Cell]] = {}
        for cell in cells:
            x, _, y = cell[1].partition("|")
            by_x.setdefault((a, x), []).append(cell)
            by_y.setdefault((b, y), []).append(cell)
        found += [*by_x.items(), *by_y.items(), ((ALL, ALL), cells)]
        for margin in [*by_x, *by_y]:
            levels.setdefault(margin[0], {})[margin] = None
    return found + [((ALL, ALL), list(parts)) for parts in levels.values()]


class _Group:
    """The cells of one metric, period, area and role; constraint j: matrix[j] @ cells = 0."""

    def __init__(
        self, names: list[Cell], counts: np.ndarray, small: np.ndarray, chosen: DisclosureRule
    ) -> None:
        constraints = _constraints(names)
        index = {c: i for i, c in enumerate(names)}
        for total, parts in constraints:  # margins and totals without a row: unknowns
            for name in (total, *parts):
                index.setdefault(name, len(index))
        extra, self.size, self.rule = len(index) - len(names), len(names), chosen
        self.counts = np.concatenate([counts, np.full(extra, np.nan)])
        self.small = np.concatenate([small, np.zeros(extra, bool)])
        self.matrix = np.zeros((len(constraints), len(index)))
        for j, (total, parts) in enumerate(constraints):
            self.matrix[j, [index[p] for p in parts]] = 1.0
            self.matrix[j, index[total]] = -1.0
        known = ~((self.matrix != 0) & np.isnan(self.counts)).any(axis=1)
        residual = np.abs((self.matrix * np.nan_to_num(self.counts)).sum(axis=1))
        self.matrix = self.matrix[~known | (residual < 0.5)]  # drop constraints that are false

    def protect(self) -> np.ndarray:
        """Grow the suppressed cells until none can be worked out from the constraints."""
        self.member = self.matrix != 0
        self.rows, self.cols = np.nonzero(self.matrix)  # the constraints, sparse
        self.plus = self.matrix[self.rows, self.cols] > 0
        self.blocks: dict[bytes, np.ndarray] = {}
        low, high = self.ranges(~(self.counts == 0))  # all hidden: pinned by smallness alone,
        self.hopeless = self.small & (high == low)  # which no suppression can undo
        supp, stuck = self.small.copy(), np.zeros(self.small.size, bool)
        while (found := self.exposed(supp, stuck)) is not None:
            cell, pool = found
            free = np.flatnonzero(pool & ~supp & (self.counts > 0))
            if free.size == 0:
                stuck[cell] = True  # nothing left to hide it behind
            else:
                supp[free[np.argmin(self.counts[free])]] = True  # argmin: first of equals
        return supp[: self.size]

    def exposed(self, supp: np.ndarray, stuck: np.ndarray) -> tuple[int, np.ndarray] | None:
        """A suppressed cell a reader could work out, and the cells that could hide it.

        In turn: the one hidden cell of a constraint; a cell fixed by combining
        constraints (rank test); a small cell pinned by the published ranges (shuttle).
        """
        member, hidden, open_ = self.member, supp | np.isnan(self.counts), supp & ~stuck
        lone = ((member & hidden).sum(axis=1) == 1) & (member & open_).any(axis=1)
        if lone.any():
            pool = member[int(np.flatnonzero(lone)[0])]
            return int(np.flatnonzero(pool & hidden)[0]), pool
        fixed = self.determined(hidden) & open_
        if not fixed.any():
            low, high = self.ranges(hidden)
            fixed = self.small & open_ & (high == low) & ~self.hopeless
        if not fixed.any():
            return None
        cell = int(np.flatnonzero(fixed)[0])
        return cell, member[member[:, cell]].any(axis=0)

    def determined(self, hidden: np.ndarray) -> np.ndarray:
        """Hidden cells the published ones fix (e_i in the row space), block by block."""
        fixed, cells = np.zeros(hidden.size, bool), np.flatnonzero(hidden)
        at = np.flatnonzero(hidden[self.cols])  # constraint j - cell i links, i hidden
        k = self.matrix.shape[0]
        graph = coo_matrix(
            (np.ones(at.size), (self.rows[at], k + self.cols[at])), (k + hidden.size,) * 2
        )
        labels = connected_components(graph, directed=False)[1][k:]
        for label in np.unique(labels[cells]):
            inside = cells[labels[cells] == label]
            key = inside.tobytes()
            if key not in self.blocks:  # blocks recur as cells are added elsewhere
                self.blocks[key] = _unit_rows(self.matrix[:, inside])
            fixed[inside] = self.blocks[key]
        return fixed

    def ranges(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What a reader can say of each cell: a published r is a number that rounds to r
        and is not suppressed; a small cell is 1 to threshold - 1, any other [c] 1 or more;
        then each constraint narrows its cells' ranges until nothing changes."""
        t, base, counts = self.rule.threshold, self.rule.base, self.counts
        shown = np.where(hidden, 0.0, (counts / base + 0.5) // 1 * base)
        low = np.where(shown > 0, np.maximum(shown - base // 2, t), 0.0)
        high = np.where(shown > 0, shown + (base - 1) // 2, 0.0)
        low = np.where(hidden, np.where(np.isnan(counts), 0.0, 1.0), low)
        high = np.where(hidden, np.where(self.small, t - 1.0, np.inf), high)
        rows, cols, plus = self.rows, self.cols, self.plus
        for _ in range(50):  # a cell is minus the signed sum of the others in a constraint
            least = _rest(rows, np.where(plus, low[cols], -high[cols]), -np.inf)
            most = _rest(rows, np.where(plus, high[cols], -low[cols]), np.inf)
            new_low, new_high = low.copy(), high.copy()
            np.maximum.at(new_low, cols, np.where(plus, -most, least))
            np.minimum.at(new_high, cols, np.where(plus, -least, most))
            new_low, new_high = np.ceil(new_low - 1e-9), np.floor(new_high + 1e-9)
            if np.array_equal(new_low, low) and np.array_equal(new_high, high):
                break
            low, high = new_low, new_high
        return low, high


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Which e_i lie in the row space: reduce to row echelon form (no BLAS: tiny, many)."""
    a, pivots = matrix[matrix.any(axis=1)].copy(), list[int]()
    for col in range(a.shape[1]):
        row = len(pivots)
        if row == a.shape[0]:
            break
        best = row + int(np.argmax(np.abs(a[row:, col])))
        if abs(a[best, col]) < 1e-9:
            continue
        a[[row, best]] = a[[best, row]]
        a[row] /= a[row, col]
        a -= np.multiply.outer(np.where(np.arange(len(a)) == row, 0.0, a[:, col]), a[row])
        pivots.append(col)
    unit = np.zeros(matrix.shape[1], bool)
    for row, col in enumerate(pivots):  # e_col is in the row space iff its row is e_col
        unit[col] = np.count_nonzero(np.abs(a[row]) > 1e-9) == 1
    return unit


def _rest(rows: np.ndarray, terms: np.ndarray, infinity: float) -> np.ndarray:
    """Each term's constraint's sum leaving the term out (``infinity`` if another is)."""
    infinite = np.isinf(terms)
    finite = np.where(infinite, 0.0, terms)
    sums = np.bincount(rows, finite, minlength=rows.max(initial=0) + 1)[rows] - finite
    others = np.bincount(rows, infinite, minlength=rows.max(initial=0) + 1)[rows] - infinite
    return np.where(others > 0, infinity, sums)


def _intervals(df: pl.DataFrame) -> pl.DataFrame:
    """Recompute (or withhold) the lower and upper limits of counts and ratios."""
    one, method = pl.col("value_kind") == "count", pl.col("method")
    redo = pl.col("value_kind").is_in(["count", "ratio"]) & pl.col("lower").is_not_null()
    columns = [
        redo & pl.col("value").is_not_null(),
        redo,
        method == "Wilson",
        method.is_in(["Wilson", "Exact", "Byars"]),
        pl.col("_num"),
        pl.col("_num_out"),
        pl.when(one).then(1.0).otherwise(pl.coalesce("_den", "denominator")),
        pl.when(one).then(1.0).otherwise("denominator"),
        pl.when(one).then(1.0).otherwise("multiplier"),
        pl.col("lower"),
        pl.col("upper"),
    ]
    table = df.select(
        c.cast(pl.Float64).fill_null(np.nan).alias(str(i)) for i, c in enumerate(columns)
    )
    shown, given, wilson, known, x0, x1, n0, n1, m, lo, hi = table.to_numpy().T
    shown, given, wilson, known = shown == 1, given == 1, wilson == 1, known == 1
    lower, upper = np.full(df.height, np.nan), np.full(df.height, np.nan)
    for level in _LEVELS:  # the level that gives back the interval given
        l0, u0 = _limits(x0, n0, level, wilson)
        same = np.isclose(l0 * m, lo) & np.isclose(u0 * m, hi) & known & np.isnan(lower)
        l1, u1 = _limits(x1, n1, level, wilson)
        lower, upper = np.where(same, l1 * m, lower), np.where(same, u1 * m, upper)
    unchanged = (x0 == x1) & (n0 == n1) & np.isnan(lower)
    lower, upper = np.where(unchanged, lo, lower), np.where(unchanged, hi, upper)
    withheld, rate = shown & np.isnan(lower), shown & known & ~wilson
    label = pl.when(pl.col("_num_out") < 10).then(pl.lit("Exact")).otherwise(pl.lit("Byars"))
    return df.with_columns(
        lower=pl.Series(np.where(given, np.where(shown, lower, np.nan), lo)).fill_nan(None),
        upper=pl.Series(np.where(given, np.where(shown, upper, np.nan), hi)).fill_nan(None),
        method=pl.when(pl.lit(rate)).then(label).otherwise(method),
        note=_with_note(pl.lit(withheld), _WITHHELD),
    )


def _limits(
    x: np.ndarray, n: np.ndarray, level: float, wilson: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson limits of x/n where ``wilson``, else exact/Byar's limits of x divided by n."""
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        wl, wu = wilson_limits(x, n, z)
        pl_, pu, _ = poisson_limits(x, level, z)
        return np.where(wilson, wl, pl_ / n), np.where(wilson, wu, pu / n)
