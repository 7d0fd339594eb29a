"""Withdrawing a batch: kept for audit, excluded from analysis (issue 11 item 5).

A file imported by mistake (the wrong provider's extract, a test file, a month sent
twice under two names) is taken out of analysis by *withdrawing* its batch: the status
becomes ``withdrawn`` and every count, lookup and duplicate check stops seeing it, since
they all read only live batches (``live_batches``). Nothing is deleted: the rows, the
row issues and the batch row stay, so the provenance of every past figure can still be
shown, and a withdrawn batch can be *reinstated*.

Who, when and why go in the batch's ``details`` JSON under ``"withdrawals"`` (a list:
a batch may be withdrawn, reinstated and withdrawn again). The reason is a user's free
text, so it is scrubbed of anything shaped like a patient identifier (an NHS number, a
date, a postcode) before it is stored, and kept to one short line.

Reinstating is refused when it would count something twice: a live batch holds the
same file (SHA-256; a file may be imported again once its batch is withdrawn), or live
batches already hold some of its rows (the same referrals, say, in a corrected
re-export). Withdrawing a batch that replaced others does not bring those back: they
stay superseded.

Both run in one transaction under the import lock (the one ``rehabdash.ingest.commit``
takes), so a reinstatement's checks and an import's duplicate checks see each other's
commits; if an import is being written they are refused at once rather than left
waiting. On a shared PostgreSQL store only the importer role may change a batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, and_, distinct, func, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from rehabdash.errors import StoreError
from rehabdash.store.batches import _user, live_batches, status_words, withdrawals
from rehabdash.store.schema import (
    LIVE,
    WITHDRAWN,
    area_lookup,
    import_batch,
    need_weight,
    neighbourhood,
    population,
    postcode_lsoa,
    referral,
    service_site,
)

__all__ = [
    "KEYS",
    "REASON_LIMIT",
    "BatchChange",
    "BatchSummary",
    "WithdrawalError",
    "batch_summary",
    "reinstate_batch",
    "withdraw_batch",
]

#: Characters of a reason kept (one line in the history).
REASON_LIMIT = 300
#: The import lock of rehabdash.ingest.commit (tests/store/test_withdraw.py keeps them equal).
_PG_IMPORT_LOCK = 0x5245484142
_INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(frozen=True)
class _Keys:
    table: Table
    columns: tuple[str, ...]  # the natural key (as rehabdash.ingest.overlaps.KINDS)
    kinds: tuple[str, ...]  # batch kinds whose rows share the table and the key


#: Where each batch kind's rows are and what makes two rows the same (a test checks these
#: against the import's own overlap keys).
KEYS: dict[str, _Keys] = {
    "activity": _Keys(referral, ("provider_code", "referral_id"), ("activity",)),
    "population": _Keys(population, ("area_code", "sex", "age_band", "year"), ("population",)),
    "imd": _Keys(area_lookup, ("lsoa", "imd_edition"), ("imd", "lookup")),
    "lookup": _Keys(area_lookup, ("lsoa", "imd_edition"), ("imd", "lookup")),
    "need": _Keys(need_weight, ("age_band", "sex", "condition_group"), ("need",)),
    "postcodes": _Keys(postcode_lsoa, ("postcode",), ("postcodes",)),
    "areas": _Keys(neighbourhood, ("area_type", "lsoa"), ("areas",)),
    "sites": _Keys(service_site, ("name", "site_type"), ("sites",)),
}


class WithdrawalError(StoreError):
    """A batch that cannot be withdrawn or reinstated as asked; nothing was changed.
    The message is one plain line naming the batch."""

    def __init__(self, message: str, batch_id: int) -> None:
        super().__init__(message)
        self.batch_id = batch_id


@dataclass(frozen=True)
class BatchSummary:
    """What withdrawing or reinstating a batch takes out of (or puts back into) analysis."""

    batch_id: int
    kind: str
    source_name: str
    status: str
    status_text: str  # the status in words (rehabdash.store.batches.status_words)
    rows: int  # rows the batch holds (accepted at import)
    period: str | None  # the reporting month given at import
    provider_code: str | None
    first_date: date | None  # activity: the earliest and latest referral dates held
    last_date: date | None
    replaced: tuple[int, ...]  # the batches it superseded (they stay superseded)

    @property
    def what(self) -> str:
        """One line: "batch 7 (march.csv): 3,000 referrals received 01/04/2024 to …"."""
        noun = "referrals" if self.kind == "activity" else f"{self.kind} rows"
        text = f"batch {self.batch_id} ({self.source_name}): {self.rows:,} {noun}"
        if self.first_date is not None and self.last_date is not None:
            text += f" received {self.first_date:%d/%m/%Y} to {self.last_date:%d/%m/%Y}"
        if self.period:
            text += f", reporting period {self.period}"
        return text


@dataclass(frozen=True)
class BatchChange:
    """A withdrawal or reinstatement done: the batch as it was, and the record kept."""

    summary: BatchSummary
    status: str  # the new status
    at: datetime
    by: str
    reason: str | None  # as stored (scrubbed); None for a reinstatement without one


def _row(conn: Connection, batch_id: int) -> Any:
    return conn.execute(select(import_batch).where(import_batch.c.id == batch_id)).first()


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite gives aggregate dates as text


def _summary(conn: Connection, row: Any) -> BatchSummary:
    first = last = None
    if row.kind == "activity":
        first, last = conn.execute(
            select(func.min(referral.c.referral_date), func.max(referral.c.referral_date)).where(
                referral.c.batch_id == row.id
            )
        ).one()
    replaced = conn.execute(
        select(import_batch.c.id)
        .where(import_batch.c.superseded_by == row.id)
        .order_by(import_batch.c.id)
    ).scalars()
    return BatchSummary(
        batch_id=int(row.id),
        kind=row.kind,
        source_name=row.source_name,
        status=row.status,
        status_text=status_words(row.status, row.superseded_by, row.details),
        rows=int(row.rows_accepted or 0),
        period=row.period,
        provider_code=row.provider_code,
        first_date=_date(first),
        last_date=_date(last),
        replaced=tuple(int(i) for i in replaced),
    )


def batch_summary(engine: Engine, batch_id: int) -> BatchSummary:
    """What batch ``batch_id`` holds (WithdrawalError if there is no such batch)."""
    with engine.connect() as conn:
        row = _row(conn, batch_id)
        if row is None:
            raise WithdrawalError(f"there is no batch {batch_id} in this store", batch_id)
        return _summary(conn, row)


def _reason(text: str | None, batch_id: int, doing: str, required: bool) -> str | None:
    """``text`` as stored: one line, identifiers masked, at most REASON_LIMIT characters."""
    from rehabdash.ingest.scrub import scrub  # masks NHS numbers, dates, postcodes, e-mails

    cleaned = scrub(text or "")
    if not cleaned:
        if required:
            raise WithdrawalError(
                f"give a reason for {doing} batch {batch_id}: it is kept in the audit trail",
                batch_id,
            )
        return None
    return cleaned if len(cleaned) <= REASON_LIMIT else cleaned[: REASON_LIMIT - 1] + "…"


@contextmanager
def _changing(engine: Engine, batch_id: int, doing: str) -> Iterator[Connection]:
    """One transaction holding the import lock; the store's refusals as one line."""
    try:
        with engine.connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                got = conn.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK}
                ).scalar_one()
                if not got:
                    raise WithdrawalError(_busy(batch_id, doing), batch_id)
            else:  # SQLite: the write lock now (waits the usual busy timeout, then refuses)
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn
    except OperationalError as exc:
        if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
            raise WithdrawalError(_busy(batch_id, doing), batch_id) from None
        raise _store_error(exc, batch_id, doing) from None
    except DBAPIError as exc:
        raise _store_error(exc, batch_id, doing) from None


def _busy(batch_id: int, doing: str) -> str:
    return (
        f"cannot {doing} batch {batch_id} now: an import is being written to this store; "
        "try again when it has finished"
    )


def _store_error(exc: DBAPIError, batch_id: int, doing: str) -> StoreError:
    from rehabdash.ingest.scrub import scrub_driver_message

    if getattr(exc.orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
        return WithdrawalError(
            f"cannot {doing} batch {batch_id}: your database role may not change batches "
            "(on a shared store only the rehabdash_importer role may)",
            batch_id,
        )
    reason = scrub_driver_message(str(exc.orig) if exc.orig is not None else str(exc))
    return StoreError(f"cannot {doing} batch {batch_id}: {reason}")


def _refuse_not(row: Any, batch_id: int, wanted: str, doing: str) -> None:
    """Refuse unless batch ``row`` exists and is ``wanted`` (LIVE or WITHDRAWN)."""
    if row is None:
        raise WithdrawalError(
            f"cannot {doing} batch {batch_id}: there is no such batch in this store", batch_id
        )
    if row.status == wanted:
        return
    now = status_words(row.status, row.superseded_by, row.details)
    if wanted == LIVE and row.status == "rolled back":
        why = "it is the audit row of an import that did not finish, and holds no data"
    elif wanted == LIVE and row.status == WITHDRAWN:
        why = f"it is already {now}"
    elif row.status == LIVE:
        why = "it is live, not withdrawn"
    else:
        why = f"it is {now}, not {'live' if wanted == LIVE else 'withdrawn'}"
    raise WithdrawalError(f"cannot {doing} batch {batch_id}: {why}", batch_id)


def withdraw_batch(
    engine: Engine, batch_id: int, reason: str, user: str | None = None
) -> BatchChange:
    """Take live batch ``batch_id`` out of analysis (kept for audit), recording who
    (``user``, default the login name), when and why. Raises WithdrawalError for a batch
    that does not exist or is not live, or an empty reason; nothing changes then."""
    stored = _reason(reason, batch_id, "withdrawing", required=True)
    by = (user or "").strip() or _user()
    at = datetime.now(UTC)
    with _changing(engine, batch_id, "withdraw") as conn:
        row = _row(conn, batch_id)
        _refuse_not(row, batch_id, LIVE, "withdraw")
        summary = _summary(conn, row)
        details = dict(row.details) if isinstance(row.details, dict) else {}
        record = {
            "withdrawn_at": at.isoformat(timespec="seconds"),
            "withdrawn_by": by,
            "reason": stored,
        }
        details["withdrawals"] = [*withdrawals(row.details), record]
        _set_status(conn, batch_id, LIVE, WITHDRAWN, details)
    return BatchChange(summary, WITHDRAWN, at, by, stored)


def _set_status(conn: Connection, batch_id: int, was: str, now: str, details: Any) -> None:
    done = conn.execute(
        update(import_batch)
        .where(import_batch.c.id == batch_id, import_batch.c.status == was)
        .values(status=now, details=details)
    )
    if done.rowcount != 1:  # pragma: no cover - the lock makes this unreachable
        raise WithdrawalError(f"batch {batch_id} changed while it was being updated", batch_id)


def _same_file(conn: Connection, row: Any) -> Any:
    return conn.execute(
        select(import_batch.c.id, import_batch.c.source_name, import_batch.c.finished_at)
        .where(
            import_batch.c.sha256 == row.sha256,
            import_batch.c.status == LIVE,
            import_batch.c.id != row.id,
        )
        .order_by(import_batch.c.id)
    ).first()


def _held_live(conn: Connection, row: Any) -> dict[int, int]:
    """Live batch id -> how many of batch ``row``'s rows it already holds (by natural key)."""
    spec = KEYS.get(row.kind)
    if spec is None:
        return {}
    mine, held = spec.table, spec.table.alias("held")
    same = [
        held.c[c] == mine.c[c]
        if not mine.c[c].nullable
        else held.c[c].is_not_distinct_from(mine.c[c])
        for c in spec.columns
    ]
    query = (
        select(held.c.batch_id, func.count(distinct(mine.c.id)))
        .select_from(mine.join(held, and_(*same)))
        .where(
            mine.c.batch_id == row.id,
            held.c.batch_id.in_(live_batches(*spec.kinds, exclude=[row.id]).scalar_subquery()),
        )
        .group_by(held.c.batch_id)
    )
    return {int(b): int(n) for b, n in conn.execute(query)}


def _label(conn: Connection, batch_id: int) -> str:
    name = conn.execute(
        select(import_batch.c.source_name).where(import_batch.c.id == batch_id)
    ).scalar()
    return f"batch {batch_id} ({name})"


def reinstate_batch(
    engine: Engine, batch_id: int, user: str | None = None, reason: str | None = None
) -> BatchChange:
    """Put withdrawn batch ``batch_id`` back into analysis, recording who and when (and
    why, if given). Raises WithdrawalError for a batch that does not exist or is not
    withdrawn, or whose file or rows are already live (it would count them twice)."""
    stored = _reason(reason, batch_id, "reinstating", required=False)
    by = (user or "").strip() or _user()
    at = datetime.now(UTC)
    with _changing(engine, batch_id, "reinstate") as conn:
        row = _row(conn, batch_id)
        _refuse_not(row, batch_id, WITHDRAWN, "reinstate")
        twin = _same_file(conn, row)
        if twin is not None:
            when = f" on {twin.finished_at:%d/%m/%Y}" if twin.finished_at else ""
            raise WithdrawalError(
                f"cannot reinstate batch {batch_id}: the same file is live as batch {twin.id} "
                f"({twin.source_name}, imported{when}); reinstating would count it twice",
                batch_id,
            )
        held = _held_live(conn, row)
        if held:
            noun = "referrals" if row.kind == "activity" else "rows"
            where = "; ".join(f"{n:,} by {_label(conn, b)}" for b, n in sorted(held.items()))
            raise WithdrawalError(
                f"cannot reinstate batch {batch_id}: live batches already hold some of its "
                f"{noun} ({where}); reinstating would count them twice",
                batch_id,
            )
        summary = _summary(conn, row)
        past = withdrawals(row.details)
        if past:
            past[-1] = {
                **past[-1],
                "reinstated_at": at.isoformat(timespec="seconds"),
                "reinstated_by": by,
                **({"reinstated_reason": stored} if stored else {}),
            }
        details = dict(row.details) if isinstance(row.details, dict) else {}
        details["withdrawals"] = past
        _set_status(conn, batch_id, WITHDRAWN, LIVE, details)
    return BatchChange(summary, LIVE, at, by, stored)
