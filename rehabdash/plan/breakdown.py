"""A breakdown: one characteristic, or two at a time (an intersection), as levels of rows.

Every plan section asks the same questions of a breakdown: which level each person or
referral is in (``level_code``, with the unknown kinds as levels of their own), what the
levels are called, in which order they are listed (all of them, so a level nobody is in
shows a true zero), and the "All" row beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

import polars as pl

from rehabdash.codes.characteristics import CHARACTERISTICS, Characteristic, characteristic
from rehabdash.plan.result import ALL, pair_key
from rehabdash.plan.scope import Scope

__all__ = ["PAIR_SEPARATOR", "Breakdown", "breakdown", "people_with_levels", "with_levels"]

#: Joins the codes of a pair's levels ("Asian|1"); labels are joined by "; ".
PAIR_SEPARATOR = "|"


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    parts: tuple[Characteristic, ...]

    @property
    def single(self) -> Characteristic | None:
        return self.parts[0] if len(self.parts) == 1 else None

    def code_expr(self) -> pl.Expr:
        """Each row's level code, from the characteristics' columns."""
        if not self.parts:
            return pl.lit(ALL)
        codes = [c.level(pl.col(c.column)) for c in self.parts]
        if len(codes) == 1:
            return codes[0]
        return pl.concat_str(codes, separator=PAIR_SEPARATOR)

    def levels(self) -> list[tuple[str, str]]:
        """(code, label) of every level, valid ones first in reporting order."""
        if not self.parts:
            return [(ALL, ALL)]
        combos = product(*(c.all_levels for c in self.parts))
        return [
            (
                PAIR_SEPARATOR.join(combo),
                "; ".join(c.label(level) for c, level in zip(self.parts, combo, strict=True)),
            )
            for combo in combos
        ]

    def level_frame(self) -> pl.DataFrame:
        """level_code, level (label), order: every level and then "All"."""
        rows = [*self.levels(), (ALL, ALL)] if self.parts else [(ALL, ALL)]
        return pl.DataFrame(
            {
                "level_code": [c for c, _ in rows],
                "level": [label for _, label in rows],
                "order": list(range(len(rows))),
            },
            schema={"level_code": pl.String, "level": pl.String, "order": pl.Int64},
        )


def breakdown(key: str) -> Breakdown:
    """ "ethnicity", "All", or a pair written "ethnic_group×imd_quintile" (also with "x",
    "*" or "," between); ValueError naming the known breakdowns otherwise."""
    text = key.strip()
    if text.lower() in ("all", ""):
        return Breakdown(ALL, "All people", ())
    names = [n.strip() for n in re.split(r"\s*(?:×|\*|,|\bx\b)\s*", text) if n.strip()]
    if len(names) > 2:
        raise ValueError(f"breakdown {key!r}: at most two characteristics at a time")
    parts = tuple(characteristic(n) for n in names)
    if len(parts) == 2 and parts[0].key == parts[1].key:
        raise ValueError(f"breakdown {key!r}: name two different characteristics")
    if len(parts) == 1:
        return Breakdown(parts[0].key, parts[0].title, parts)
    return Breakdown(
        pair_key(parts[0].key, parts[1].key), " × ".join(p.title for p in parts), parts
    )


def with_levels(frame: pl.DataFrame, bd: Breakdown) -> pl.DataFrame:
    """``frame`` with the breakdown's ``level_code`` column."""
    return frame.with_columns(bd.code_expr().alias("level_code"))


def people_with_levels(scope: Scope, bd: Breakdown) -> pl.DataFrame:
    """The scope's people with the breakdown's ``level_code``, made once per scope (every
    section breaks the same people down the same way)."""
    key = ("people levels", bd.key)
    if key not in scope.cache:
        scope.cache[key] = with_levels(scope.people, bd)
    return scope.cache[key]  # type: ignore[return-value]


def known_breakdowns() -> tuple[str, ...]:
    return tuple(CHARACTERISTICS)
