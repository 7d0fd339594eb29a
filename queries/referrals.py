"""The referral frame the data plan reads: the needed columns of live referrals, pulled
once per store state and scope, and kept (issue 10, item 8).

Why this path. Measured on a 1M-referral SQLite store (``benchmarks/bench_plan.py``): the
driver cursor's ``fetchall`` builds a Python tuple per row (3.9–4.6 s for 16 columns);
the ADBC SQLite driver hands polars Arrow columns directly (about 1.5 s), with no
pyarrow needed. On PostgreSQL, ``COPY (SELECT …) TO STDOUT`` streams CSV that polars
parses in parallel, faster than any row cursor and with no new dependency. Either way
the pull happens once per *store state* (the fingerprint of the live batches) and
scope; a new breakdown, provider or age range is a polars filter on the frame held in
memory, so it costs milliseconds.

What is pushed down: on SQLite (one user, one file) everything live is pulled once, so
changing the period is free. On PostgreSQL (an ICB store may hold 10M referrals) the
team types and the period window are filtered by the database; the window keeps
referrals received before the period that were still open when it began, so the waiting
list at the period's end is right.

Only SQL built by SQLAlchemy, with bound parameters (PostgreSQL) or no user value at all
(SQLite pulls everything live: its only literal is the live status).
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.engine import Engine

from rehabdash.queries.areas import (
    live_area_lookup,
    live_need_weights,
    live_neighbourhoods,
    live_population,
    live_sites,
)
from rehabdash.queries.arrow_pull import read_sqlite_arrow
from rehabdash.queries.frames import fetch_frame
from rehabdash.queries.live import live_referrals
from rehabdash.store.schema import import_batch, referral

__all__ = [
    "PLAN_COLUMNS",
    "PullScope",
    "ReferralSource",
    "pull_referrals",
    "seen_expr",
    "store_fingerprint",
]

#: The referral columns the plan reads (never an identifier other than the pseudonym).
PLAN_COLUMNS: tuple[str, ...] = (
    "batch_id",
    "person_key",
    "provider_code",
    "team_type",
    "service_name",
    "referral_date",
    "source_of_referral",
    "first_contact_date",
    "discharge_date",
    "closure_reason",
    "rejection_date",
    "age",
    "age_band",
    "sex",
    "gender_identity",
    "ethnic_category",
    "gp_practice",
    "lsoa",
    "imd_decile",
    "disability",
    "religion",
    "sexual_orientation",
    "marital_status",
    "pregnancy",
    "contacts_attended",
    "contacts_dna",
    "contacts_cancelled",
    "outcome_tool",
    "outcome_start",
    "outcome_end",
)
_DATES = ("referral_date", "first_contact_date", "discharge_date", "rejection_date")
_INTEGERS = ("batch_id", "age", "imd_decile")
_COUNTS = ("contacts_attended", "contacts_dna", "contacts_cancelled")
_FLOATS = ("outcome_start", "outcome_end")
SCHEMA: dict[str, pl.DataType] = {
    name: (
        pl.Date()
        if name in _DATES
        else pl.Int64()
        if name in _INTEGERS + _COUNTS
        else pl.Float64()
        if name in _FLOATS
        else pl.String()
    )
    for name in PLAN_COLUMNS
}


def seen_expr() -> pl.Expr:
    """A referral was seen: it has a first attended contact date, or attended contacts."""
    return pl.col("first_contact_date").is_not_null() | (
        pl.col("contacts_attended").fill_null(0) > 0
    )


@dataclass(frozen=True)
class PullScope:
    """What the database filters before the rows reach polars (none: everything live)."""

    start: date | None = None
    end: date | None = None
    team_types: tuple[str, ...] = ()  # empty: every team type
    include_blank_team_type: bool = True


def store_fingerprint(engine: Engine) -> str:
    """Changes whenever a batch is committed, superseded or rolled back: a cache key."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(import_batch.c.id, import_batch.c.status, import_batch.c.rows_accepted).order_by(
                import_batch.c.id
            )
        ).all()
    text = ";".join(f"{i}:{s}:{n}" for i, s, n in rows)
    return hashlib.sha256(f"{engine.url.render_as_string()}|{text}".encode()).hexdigest()[:16]


def _query(scope: PullScope) -> Any:
    query = select(*(referral.c[c] for c in PLAN_COLUMNS)).where(live_referrals())
    if scope.team_types:
        teams: ColumnElement[bool] = referral.c.team_type.in_(scope.team_types)
        if scope.include_blank_team_type:
            teams = or_(teams, referral.c.team_type.is_(None))
        query = query.where(teams)
    if scope.end is not None:
        query = query.where(referral.c.referral_date <= scope.end)
    if scope.start is not None:
        start = scope.start
        still_open = and_(
            or_(referral.c.first_contact_date.is_(None), referral.c.first_contact_date >= start),
            or_(referral.c.discharge_date.is_(None), referral.c.discharge_date >= start),
            or_(referral.c.rejection_date.is_(None), referral.c.rejection_date >= start),
        )
        query = query.where(or_(referral.c.referral_date >= start, still_open))
    return query


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    casts = []
    for name, dtype in SCHEMA.items():
        column = pl.col(name)
        if dtype == pl.Date() and frame.schema[name] == pl.String():
            casts.append(column.str.to_date("%Y-%m-%d", strict=False))
        else:
            casts.append(column.cast(dtype, strict=False))
    return frame.select(casts)


def _sqlite_adbc(engine: Engine, scope: PullScope) -> pl.DataFrame | None:
    """Arrow columns straight from SQLite (None when the ADBC driver is not usable), read
    in a child process (:mod:`rehabdash.queries.arrow_pull` says why)."""
    path = engine.url.database
    if scope != PullScope() or not path or path == ":memory:":
        return None
    sql = str(_query(scope).compile(engine, compile_kwargs={"literal_binds": True}))
    frame = read_sqlite_arrow(path, sql)
    return None if frame is None else _typed(frame)


def _postgres_copy(engine: Engine, scope: PullScope) -> pl.DataFrame:
    """CSV streamed by COPY (parameters bound by psycopg) and parsed by polars."""
    compiled = _query(scope).compile(engine, compile_kwargs={"render_postcompile": True})
    sql = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    buffer = io.BytesIO()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(sql, compiled.construct_params()) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    text_schema = {n: (pl.String() if t == pl.Date() else t) for n, t in SCHEMA.items()}
    return _typed(pl.read_csv(buffer, schema=text_schema))


def pull_referrals(engine: Engine, scope: PullScope = PullScope()) -> pl.DataFrame:
    """Live referrals in ``scope`` with :data:`PLAN_COLUMNS`, typed as :data:`SCHEMA`."""
    if engine.dialect.name == "postgresql":
        return _postgres_copy(engine, scope)
    if engine.dialect.name == "sqlite":
        frame = _sqlite_adbc(engine, scope)
        if frame is not None:
            return frame
    with engine.connect() as conn:
        return fetch_frame(conn, _query(scope), SCHEMA)


class ReferralSource:
    """Pulls of one store, kept while the store is unchanged (the last few scopes), and
    the live reference tables beside them (area lookup, population, need weights)."""

    def __init__(self, engine: Engine, keep: int = 3) -> None:
        self.engine = engine
        self._keep = keep
        self._frames: OrderedDict[tuple[str, PullScope], pl.DataFrame] = OrderedDict()
        self._tables: tuple[str, dict[str, pl.DataFrame]] | None = None

    def tables(self, fingerprint: str) -> dict[str, pl.DataFrame]:
        """ "lookup", "population", "need", "neighbourhoods" and "sites": the live rows of
        each (queries.areas)."""
        if self._tables is None or self._tables[0] != fingerprint:
            tables = {
                "lookup": live_area_lookup(self.engine),
                "population": live_population(self.engine),
                "need": live_need_weights(self.engine),
                "neighbourhoods": live_neighbourhoods(self.engine),
                "sites": live_sites(self.engine),
            }
            self._tables = (fingerprint, tables)
        return self._tables[1]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def fingerprint(self) -> str:
        return store_fingerprint(self.engine)

    def holds(self, scope: PullScope, fingerprint: str) -> bool:
        """Whether the pull of ``scope`` is kept (:meth:`frame` returns it at once)."""
        return (fingerprint, scope) in self._frames

    def frame(self, scope: PullScope, fingerprint: str | None = None) -> pl.DataFrame:
        """The live referrals in ``scope`` (:func:`pull_referrals`), as pulled: polars keeps
        short strings inline, so Enum columns would save little (a million referrals:
        0.17 GB, not 0.21) and cost half a second to make and undo."""
        key = (fingerprint or self.fingerprint(), scope)
        if key in self._frames:
            self._frames.move_to_end(key)
            return self._frames[key]
        frame = pull_referrals(self.engine, scope)
        self._frames[key] = frame
        while len(self._frames) > self._keep:
            self._frames.popitem(last=False)
        return frame
