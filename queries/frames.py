"""Pull referral rows from the store into polars, where every indicator is computed.

SQL does only what it is good at here (filtering live batches and the period);
counting distinct people and grouping run in polars, an order of magnitude faster than
SQLite's COUNT(DISTINCT) on pseudonym keys. Rows are fetched through the driver's own
cursor: building SQLAlchemy Row objects would cost more than the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Date, Select, select
from sqlalchemy.engine import Connection, Engine

from rehabdash.queries.live import in_period, live_referrals, rehab_teams
from rehabdash.queries.periods import Period
from rehabdash.store.schema import referral

__all__ = ["FETCH_ROWS", "fetch_frame", "referral_frame"]

FETCH_ROWS = 2_000  # rows fetched and made into a frame at a time


def _param(value: Any) -> Any:
    # ISO text compares correctly with SQLite's text dates and is cast by PostgreSQL.
    return value.isoformat() if isinstance(value, date) else value


def fetch_frame(
    conn: Connection, query: Select[Any], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """Run ``query`` on the raw driver cursor and build a frame with ``schema``."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args: Any
    if compiled.positional:
        args = [_param(params[name]) for name in compiled.positiontup or ()]
    else:
        args = {k: _param(v) for k, v in params.items()}
    raw = conn.connection.driver_connection
    assert raw is not None
    text_dates: dict[str, pl.DataType] = (
        {k: pl.String() for k, v in schema.items() if v == pl.Date}
        if conn.dialect.name == "sqlite"
        else {}
    )
    read_as = {**schema, **text_dates}
    frames = []
    cur = raw.cursor()
    try:
        cur.execute(str(compiled), args)
        # In parts: the driver holds Python's lock while it builds a part's rows, so a
        # window's GUI thread waits at most a part's worth (a few ms), not the whole table.
        while rows := cur.fetchmany(FETCH_ROWS):
            frames.append(pl.DataFrame(rows, schema=read_as, orient="row"))
    finally:
        cur.close()
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=read_as)
    return frame.with_columns(pl.col(list(text_dates)).str.to_date()) if text_dates else frame


def referral_frame(engine: Engine, columns: Sequence[str], period: Period) -> pl.DataFrame:
    """Live rehab referrals received in ``period``, with the named columns."""
    cols = [referral.c[name] for name in columns]
    query = select(*cols).where(
        live_referrals(), rehab_teams(), in_period(period.start, period.end)
    )
    schema = {c.name: _polars_type(c.type) for c in cols}
    with engine.connect() as conn:
        return fetch_frame(conn, query, schema)


def _polars_type(sql_type: Any) -> pl.DataType:
    if isinstance(sql_type, Date):
        return pl.Date()
    python = sql_type.python_type
    if python is int:
        return pl.Int64()
    if python is float:
        return pl.Float64()
    return pl.Utf8()
