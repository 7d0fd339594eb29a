"""A filter made concrete: the referrals, people, areas and population a plan is about.

:func:`resolve_scope` turns a :class:`PlanFilter` into a :class:`Scope` once; every plan
section then reads the same frames, so a new breakdown costs only a polars group-by.

* **Areas** (LSOAs) come from the filter's area through the store's live area lookup
  (else the shipped ONS lookup of the activity's LSOA vintage); with no area given, the
  areas of the live imported population, else the ICB most of the referrals live in.
  Referrals of residents outside those areas are left out, as the population is; those
  with no LSOA are kept for the whole population but cannot be placed in a smaller area.
* **Deprivation** is read from the lookup by each referral's LSOA, for one IMD edition
  matching the activity's LSOA vintage (never a silent mix, DESIGN 4.3).
* **People**: one row per person referred in the period, described by their latest
  referral in it (DESIGN 6: people referred, people seen).
* **Population**: :func:`rehabdash.plan.denominators.population_denominator`, restricted
  to the filter's ages (bands cut pro rata). A PCN has no resident population: rates by
  population are then not available (a GP-registered population is not yet importable).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache, partial
from threading import Lock
from typing import TypeVar

import numpy as np
import polars as pl

from rehabdash import refdata
from rehabdash.codes.age import MAX_AGE, band_fractions
from rehabdash.codes.characteristics import CHARACTERISTICS
from rehabdash.codes.referral_source import is_self_referral
from rehabdash.kinds import AREA_TYPES
from rehabdash.plan.denominators import Denominator, population_denominator
from rehabdash.plan.filters import FilterError, PlanFilter
from rehabdash.plan.places import neighbourhoods_on, of_type
from rehabdash.queries.referrals import PullScope, ReferralSource, seen_expr
from rehabdash.refdata.census import CENSUS_TO_NHS, census_shares
from rehabdash.refdata.geography import lsoa11_to_lsoa21, lsoa_to_msoa

__all__ = [
    "CONSEQUENCES_BASE",
    "PARENT",
    "PEOPLE_CODES",
    "ROWS",
    "Narrowing",
    "Scope",
    "ScopeRows",
    "latest_referrals",
    "latest_rows",
    "made_once",
    "narrowing",
    "people_index",
    "person_ids",
    "population_cache",
    "resolve_scope",
    "rows_at",
    "vintage_of",
]

T = TypeVar("T")
_MAKING = Lock()  # guards _LOCKS
_LOCKS: dict[tuple[int, object], Lock] = {}  # (id of a cache, key) -> the lock of its making


def made_once(cache: dict[object, object], key: object, make: Callable[[], T]) -> T:
    """``cache[key]``, made by ``make`` the first time. Made once: a breakdown's sections
    run side by side and ask for the same people, codes, cells and populations, so a
    thread that asks while another makes it waits for that one."""
    if key not in cache:
        with _MAKING:
            lock = _LOCKS.setdefault((id(cache), key), Lock())
        with lock:
            if key not in cache:
                cache[key] = make()
        with _MAKING:  # made: later askers find it without a lock
            _LOCKS.pop((id(cache), key), None)
    return cache[key]  # type: ignore[return-value]


#: The scope's cache entry of :func:`population_cache`.
_POPULATION = ("population cache",)
#: The first part of a scope's cache key for what is made of its rows (and the period)
#: alone: another filter with the very same rows (every age, say) borrows it.
ROWS = "made of the rows"
_PEOPLE = (ROWS, "people")
_PEOPLE_ROWS = (ROWS, "people rows")  # each person's latest referral, a row of referrals
_PERSON_IDS = (ROWS, "person ids")
_PEOPLE_INDEX = (ROWS, "people index")
#: The first part of the key of a characteristic's level of each person (scope.people).
PEOPLE_CODES = (ROWS, "people codes")
#: In a scope made of a kept scope's rows: what its people may be taken from (the
#: parent's cache, the mask of its rows that are this scope's), taken by :func:`narrowing`.
_PEOPLE_PARENT = (ROWS, "people of the parent")
_PER_PERSON = (ROWS, "referrals per person")  # (rows of each person id, id of each person)
#: The consequences section's per-referral base (rehabdash.plan.consequences).
CONSEQUENCES_BASE = (ROWS, "consequences", "base")
#: In a scope made of a kept scope's rows (its parent): (the parent's entries of
#: :data:`_DERIVABLE`, the mask of its rows that are this scope's), taken by the first
#: that derives from them, so the parent's frames are not kept longer.
PARENT = (ROWS, "parent")
_DERIVABLE = (CONSEQUENCES_BASE,)


def _made_of_rows(key: object) -> bool:
    return isinstance(key, tuple) and bool(key) and key[0] == ROWS


#: The IMD edition published on each LSOA vintage.
EDITION_OF_VINTAGE = {2011: 2019, 2021: 2025}
#: What describes a person: where they are and who they are (every characteristic's
#: column, from the registry).
_PERSON_COLUMNS = tuple(
    dict.fromkeys(
        (
            "provider_code",
            "team_type",
            "age",
            "gp_practice",
            "lsoa",
            *(c.column for c in CHARACTERISTICS.values()),
        )
    )
)


class ScopeRows:
    """A scope's referrals: a frame, or the rows at ``within`` of another scope's frame
    (a narrower filter's), copied out the first time they are all asked for. A narrower
    filter's breakdown reads a few of their columns (:meth:`columns`) and takes the rest
    of what it needs from the other scope's people, so the copy (every column of a
    third of a million rows) waits until something reads every column."""

    def __init__(self, frame: pl.DataFrame, within: pl.Series | None = None) -> None:
        self._source = frame
        self._within = within
        self._frame = frame if within is None else None
        self._lock = Lock()
        self.height = frame.height if within is None else int(within.sum())

    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            with self._lock:
                if self._frame is None:
                    self._frame = self._source.filter(self._within)  # type: ignore[arg-type]
        return self._frame

    def narrower(self, within: pl.Series) -> ScopeRows:
        """The rows at ``within`` (a mask of these rows), from the same frame."""
        if self._within is None:
            return ScopeRows(self._source, within)
        # The source's rows of these: a mask of the source with this one's kept places.
        places = self._within.arg_true().filter(within)
        inner = pl.zeros(self._source.height, pl.Boolean, eager=True).scatter(places, True)
        return ScopeRows(self._source, inner)

    def columns(self, names: Sequence[str]) -> pl.DataFrame:
        """These rows' ``names`` columns (the rest are not copied)."""
        if self._frame is not None:
            return self._frame.select(names)
        return self._source.select(names).filter(self._within)  # type: ignore[arg-type]

    def at(self, names: Sequence[str], rows: pl.Series) -> pl.DataFrame:
        """The ``names`` columns of these rows at ``rows`` (row numbers of these rows)."""
        if self._frame is not None:
            return self._frame.select(names)[rows]
        places = np.flatnonzero(self._within.to_numpy())[rows.to_numpy()]  # type: ignore[union-attr]
        return self._source.select(names)[pl.Series(places)]


@dataclass(frozen=True)
class Scope:
    """What one plan covers, resolved. ``referrals`` holds every in-scope referral received
    by the period's end (those before it only if still open at its start); ``in_period``
    marks those received in the period."""

    filter: PlanFilter
    fingerprint: str
    rows: ScopeRows = field(repr=False)
    areas: frozenset[str] = field(repr=False)
    vintage: int
    imd_edition: int
    lookup: pl.DataFrame = field(repr=False)  # lsoa, imd_decile, lad_code, sicb_code, icb_code
    denominator: Denominator | None  # None: no population for this scope
    need_weights: pl.DataFrame | None = field(repr=False)  # age_band, sex, weight
    batches: tuple[int, ...]  # every batch read (activity, lookup, population, need)
    notes: tuple[str, ...] = ()
    #: The live neighbourhood lookup on the scope's LSOA vintage (places.neighbourhoods_on:
    #: lsoa, code, name, area_type, batch_id), of the one area type the tables use
    #: (places.of_type); None when none is imported.
    neighbourhoods: pl.DataFrame | None = field(default=None, repr=False)
    #: The other area types imported beside ``neighbourhoods``' (a filter can use them).
    other_area_types: tuple[str, ...] = ()
    #: The live service sites (name, site_type, lsoa, lsoa_vintage, latitude, longitude,
    #: batch_id); None when none are imported.
    sites: pl.DataFrame | None = field(default=None, repr=False)
    #: Results worth keeping while the scope lives (group populations): keyed by name.
    cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def kept(self, key: object, make: Callable[[], T]) -> T:
        """The cache's ``key``, made by ``make`` the first time (:func:`made_once`)."""
        return made_once(self.cache, key, make)

    @property
    def referrals(self) -> pl.DataFrame:
        return self.rows.frame()

    @cached_property
    def period_referrals(self) -> pl.DataFrame:
        return self.referrals.filter(pl.col("in_period"))

    @property
    def people(self) -> pl.DataFrame:
        """One row per person referred in the period: their latest referral's
        characteristics, how many referrals, and whether any was accepted, seen, or
        discharged after being seen (made once, kept in the cache)."""
        return self.kept(_PEOPLE, self._people)

    def _people(self) -> pl.DataFrame:
        narrowed = narrowing(self)
        if narrowed is not None:
            return _people_of_parent(self, narrowed)
        people = _people_of(self.referrals, person_ids(self), _memo_of(self))
        self.cache[_PEOPLE_ROWS] = people["row"]
        return people.drop("row")


def _memo_of(scope: Scope) -> _PullMemo:
    kept = scope.cache.get(_MEMO)
    return kept if isinstance(kept, _PullMemo) else _PullMemo(scope.referrals)


#: What :func:`_people_of` reads of each referral.
_PEOPLE_READS = (
    *_PERSON_COLUMNS,
    *("referral_date", "in_period", "accepted", "seen", "discharged", "source_of_referral"),
)


def _people_of(frame: pl.DataFrame, ids: pl.Series, memo: _PullMemo) -> pl.DataFrame:
    """The people of the referrals ``frame`` (their numbers ``ids``), as Scope.people
    describes them, with ``row``: the row in ``frame`` of each one's latest referral."""
    pulled = memo.pulled
    # The pull's self-referral codes (a few values; every scope of it reads the same).
    own = memo.get(
        ("self-referral sources",),
        lambda: (
            pulled.select(pl.col("source_of_referral").unique())
            .filter(is_self_referral(pl.col("source_of_referral")))
            .to_series()
        ),
    )
    self_referral = pl.col("source_of_referral").is_in(own.implode())
    discharged_seen = (pl.col("seen") & pl.col("discharged")).alias("discharged_seen")
    aggs = [
        pl.len().alias("referrals"),
        pl.col("accepted").any(),
        pl.col("seen").any(),
        discharged_seen.any(),
        pl.col("__self").any().alias("self_referred"),
    ]
    alone = [
        pl.lit(1).alias("referrals"),
        *(pl.col(c).fill_null(False) for c in ("accepted", "seen")),
        discharged_seen.fill_null(False),
        pl.col("__self").alias("self_referred"),
    ]
    marks = [self_referral.fill_null(False).alias("__self")]
    # pseudonym=False: a person is a row here, nothing reads their pseudonym
    groups = _latest_rows(frame, ids, (), aggs, marks, False, alone)
    return _with_columns_of(groups, frame, _PERSON_COLUMNS, keep_row=True)


class Narrowing:
    """How the people of a scope made of a kept scope's rows (its parent's at ``within``:
    the same filter but for a provider, say) stand to the parent's people. A person
    whose rows are all in this scope has the same latest referral in the period and the
    same aggregates here: they are ``whole``, and the parent's row of them serves. Only
    the people with rows on both sides (seen by two providers, say) are ``split``."""

    def __init__(self, scope: Scope, parent: dict[object, object], within: pl.Series) -> None:
        every, theirs = made_once(parent, _PER_PERSON, partial(_per_person, parent))
        self.here_ids = person_ids(scope).to_numpy()
        inside = np.bincount(self.here_ids, minlength=every.size)
        self.split = (inside > 0) & (inside < every)  # by person id
        self.any_split = bool(self.split.any())
        self.whole = (inside == every)[theirs]  # by the parent's people (every is 0 for none)
        # Each whole parent person's row in this scope's people (when nobody is split).
        self.people_here = np.cumsum(self.whole, dtype=np.int32) - 1
        rows = parent[_PEOPLE_ROWS].to_numpy()  # type: ignore[attr-defined]
        self.position = np.cumsum(within.to_numpy(), dtype=np.int64) - 1  # of each parent row
        self.taken = self.position[rows[self.whole]]  # the whole people's latest rows here
        self.parent: dict[object, object] | None = parent  # let go once the people are made
        self.parent_id = id(parent)


_NARROWING = (ROWS, "narrowing")


def _per_person(cache: dict[object, object]) -> tuple[np.ndarray, np.ndarray]:
    """Of a scope's cache: how many rows each person id has, and the id of each person in
    its people (kept: each narrower scope's :class:`Narrowing` reads them)."""
    ids = cache[_PERSON_IDS].to_numpy()  # type: ignore[attr-defined]
    return np.bincount(ids), ids[cache[_PEOPLE_ROWS].to_numpy()]  # type: ignore[attr-defined]


def narrowing(scope: Scope) -> Narrowing | None:
    """The scope's :class:`Narrowing`, if it was made of a kept scope's rows and people."""

    def make() -> Narrowing | None:
        inherited = scope.cache.pop(_PEOPLE_PARENT, None)
        return Narrowing(scope, *inherited) if isinstance(inherited, tuple) else None

    return scope.kept(_NARROWING, make)


def _people_of_parent(scope: Scope, narrowed: Narrowing) -> pl.DataFrame:
    """The people of a narrower scope (:class:`Narrowing`): the parent's whole people
    (with their characteristics' codes when nobody is split), and the split people
    worked out again from their rows here."""
    parent, narrowed.parent = narrowed.parent, None
    assert parent is not None  # made once, with the people
    whole = pl.Series(narrowed.whole)
    people = parent[_PEOPLE].filter(whole)  # type: ignore[attr-defined]
    if narrowed.any_split:  # they are worked out again, then put in row order with the rest
        here_ids = narrowed.here_ids
        at = np.flatnonzero(narrowed.split[here_ids])  # their rows here, in order
        frame = scope.rows.at(_PEOPLE_READS, pl.Series(at))
        again = _people_of(frame, pl.Series("__person", here_ids[at]), _memo_of(scope))
        placed = again.with_columns(pl.Series("row", at[again["row"].to_numpy()], dtype=pl.UInt32))
        taken_rows = people.with_columns(pl.Series("row", narrowed.taken, dtype=pl.UInt32))
        merged = _merged_by_row(taken_rows, placed.select(taken_rows.columns))
        scope.cache[_PEOPLE_ROWS] = merged["row"]
        return merged.drop("row")  # (the codes are worked out when asked for)
    scope.cache[_PEOPLE_ROWS] = pl.Series("row", narrowed.taken, dtype=pl.UInt32)
    for key, codes in list(parent.items()):
        if isinstance(key, tuple) and key[:2] == PEOPLE_CODES and isinstance(codes, pl.Series):
            scope.cache[key] = codes.filter(whole)
    return people


#: Up to this many rows put into a frame are placed by slicing it; more, by a sort.
FEW_TO_PLACE = 512


def _merged_by_row(frame: pl.DataFrame, few: pl.DataFrame) -> pl.DataFrame:
    """Two frames in ascending ``row`` order (no row in both) as one: a few rows are put
    in their places between slices of ``frame`` (copied once, in order), several times
    quicker than sorting it; more are sorted in."""
    if few.height > FEW_TO_PLACE:
        return pl.concat([frame, few]).sort("row")
    places = np.searchsorted(frame["row"].to_numpy(), few["row"].to_numpy())
    parts, start = [], 0
    for index, place in enumerate(places.tolist()):
        parts += [frame.slice(start, place - start), few.slice(index, 1)]
        start = place
    return pl.concat([*parts, frame.slice(start)], rechunk=True)


def people_index(scope: Scope) -> pl.Series:
    """Each referral's person's row in ``scope.people`` (null: not referred in the
    period). Kept in the scope's cache: a gather by number, not a join on pseudonyms."""

    def make() -> pl.Series:
        _ = scope.people
        ids = person_ids(scope).to_numpy()
        rows: pl.Series = scope.cache[_PEOPLE_ROWS]  # type: ignore[assignment]
        places = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)  # -1: nobody's
        places[ids[rows.to_numpy()]] = np.arange(rows.len())
        return pl.Series("_person", places[ids]).cast(pl.UInt32, strict=False)  # -1: null

    return scope.kept(_PEOPLE_INDEX, make)


def person_ids(scope: Scope) -> pl.Series:
    """Each referral's person as a number (the same for the same ``person_key``). Kept in
    the scope's cache: the per-person group-bys (people, trends, recording by provider and
    month) group by these, several times faster than by the 64-character pseudonyms."""

    def make() -> pl.Series:
        rows = scope.referrals.select("person_key").with_row_index("row")
        each = rows.lazy().group_by("person_key").agg("row").collect(engine="streaming")
        groups = each.with_row_index("id").explode("row")
        ids = pl.zeros(rows.height, pl.UInt32, eager=True)
        return ids.scatter(groups["row"], groups["id"]).alias("__person")

    return scope.kept(_PERSON_IDS, make)


def latest_rows(
    scope: Scope,
    per: Sequence[pl.Expr],
    *aggs: pl.Expr,
    marks: Sequence[pl.Expr] = (),
    pseudonym: bool = True,
    alone: Sequence[pl.Expr] = (),
) -> pl.DataFrame:
    """One row per person referred in the period (and value of each of ``per``, such as
    the month of referral): person_key (unless not ``pseudonym``: 64 characters a row
    are slow to copy), the ``per`` columns, ``row`` (the row in ``scope.referrals`` of
    the person's latest referral there), then the aggregates.

    The latest is the last referral of the latest date in row order, as a stable sort by
    date and then the last row would pick; found as the largest date × 2³² + row number,
    so the referrals are neither sorted nor copied. ``marks``: columns of each referral
    that ``aggs`` read (worked out before the group-by, where it is quicker). ``alone``
    (no ``per``): each aggregate for a person of one referral, from that referral alone
    (pl.len() is 1, any() the value itself): then only people of several are grouped."""
    return _latest_rows(scope.referrals, person_ids(scope), per, aggs, marks, pseudonym, alone)


def _latest_rows(
    frame: pl.DataFrame,
    ids: pl.Series,
    per: Sequence[pl.Expr],
    aggs: Sequence[pl.Expr],
    marks: Sequence[pl.Expr],
    pseudonym: bool,
    alone: Sequence[pl.Expr],
) -> pl.DataFrame:
    """:func:`latest_rows` of the referrals ``frame`` whose people are ``ids``."""
    rank = pl.col("referral_date").cast(pl.Int64) * 2**32 + pl.int_range(pl.len(), dtype=pl.Int64)
    if alone and not per:
        return _latest_alone(frame, ids, rank, aggs, alone, marks, pseudonym)
    groups = (
        frame.with_columns(rank.alias("__latest"), ids, *marks)
        .lazy()  # the filter and the group-by read only the columns they need
        .filter(pl.col("in_period"))
        .group_by("__person", *per)
        .agg(pl.col("__latest").max(), *aggs)
        .collect(engine="streaming")
    )
    # In row order (the rows are then picked by a mask, not gathered): each row is one
    # person's, so a scatter by row sorts them, quicker than a sort.
    latest = (groups["__latest"] % 2**32).to_numpy()
    place = np.full(frame.height, -1, dtype=np.int64)
    place[latest] = np.arange(latest.size)
    sorted_rows = np.flatnonzero(place >= 0)
    row = pl.Series("row", sorted_rows, dtype=pl.UInt32)
    order = pl.Series(place[sorted_rows], dtype=pl.UInt32)
    person = [rows_at(frame.select("person_key"), row).to_series()] if pseudonym else []
    rest = groups.drop("__person", "__latest")[order].get_columns()
    return pl.DataFrame([*person, *rest[: len(per)], row, *rest[len(per) :]])


def _latest_alone(
    frame: pl.DataFrame,
    ids: pl.Series,
    rank: pl.Expr,
    aggs: Sequence[pl.Expr],
    alone: Sequence[pl.Expr],
    marks: Sequence[pl.Expr],
    pseudonym: bool,
) -> pl.DataFrame:
    """:func:`latest_rows` without ``per``: most people have one referral in the period,
    which is their latest and whose own values are their aggregates; only the others go
    through the group-by, and their aggregates are put in their latest row's place."""
    number = ids.to_numpy()
    period = frame["in_period"].fill_null(False).to_numpy()
    counts = np.bincount(number[period], minlength=int(number.max(initial=0)) + 1)
    several = period & (counts[number] > 1)
    marked = frame.with_columns(
        rank.alias("__latest"), ids, *marks, pl.Series("__several", several)
    )
    groups = (
        marked.lazy()  # only the columns the aggregates read
        .filter(pl.col("__several"))
        .group_by("__person")
        .agg(pl.col("__latest").max(), *aggs)
        .collect()
    )
    latest = (groups["__latest"] % 2**32).to_numpy()
    chosen = period & (counts[number] == 1)
    chosen[latest] = True
    rows = np.flatnonzero(chosen)  # ascending: the people in row order
    row = pl.Series("row", rows, dtype=pl.UInt32)
    own = (
        marked.with_columns(pl.Series("__chosen", chosen))
        .lazy()
        .filter(pl.col("__chosen"))
        .select(*alone)
        .collect()
    )
    at = np.searchsorted(rows, latest)
    values = [
        own[name].cast(groups[name].dtype).scatter(at, groups[name]) for name in groups.columns[2:]
    ]
    person = [rows_at(frame.select("person_key"), row).to_series()] if pseudonym else []
    return pl.DataFrame([*person, row, *values])


def rows_at(frame: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """The rows of ``frame`` at ``rows`` (ascending, each once, as :func:`latest_rows`
    gives them): a mask's filter reads the columns in order, several times quicker than
    a gather that jumps about them."""
    at = rows.to_numpy()
    if at.size > 1 and not bool((at[1:] > at[:-1]).all()):  # not strictly ascending
        return frame[rows]
    mask = pl.zeros(frame.height, pl.Boolean, eager=True).scatter(rows, True)
    return frame.filter(mask)


def latest_referrals(
    scope: Scope,
    per: Sequence[pl.Expr],
    columns: Sequence[str],
    *aggs: pl.Expr,
    marks: Sequence[pl.Expr] = (),
    pseudonym: bool = True,
    keep_row: bool = False,
    alone: Sequence[pl.Expr] = (),
) -> pl.DataFrame:
    """As :func:`latest_rows`, with the ``columns`` of each person's latest referral in
    place of ``row`` (after them with ``keep_row``); only the rows picked are copied."""
    groups = latest_rows(scope, per, *aggs, marks=marks, pseudonym=pseudonym, alone=alone)
    return _with_columns_of(groups, scope.referrals, columns, keep_row)


def _with_columns_of(
    groups: pl.DataFrame, frame: pl.DataFrame, columns: Sequence[str], keep_row: bool
) -> pl.DataFrame:
    """``groups`` (of :func:`latest_rows`) with the ``columns`` of ``frame`` at their rows
    in place of ``row`` (after them with ``keep_row``)."""
    place = groups.columns.index("row")
    picked = rows_at(frame.select(columns), groups["row"])
    after = place if keep_row else place + 1
    return pl.concat([groups[:, :place], picked, groups[:, after:]], how="horizontal")


@lru_cache(maxsize=2)
def _only_in(vintage: int) -> pl.Series:
    """LSOA codes of one vintage that the other does not have."""
    mine = refdata.lsoa_lookup(vintage)["lsoa"]  # type: ignore[arg-type]
    theirs = refdata.lsoa_lookup(2021 if vintage == 2011 else 2011)["lsoa"]
    return mine.filter(~mine.is_in(theirs.implode()))


def vintage_of(lsoas: pl.Series, hint: int | None = None) -> int:
    """The LSOA vintage (2011 or 2021) of these codes, judged by the codes that exist in
    only one of them (about 6% differ); ``hint`` (else 2021) when none of them tells."""
    codes = lsoas.drop_nulls().unique().implode()
    return _judged({v: int(_only_in(v).is_in(codes).sum()) for v in (2011, 2021)}, hint)


def _judged(only: dict[int, int], hint: int | None) -> int:
    """The vintage of more codes only it has (``only``: vintage -> how many), else ``hint``."""
    if only[2011] != only[2021]:
        return 2011 if only[2011] > only[2021] else 2021
    return hint or 2021


def _vintage_in(memo: _PullMemo, keep: pl.Series, hint: int | None) -> int:
    """:func:`vintage_of` the homes of the pulled rows at ``keep``: which pulled home is
    a code of only one vintage is kept in the memo, so only those rows are read."""
    homes = memo.pulled["lsoa"]

    def tells(vintage: int) -> pl.Series:
        only = _only_in(vintage).implode()
        return memo.get(("only in", vintage), lambda: homes.is_in(only).fill_null(False))

    return _judged({v: homes.filter(keep & tells(v)).n_unique() for v in (2011, 2021)}, hint)


def _lookup(
    stored: pl.DataFrame, vintage: int, edition: int
) -> tuple[pl.DataFrame, tuple[int, ...]]:
    """lsoa, imd_decile, lad_code, sicb_code, icb_code, icb_ods_code for the vintage."""
    shipped = refdata.lsoa_lookup(vintage).select(  # type: ignore[arg-type]
        "lsoa", "lad_code", "lad_name", "sicb_code", "icb_code", "icb_ods_code", "sicb_ods_code"
    )
    rows = stored.filter(pl.col("lsoa_vintage") == vintage, pl.col("imd_edition") == edition)
    if rows.height:
        batches = tuple(sorted(int(b) for b in rows["batch_id"].unique()))
        ods = shipped.select("lsoa", "icb_ods_code", "sicb_ods_code")
        frame = (
            rows.select("lsoa", "imd_decile", "lad_code", "lad_name", "sicb_code", "icb_code")
            .unique("lsoa", keep="last")
            .join(ods, on="lsoa", how="left")
        )
        return frame, batches
    imd = refdata.imd(edition).select("lsoa", pl.col("imd_decile").cast(pl.Int64))  # type: ignore[arg-type]
    return shipped.join(imd, on="lsoa", how="left"), ()


def _area_lsoas(
    flt: PlanFilter, lookup: pl.DataFrame, neighbourhoods: pl.DataFrame | None
) -> set[str] | None:
    """The LSOAs of the filter's area (None for a PCN or no area)."""
    area = flt.area
    if area is None or area.kind == "pcn":
        return None
    if area.kind == "neighbourhood":
        if neighbourhoods is None:
            raise FilterError(
                f"area neighbourhood:{area.code}: no neighbourhood lookup is imported "
                "(rehabdash import areas FILE)"
            )
        named = neighbourhoods.filter(
            (pl.col("code").str.to_uppercase() == area.code)
            | (pl.col("name").str.to_uppercase() == area.code)
        )
        if named.height:  # one type's area: the shown type's when two types share a name
            kinds = set(named["area_type"].to_list())
            kind = next((t for t in AREA_TYPES if t in kinds), None)
            named = named.filter(pl.col("area_type") == kind)
        found = lookup.filter(pl.col("lsoa").is_in(named["lsoa"].implode()))
    elif area.kind == "lsoa":
        found = lookup.filter(pl.col("lsoa") == area.code)
    elif area.kind == "msoa":
        msoa = lsoa_to_msoa()
        lsoa21 = msoa.filter(pl.col("msoa21") == area.code)["lsoa21"]
        if lookup["lsoa"].is_in(lsoa21.implode()).any():
            found = lookup.filter(pl.col("lsoa").is_in(lsoa21.implode()))
        else:  # LSOA 2011 areas: through the ONS 2011 -> 2021 lookup
            best = lsoa11_to_lsoa21().filter(pl.col("lsoa21").is_in(lsoa21.implode()))
            found = lookup.filter(pl.col("lsoa").is_in(best["lsoa11"].implode()))
    else:
        column = {"icb": "icb_code", "sicb": "sicb_code", "lad": "lad_code"}[area.kind]
        ods = {"icb": "icb_ods_code", "sicb": "sicb_ods_code"}.get(area.kind)
        match = pl.col(column) == area.code
        if ods is not None:
            match = match | (pl.col(ods) == area.code)
        found = lookup.filter(match)
    if found.height == 0:
        raise FilterError(f"area {area.kind}:{area.code}: no LSOA of the store's areas is in it")
    return set(found["lsoa"].to_list())


def _default_lsoas(
    population: pl.DataFrame,
    referral_lsoas: pl.Series,
    lookup: pl.DataFrame,
    memo: tuple[_PullMemo, object] | None = None,
) -> tuple[set[str], str]:
    """The imported population's areas in ``lookup``, else the LSOAs of the ICB most of
    ``referral_lsoas`` are in. The first depends on no referral: ``memo`` (the memo, and
    the lookup's key in it) keeps it."""

    def imported() -> set[str]:
        in_lookup = population.filter(pl.col("area_code").is_in(lookup["lsoa"].implode()))
        return set(in_lookup["area_code"].unique().to_list())

    found = memo[0].get(("population areas", memo[1]), imported) if memo else imported()
    if found:
        return set(found), "the areas of the imported population"
    places = lookup.filter(pl.col("lsoa").is_in(referral_lsoas.drop_nulls().unique().implode()))
    if places.height == 0:
        raise FilterError(
            "area: the referrals have no LSOA the lookup knows and no population is imported; "
            "give an area (such as icb:QWO)"
        )
    icb = places["icb_code"].mode().sort()[0]
    lsoas = set(lookup.filter(pl.col("icb_code") == icb)["lsoa"].to_list())
    return lsoas, f"the LSOAs of ICB {icb}, where most referrals live"


def _warm_census(tables: Future[dict[str, pl.DataFrame]], flt: PlanFilter) -> None:
    """Census shares of the areas the scope will most likely have (the filter's area, or
    the imported population's, in the stored lookup's LSOA vintage), worked out while
    the referrals are pulled: when the guess is right, the breakdowns find them made
    (census_shares keeps them). A wrong guess costs only this time, so errors are left
    for the scope itself to report."""
    try:
        stored = tables.result()
        vintages = stored["lookup"]["lsoa_vintage"].drop_nulls()
        if not vintages.len():
            return
        vintage = int(vintages.mode().sort()[0])
        edition = flt.imd_edition or EDITION_OF_VINTAGE[vintage]
        lookup, _ = _lookup(stored["lookup"], vintage, edition)
        named = stored.get("neighbourhoods")
        on_vintage = neighbourhoods_on(named, vintage) if named is not None else None
        areas = _area_lsoas(flt, lookup, on_vintage)
        if areas is None and flt.area is None:
            none = pl.Series([], dtype=pl.String)
            areas, _how = _default_lsoas(stored["population"], none, lookup)
        if not areas:
            return
        for topic in sorted({str(c.census) for c in CHARACTERISTICS.values()} & set(CENSUS_TO_NHS)):
            census_shares(topic, vintage, areas)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a guess: the scope reports any real problem
        return


def _age_filtered(denominator: Denominator, low: int, high: int) -> Denominator:
    if (low, high) == (0, MAX_AGE):
        return denominator
    fractions = band_fractions(low, high)
    fraction = pl.col("age_band").replace_strict(fractions, return_dtype=pl.Float64)
    frame = denominator.frame.filter(pl.col("age_band").is_in(list(fractions))).with_columns(
        pl.col("count") * fraction
    )
    note = f"ages {low}-{high}: bands cut pro rata by single year of age"
    return Denominator(
        frame, denominator.source, denominator.year, denominator.batches, (*denominator.notes, note)
    )


class _PullMemo:
    """What is worked out on one pull for a filter and serves the next filters (a new
    provider shares the period's window, the team types' mask, the areas' masks, the
    lookup and the population): shared by the scopes resolved from that very frame."""

    #: The most entries kept (the oldest go first): a mask of a million rows is 0.1 MB, an
    #: area's population a few MB.
    LIMIT = 64

    def __init__(self, pulled: pl.DataFrame) -> None:
        self.pulled = pulled
        self._kept: OrderedDict[object, object] = OrderedDict()
        self._lock = Lock()  # pages resolve scopes on worker threads

    def get(self, key: object, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]  # type: ignore[return-value]
        made = make()  # outside the lock: two threads may both make it, the same
        with self._lock:
            self._kept[key] = made
            while len(self._kept) > self.LIMIT:
                self._kept.popitem(last=False)
        return made

    def one_of(self, column: str, values: tuple[str, ...]) -> pl.Series:
        """Whether each pulled row's ``column`` is one of ``values`` (null: false). One
        value is compared (is_in on a million strings takes several times longer)."""

        def make() -> pl.Series:
            col = self.pulled[column]
            hit = col == values[0] if len(values) == 1 else col.is_in(pl.Series(values).implode())
            return hit.fill_null(False)

        return self.get(("one of", column, values), make)


_MEMO = ("pull memo",)


def _memo(kept: Iterable[Scope], pulled: pl.DataFrame) -> _PullMemo:
    memos = (o.cache.get(_MEMO) for o in kept)
    return next((m for m in memos if isinstance(m, _PullMemo) and m.pulled is pulled), None) or (
        _PullMemo(pulled)
    )


def _in_filter(flt: PlanFilter, memo: _PullMemo) -> pl.Series:
    """Provider, team type, service and age conditions (the period is marked, not cut)."""
    pulled = memo.pulled
    keep = pl.repeat(True, pulled.height, dtype=pl.Boolean, eager=True)
    if flt.providers:
        keep &= memo.one_of("provider_code", flt.providers)
    if flt.team_types:
        unknown = memo.get(("no team type",), lambda: pulled["team_type"].is_null())
        keep &= memo.one_of("team_type", flt.team_types) | unknown
    if flt.services:
        keep &= memo.one_of("service_name", flt.services)
    if flt.age != (0, MAX_AGE):
        keep &= pulled["age"].is_between(flt.age[0], flt.age[1]).fill_null(False)
    return keep


def _window(memo: _PullMemo, start: date, end: date) -> pl.Series:
    """Referrals received by the period's end, and those before it only if still open
    at its start."""
    in_window = (pl.col("referral_date") <= end) & (
        (pl.col("referral_date") >= start)
        | (
            (pl.col("first_contact_date").is_null() | (pl.col("first_contact_date") >= start))
            & (pl.col("discharge_date").is_null() | (pl.col("discharge_date") >= start))
            & (pl.col("rejection_date").is_null() | (pl.col("rejection_date") >= start))
        )
    )
    return memo.get(
        ("window", start, end), lambda: memo.pulled.select(in_window.fill_null(False)).to_series()
    )


def pull_scope(flt: PlanFilter, dialect: str) -> PullScope:
    """What the database filters: nothing on SQLite (one pull serves every filter), the
    team types and the period window on PostgreSQL (an ICB store can be very large)."""
    if dialect != "postgresql":
        return PullScope()
    return PullScope(flt.period.start, flt.period.end, flt.team_types)


def resolve_scope(
    source: ReferralSource,
    flt: PlanFilter,
    fingerprint: str | None = None,
    *,
    kept: Iterable[Scope] = (),
) -> Scope:
    """The scope of ``flt`` on the store behind ``source``; FilterError (one line) when the
    filter cannot be met (an unknown area, an IMD edition of another LSOA vintage). A
    scope of ``kept`` with the very same rows (another filter can select them: the
    default IMD edition named, every age) lends them and its people, rather than a copy."""
    fingerprint = fingerprint or source.fingerprint()
    pull = pull_scope(flt, source.dialect)
    if source.holds(pull, fingerprint):
        pulled, tables = source.frame(pull, fingerprint), source.tables(fingerprint)
    else:  # beside the pull: the small tables, then the census shares
        meanwhile = ThreadPoolExecutor(max_workers=1)
        try:
            pending = meanwhile.submit(source.tables, fingerprint)
            meanwhile.submit(_warm_census, pending, flt)
            pulled = source.frame(pull, fingerprint)
            tables = pending.result()
        finally:  # the shares may finish after the pull: nothing here waits for them
            meanwhile.shutdown(wait=False)
    start, end = flt.period.start, flt.period.end
    # Which pulled rows are in scope is worked out as a mask, on the columns it needs;
    # the rows are copied once, at the end (the pull can be a million rows). The masks
    # and what is read from the small tables are kept for the next filter (the memo).
    memo = _memo(kept, pulled)
    keep = _in_filter(flt, memo) & _window(memo, start, end)
    homes = pulled["lsoa"]
    stored_vintages = tables["lookup"]["lsoa_vintage"].drop_nulls()
    hint = int(stored_vintages.mode().sort()[0]) if stored_vintages.len() else None
    if hint is None and flt.imd_edition is not None:
        hint = 2011 if flt.imd_edition == 2019 else 2021
    vintage = _vintage_in(memo, keep, hint)
    edition = flt.imd_edition or EDITION_OF_VINTAGE[vintage]
    if EDITION_OF_VINTAGE[vintage] != edition:
        raise FilterError(
            f"IMD edition {edition}: it is published for LSOA {2021 if edition == 2025 else 2011} "
            f"areas, and the activity uses LSOA {vintage} codes"
        )
    lookup_key = ("lookup", vintage, edition)
    lookup, lookup_batches = memo.get(
        lookup_key, lambda: _lookup(tables["lookup"], vintage, edition)
    )
    population = tables["population"]
    notes: list[str] = []
    stored = tables.get("neighbourhoods")
    every_type = memo.get(
        ("neighbourhoods", vintage),
        lambda: (
            neighbourhoods_on(stored, vintage) if stored is not None and stored.height else None
        ),
    )
    neighbourhoods = of_type(every_type) if every_type is not None else None
    other_types: tuple[str, ...] = ()
    if every_type is not None and neighbourhoods is not None:
        shown = {str(neighbourhoods["area_type"][0])}
        other_types = tuple(sorted(set(every_type["area_type"].to_list()) - shown))
    sites = tables.get("sites")
    areas = _area_lsoas(flt, lookup, every_type)
    if areas is None:
        if flt.area is not None:  # a PCN: its practices' registered patients
            practices = refdata.gp_practices().filter(pl.col("pcn_code") == flt.area.code)
            if practices.height == 0:
                raise FilterError(f"area pcn:{flt.area.code}: no GP practice is in this PCN")
            keep &= (
                pulled["gp_practice"].is_in(practices["practice_code"].implode()).fill_null(False)
            )
            areas = set(homes.filter(keep).drop_nulls().unique().to_list())
        else:
            areas, how = _default_lsoas(population, homes.filter(keep), lookup, (memo, lookup_key))
            notes.append(f"Areas: {how} ({len(areas):,} LSOAs)")
    area_key = frozenset(areas)
    inside = memo.get(("inside", area_key), lambda: homes.is_in(sorted(areas)))
    outside = int((keep & homes.is_not_null() & ~inside).sum())
    if outside and (flt.area is None or flt.area.kind != "pcn"):
        notes.append(f"{outside:,} referrals of people living outside these areas are left out")
        keep &= homes.is_null() | inside
    if flt.area is not None and flt.area.kind != "pcn":
        blank = int((keep & homes.is_null()).sum())
        if blank:
            notes.append(
                f"{blank:,} referrals with no LSOA cannot be placed in the area and are left out"
            )
            keep &= homes.is_not_null()
    # The rows are those of the mask, with columns of the period and the lookup.
    made_of = ("rows", fingerprint, pull, start, end, vintage, edition)
    masks = [(o, m) for o in kept if isinstance(m := o.cache.get(made_of), pl.Series)]
    lender = next((o for o, m in masks if keep.equals(m)), None)
    # Else a scope whose rows hold all of these (the same filter but for a provider, say):
    # its rows, already with the period's and the lookup's columns, are filtered. The
    # fewest rows to filter: a provider's scope, not the ICB's, for that provider aged 0-89.
    covering = (
        []
        if lender is not None
        else sorted(
            ((o, m) for o, m in masks if not (keep & ~m).any()), key=lambda p: p[0].rows.height
        )
    )
    derived: dict[object, object] = {}
    if lender is not None:
        rows = lender.rows
        derived = {k: v for k, v in lender.cache.items() if _made_of_rows(k)}
    elif covering:
        parent, mask = covering[0]
        within = keep.filter(mask)  # which of the parent's rows
        rows = parent.rows.narrower(within)
        if _PERSON_IDS in parent.cache:  # numbers still tell people apart
            derived[_PERSON_IDS] = parent.cache[_PERSON_IDS].filter(within)  # type: ignore[attr-defined]
            if _PEOPLE in parent.cache and _PEOPLE_ROWS in parent.cache:
                derived[_PEOPLE_PARENT] = (parent.cache, within)
        # What is derived from a parent's own (the consequences base): the smallest that has it.
        for other, its in covering:
            inherited = {k: other.cache[k] for k in _DERIVABLE if k in other.cache}
            if inherited:
                derived[PARENT] = (inherited, keep.filter(its), id(other.cache))
                break
    else:
        rows = ScopeRows(_rows(pulled if keep.all() else pulled.filter(keep), lookup, start, end))
    denominator: Denominator | None = None
    if flt.area is not None and flt.area.kind == "pcn":
        notes.append(
            "A PCN has no resident population here: rates per population are not available"
        )
    else:
        everyone = memo.get(
            ("population", area_key, start),
            lambda: population_denominator(areas, start, population),
        )
        denominator = _age_filtered(everyone, *flt.age)
    weights = tables["need"]
    need = weights.filter(pl.col("condition_group").is_null()) if weights.height else None
    batches = set(int(b) for b in rows.columns(["batch_id"])["batch_id"].unique())
    batches |= set(lookup_batches)
    if denominator is not None:
        batches |= set(denominator.batches)
    if need is not None and need.height:
        batches |= set(int(b) for b in need["batch_id"].unique())
    else:
        need = None
    # What the population is made of: the store's (fingerprint), the areas, the period's
    # start and the ages; the lookup's deciles (vintage and edition).
    pcn = denominator is None
    made_from = ("population", fingerprint, frozenset(areas), vintage, edition, start, flt.age, pcn)
    shared = next((o.cache.get(_POPULATION, {}) for o in kept if made_from in o.cache), {})
    scope = Scope(
        filter=flt,
        fingerprint=fingerprint,
        rows=rows,
        areas=frozenset(areas),
        vintage=vintage,
        imd_edition=edition,
        lookup=memo.get(
            ("lookup of areas", vintage, edition, area_key),
            lambda: lookup.filter(pl.col("lsoa").is_in(sorted(areas))),
        ),
        denominator=denominator,
        need_weights=need.select("age_band", "sex", "weight") if need is not None else None,
        batches=tuple(sorted(batches)),
        notes=tuple(notes),
        neighbourhoods=neighbourhoods,
        other_area_types=other_types,
        sites=sites if sites is not None and sites.height else None,
        # The mask the rows were made of: a later filter with the same rows borrows them.
        cache={made_of: keep, made_from: True, _POPULATION: shared, _MEMO: memo, **derived},
    )
    return scope


def population_cache(scope: Scope) -> dict[object, object]:
    """A cache for what is made of the scope's population alone (group populations, by
    population_cache), shared by the scopes resolved with the same population: those of
    another provider, team type or service share the census out once."""
    return scope.cache.setdefault(_POPULATION, {})  # type: ignore[return-value]


def _rows(rows: pl.DataFrame, lookup: pl.DataFrame, start: date, end: date) -> pl.DataFrame:
    """The scope's referrals: ``rows`` with the IMD decile of their LSOA (else the
    extract's), and whether each was received in the period, seen, accepted, discharged."""
    deciles = lookup.select("lsoa", pl.col("imd_decile").alias("__decile"))
    decile = rows.select("lsoa").join(deciles, on="lsoa", how="left", maintain_order="left")
    return rows.with_columns(
        pl.coalesce(decile["__decile"], "imd_decile").alias("imd_decile"),
        pl.col("referral_date").is_between(start, end).alias("in_period"),
        seen_expr().alias("seen"),
        pl.col("rejection_date").is_null().alias("accepted"),
        (pl.col("discharge_date").is_not_null() & (pl.col("discharge_date") <= end)).alias(
            "discharged"
        ),
    ).rechunk()  # one chunk a column: a narrower filter's rows (a filter of these) too
