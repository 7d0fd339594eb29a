"""Tables for the disclosure tests, and an attacker who tries to undo the suppression.

A table is a dict of true counts keyed by cell, (breakdown key, level code), with
the "All" cell as ("All", "All"), and the additive constraints it obeys, written out
here from the table's shape (not taken from rehabdash.plan.disclosure), so that the
attacker does not share the module's idea of what can be added up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from rehabdash.plan.result import ALL, COLUMNS, SUPPRESSED, pair_key

Cell = tuple[str, str]
Constraint = tuple[Cell, list[Cell]]  # (total, parts): sum of parts == total
TOTAL: Cell = (ALL, ALL)
BIG = 10**6  # "no upper limit" for the solver


def row(**fields: Any) -> dict[str, Any]:
    """One row of the long table, with defaults for a count of people."""
    base: dict[str, Any] = {c: None for c in COLUMNS}
    base.update(breakdown_key="sex", breakdown="Sex", metric="seen", unit="people")
    base.update(value_kind="count")
    base.update(fields)
    if base["level"] is None:
        base["level"] = base["level_code"]
    if base["value_kind"] == "count" and base["numerator"] is None:
        base["numerator"] = base["value"]
    return base


def frame(rows: Iterable[Mapping[str, Any]], **extra: pl.DataType) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema={**COLUMNS, **extra})


def counts_frame(counts: Mapping[Cell, int], metric: str = "seen") -> pl.DataFrame:
    """A count row per cell."""
    return frame(
        row(breakdown_key=bk, level_code=lc, metric=metric, value=float(n))
        for (bk, lc), n in counts.items()
    )


def breakdown_table(levels: Sequence[int]) -> tuple[dict[Cell, int], list[Constraint]]:
    cells = {("sex", f"L{i}"): n for i, n in enumerate(levels)}
    cells[TOTAL] = sum(levels)
    return cells, [(TOTAL, [c for c in cells if c != TOTAL])]


def pair_table(grid: Sequence[Sequence[int]]) -> tuple[dict[Cell, int], list[Constraint]]:
    """Cells x|y of "age×sex", both margins as their own breakdowns, and All."""
    key = pair_key("age", "sex")
    xs, ys = range(len(grid)), range(len(grid[0]))
    cells = {(key, f"a{x}|s{y}"): grid[x][y] for x in xs for y in ys}
    cells.update({("age", f"a{x}"): sum(grid[x]) for x in xs})
    cells.update({("sex", f"s{y}"): sum(grid[x][y] for x in xs) for y in ys})
    cells[TOTAL] = sum(map(sum, grid))
    constraints: list[Constraint] = [
        (("age", f"a{x}"), [(key, f"a{x}|s{y}") for y in ys]) for x in xs
    ]
    constraints += [(("sex", f"s{y}"), [(key, f"a{x}|s{y}") for x in xs]) for y in ys]
    constraints += [
        (TOTAL, [(key, f"a{x}|s{y}") for x in xs for y in ys]),
        (TOTAL, [("age", f"a{x}") for x in xs]),
        (TOTAL, [("sex", f"s{y}") for y in ys]),
    ]
    return cells, constraints


# Counts from 0 to 60, a third of them below 10: plenty of small cells.
counts = st.one_of(st.integers(0, 9), st.integers(0, 9), st.integers(0, 60))
breakdowns = st.lists(counts, min_size=2, max_size=6).map(breakdown_table)
pairs = (
    st.integers(2, 4)
    .flatmap(
        lambda width: st.lists(
            st.lists(counts, min_size=width, max_size=width), min_size=2, max_size=4
        )
    )
    .map(pair_table)
)
tables = st.one_of(breakdowns, pairs)


def published(out: pl.DataFrame) -> dict[Cell, float | None]:
    """The value each cell was published with (None: suppressed)."""
    got: dict[Cell, float | None] = {}
    for bk, lc, value, flag in out.select("breakdown_key", "level_code", "value", "flag").rows():
        assert (value is None) == (flag == SUPPRESSED), (bk, lc, value, flag)
        got[(bk, lc)] = value
    return got


def attack(
    shown: Mapping[Cell, float | None],
    constraints: Sequence[Constraint],
    *,
    threshold: int,
    base: int,
    small: Iterable[Cell] = (),
    floor: int = 1,
) -> dict[Cell, tuple[float, float]]:
    """The range each suppressed cell can take, given what is published (exact, by MILP).

    A published r stands for the whole numbers that round to it and are not suppressed
    (0 for 0). A suppressed cell listed in ``small`` lies in 1 to threshold - 1 (an
    attacker told which cells are the small ones); any other is a whole number from
    ``floor`` up (1: the rule shows every zero as 0, so a [c] is not a zero).
    """
    names = list(shown)
    small = set(small)
    lower, upper = np.zeros(len(names)), np.full(len(names), np.inf)
    for i, name in enumerate(names):
        r = shown[name]
        if r is None:
            lower[i], upper[i] = (1, threshold - 1) if name in small else (floor, BIG)
        elif r > 0:
            half = (base - 1) // 2
            lower[i], upper[i] = max(r - half, threshold), r + half
        else:
            upper[i] = 0
    matrix = np.zeros((len(constraints), len(names)))
    for j, (total, parts) in enumerate(constraints):
        matrix[j, [names.index(p) for p in parts]] = 1
        matrix[j, names.index(total)] = -1
    rules = LinearConstraint(matrix, 0, 0)
    ranges = {}
    for i, name in enumerate(names):
        if shown[name] is not None:
            continue
        ends = []
        for sign in (1, -1):
            objective = np.zeros(len(names))
            objective[i] = sign
            res = milp(
                objective,
                constraints=rules,
                bounds=Bounds(lower, upper),
                integrality=np.ones(len(names)),
            )
            assert res.status == 0, res.message  # the true table is always a solution
            ends.append(round(sign * res.fun))
        ranges[name] = (ends[0], ends[1])
    return ranges
