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
from rehabdash.plan.scope import PEOPLE_CODES, ROWS, Scope

__all__ = [
    "PAIR_SEPARATOR",
    "Breakdown",
    "as_text",
    "breakdown",
    "codes_of",
    "level_codes",
    "people_cells",
    "people_codes",
    "people_with_levels",
    "referral_codes",
    "seen_by_band",
]

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


def codes_of(frame: pl.DataFrame, char: Characteristic) -> pl.Series:
    """``char``'s level of each row, worked out once per distinct stored value (a handful)
    and joined back: the level expression is elementwise, so this is the same as running
    it on every row, and several times faster. An Enum of the levels found: a byte a row
    where a string takes sixteen (cheap to keep), and quicker to group by."""
    values = frame.select(char.column)
    coded = values.unique().with_columns(char.level(pl.col(char.column)).alias("level_code"))
    levels = pl.Enum(coded["level_code"].drop_nulls().unique().sort())
    coded = coded.with_columns(pl.col("level_code").cast(levels))
    joined = values.join(coded, on=char.column, how="left", nulls_equal=True, maintain_order="left")
    return joined["level_code"]


def level_codes(parts: list[pl.Series]) -> pl.Series:
    """``level_code`` of each row from its parts' codes (:func:`codes_of`): one
    characteristic's Enum as it is (group by it, then :func:`as_text`); a pair's an Enum
    of the codes joined as :meth:`Breakdown.code_expr` joins them."""
    if len(parts) == 1:
        return parts[0].alias("level_code")
    # Every combination of the two Enums' levels, in order, then each row's by its place
    # (a number from the two codes): a gather, several times quicker than joining strings.
    first, second = (p.dtype.categories for p in parts)  # type: ignore[attr-defined]
    combos = [f"{a}{PAIR_SEPARATOR}{b}" for a in first for b in second]
    place = parts[0].to_physical().cast(pl.UInt32) * len(second) + parts[1].to_physical()
    return pl.Series("level_code", combos, dtype=pl.Enum(combos)).gather(place)


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its ``level_code`` as strings (after a group-by on the codes)."""
    return frame.with_columns(pl.col("level_code").cast(pl.String))


def people_codes(scope: Scope, char: Characteristic) -> pl.Series:
    """``char``'s level of each of ``scope.people`` (in its row order). Kept in the scope's
    cache: every section and every pair with ``char`` reads the same codes."""
    _ = scope.people  # made first: a narrower filter's people come with their codes
    return scope.kept((*PEOPLE_CODES, char.key), lambda: codes_of(scope.people, char))


def referral_codes(scope: Scope, char: Characteristic) -> pl.Series:
    """``char``'s level of each of ``scope.referrals`` (in its row order), kept in the
    scope's cache: series over people and periods pick theirs by row."""
    return scope.kept((ROWS, "referral codes", char.key), lambda: codes_of(scope.referrals, char))


def _people_levels(scope: Scope, bd: Breakdown) -> pl.DataFrame:
    if not bd.parts:
        return scope.people.with_columns(pl.lit(ALL).alias("level_code"))
    return scope.people.with_columns(level_codes([people_codes(scope, c) for c in bd.parts]))


def people_with_levels(scope: Scope, bd: Breakdown) -> pl.DataFrame:
    """The scope's people with the breakdown's ``level_code`` (from :func:`people_codes`)."""
    return as_text(_people_levels(scope, bd))


def _cells_of_levels(key: object) -> bool:
    """Whether a scope's cache key is a breakdown's people cells (not everyone's)."""
    return isinstance(key, tuple) and key[:2] == (ROWS, "people cells") and key[2:] != (ALL,)


def people_cells(scope: Scope, bd: Breakdown) -> pl.DataFrame:
    """People counted by level, sex and age band in one pass over the people: every access
    count, and the observed people seen by band of access and need, come from it. Kept in
    the scope's cache (one group-by per breakdown, shared by the sections)."""

    def make() -> pl.DataFrame:
        made = [v for k, v in list(scope.cache.items()) if _cells_of_levels(k)]
        if not bd.parts and made and isinstance(levels := made[0], pl.DataFrame):
            # Everyone's: another breakdown's cells summed over its levels (one a person).
            sums = levels.group_by("sex", "age_band").agg(pl.exclude("level_code").sum())
            everyone = sums.select(pl.lit(ALL).alias("level_code"), *levels.columns[1:])
            return everyone.cast(levels.schema)
        cells = (
            _people_levels(scope, bd)
            .lazy()
            .group_by("level_code", "sex", "age_band")
            .agg(
                pl.col("referrals").sum().alias("referrals"),
                pl.len().alias("people_referred"),
                pl.col("seen").sum().alias("people_seen"),
                pl.col("accepted").sum().alias("accepted"),
                pl.col("discharged_seen").sum().alias("discharged"),
                pl.col("self_referred").sum().alias("self_referred"),
            )
            .collect(engine="streaming")  # quicker than in-memory for a big group-by
        )
        return as_text(cells)

    return scope.kept((ROWS, "people cells", bd.key), make)


def seen_by_band(scope: Scope, bd: Breakdown) -> pl.DataFrame:
    """level_code, sex, age_band, seen (Float64): people seen with sex and age band
    recorded, by level (the observed counts of standardisation)."""
    return (
        people_cells(scope, bd)
        .filter(
            pl.col("people_seen") > 0,
            pl.col("sex").is_in(["1", "2"]),
            pl.col("age_band").is_not_null(),
        )
        .select(
            "level_code", "sex", "age_band", pl.col("people_seen").cast(pl.Float64).alias("seen")
        )
    )


def known_breakdowns() -> tuple[str, ...]:
    return tuple(CHARACTERISTICS)
