"""Withdrawing a batch: kept for audit, excluded from analysis; reinstating it (issue 11
item 5). On SQLite and PostgreSQL; the roles on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash import snapshot
from rehabdash.demo import generate
from rehabdash.demo.extract import write_extract
from rehabdash.ingest import import_file
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.queries.overview import overview
from rehabdash.queries.referrals import ReferralSource, store_fingerprint
from rehabdash.store import open_store
from rehabdash.store.batches import BatchInfo, list_batches, record_batch, supersede_batch
from rehabdash.store.bulk import bulk_insert
from rehabdash.store.roles import setup_roles
from rehabdash.store.schema import LIVE, REFERRAL_COLUMNS, WITHDRAWN, import_batch, referral
from rehabdash.store.withdrawal import (
    KEYS,
    WithdrawalError,
    batch_summary,
    reinstate_batch,
    withdraw_batch,
)

FY = parse_filter(period="2024-25")
FIRST, SECOND = 60, 24  # referrals in the two activity batches, all in 2024-25


def _rows(n: int, prefix: str) -> pl.DataFrame:
    return referral_rows(
        person_key=[f"{prefix}{i:04d}" for i in range(n)],
        referral_id=[f"{prefix}{i:04d}" for i in range(n)],
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        referral_date=[dt.date(2024, 4 + i % 9, 1 + i % 20) for i in range(n)],
        first_contact_date=[dt.date(2025, 1, 10) if i % 3 else None for i in range(n)],
    )


def _add_activity(engine: Engine, rows: pl.DataFrame, name: str, sha: str) -> int:
    """A second activity batch, as an import would write it (one transaction)."""
    with engine.begin() as conn:
        info = BatchInfo(
            "activity", name, sha.ljust(64, "0"), rows_read=rows.height, rows_accepted=rows.height
        )
        batch = record_batch(conn, info)
        bulk_insert(
            conn,
            referral,
            rows.with_columns(pl.lit(batch).alias("batch_id")).select(REFERRAL_COLUMNS),
        )
    return batch


def _store(url: str) -> tuple[Engine, int, int]:
    """A store with the lookup, the population and two activity batches; their ids."""
    pop = population_rows({(lsoa, sex, "70-74"): 400 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    lookup = lookup_rows({LSOAS[0]: 1, LSOAS[1]: 9})
    engine = write_store(url, _rows(FIRST, "a"), people=pop, lookup=lookup)
    first = int(max(list_batches(engine)["id"]))
    second = _add_activity(engine, _rows(SECOND, "b"), "march-resent.csv", "b" * 64)
    return engine, first, second


def _status(engine: Engine, batch_id: int) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(import_batch.c.status).where(import_batch.c.id == batch_id)
            ).scalar_one()
        )


def _details(engine: Engine, batch_id: int) -> dict[str, object]:
    with engine.connect() as conn:
        found = conn.execute(
            select(import_batch.c.details).where(import_batch.c.id == batch_id)
        ).scalar_one()
    assert isinstance(found, dict)
    return found


def _people_referred(plan: PlanEngine) -> float:
    found = next(i for i in plan.breakdown(FY, "sex", ("access",)) if i.metric == "people_referred")
    row = found.row("All")
    assert row is not None
    return float(row["value"])


@pytest.fixture
def store(store_url: str) -> Iterator[tuple[Engine, int, int]]:
    engine, first, second = _store(store_url)
    yield engine, first, second
    engine.dispose()


def test_withdrawn_rows_leave_the_plan_and_the_overview(store: tuple[Engine, int, int]) -> None:
    engine, _first, second = store
    plan = PlanEngine(ReferralSource(engine))  # one engine throughout: its caches too
    summary = overview(engine)
    assert summary is not None
    assert summary.headline.referrals == FIRST + SECOND  # every referral is a rehab one (26)
    assert _people_referred(plan) == FIRST + SECOND  # one person a referral

    change = withdraw_batch(engine, second, "sent twice under another name", user="ann")
    assert change.status == WITHDRAWN
    assert change.summary.rows == SECOND
    assert change.summary.source_name == "march-resent.csv"

    summary = overview(engine)
    assert summary is not None
    assert summary.headline.referrals == FIRST
    assert summary.headline.people_referred == FIRST
    assert sum(summary.monthly.referrals) == FIRST
    assert _people_referred(plan) == FIRST  # the kept plan was not reused

    reinstate_batch(engine, second, user="bob")
    assert _people_referred(plan) == FIRST + SECOND
    again = overview(engine)
    assert again is not None
    assert again.headline.referrals == FIRST + SECOND


def test_the_audit_is_kept(store: tuple[Engine, int, int]) -> None:
    engine, _first, second = store
    withdraw_batch(engine, second, "  wrong provider's\nextract  ", user="ann")
    with engine.connect() as conn:  # every row is still there
        held = conn.execute(
            select(func.count()).select_from(referral).where(referral.c.batch_id == second)
        ).scalar_one()
    assert held == SECOND
    record = _details(engine, second)["withdrawals"]
    assert isinstance(record, list)
    assert len(record) == 1
    (entry,) = record
    assert entry["withdrawn_by"] == "ann"
    assert entry["reason"] == "wrong provider's extract"  # one line
    stamp = dt.datetime.fromisoformat(entry["withdrawn_at"])
    assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    listed = list_batches(engine).filter(pl.col("id") == second).row(0, named=True)
    assert listed["status"] == WITHDRAWN
    today = f"{stamp.astimezone():%d/%m/%Y}"
    assert listed["status_text"] == f"withdrawn {today} by ann: wrong provider's extract"

    reinstate_batch(engine, second, user="bob", reason="it was the right file after all")
    (entry,) = _details(engine, second)["withdrawals"]  # type: ignore[misc]
    assert entry["reinstated_by"] == "bob"
    assert entry["reinstated_reason"] == "it was the right file after all"
    assert entry["reason"] == "wrong provider's extract"  # the withdrawal's record stays
    listed = list_batches(engine).filter(pl.col("id") == second).row(0, named=True)
    assert listed["status"] == LIVE
    assert listed["status_text"].startswith(f"committed (reinstated {today} by bob")

    withdraw_batch(engine, second, "withdrawn again", user="cat")
    past = _details(engine, second)["withdrawals"]
    assert isinstance(past, list)
    assert [w["withdrawn_by"] for w in past] == ["ann", "cat"]


def test_no_patient_identifier_reaches_the_record(store: tuple[Engine, int, int]) -> None:
    engine, _first, second = store
    reason = "holds 943 476 5919 (born 12/05/1950, LS1 4DY) by mistake"
    change = withdraw_batch(engine, second, reason, user="ann")
    assert change.reason == "holds [number] (born [date], [postcode]) by mistake"
    with engine.connect() as conn:
        row = conn.execute(select(import_batch).where(import_batch.c.id == second)).one()
    # Only what was written as text: a timestamp's microseconds or the file's
    # hash may hold "943" by chance.
    stored = " ".join(
        str(value)
        for name, value in row._mapping.items()
        if name != "sha256" and isinstance(value, (str, dict, list))
    )
    assert "[number]" in stored
    for clear in ("943", "5919", "1950", "LS1"):
        assert clear not in stored


def test_a_long_reason_is_cut_to_one_short_line(store: tuple[Engine, int, int]) -> None:
    engine, _first, second = store
    change = withdraw_batch(engine, second, "word " * 200, user="ann")
    assert change.reason is not None
    assert len(change.reason) == 300
    assert change.reason.endswith("…")


def test_withdrawing_changes_the_store_fingerprint(store: tuple[Engine, int, int]) -> None:
    engine, _first, second = store
    url = engine.url.render_as_string(hide_password=False)
    before, taken = store_fingerprint(engine), snapshot.fingerprint(url)
    withdraw_batch(engine, second, "a test file", user="ann")
    withdrawn = store_fingerprint(engine)
    assert withdrawn != before
    assert snapshot.fingerprint(url) != taken  # the start-up overview is not reused either
    reinstate_batch(engine, second, user="ann")
    assert store_fingerprint(engine) == before  # the same live data as before: the same key


def _one_line(exc: pytest.ExceptionInfo[WithdrawalError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_refusals_name_the_batch_and_change_nothing(store: tuple[Engine, int, int]) -> None:
    engine, first, second = store
    with engine.begin() as conn:
        failed = record_batch(conn, BatchInfo("activity", "bad.csv", "c" * 64), "rolled back")
        newer = record_batch(conn, BatchInfo("activity", "newer.csv", "d" * 64))
        supersede_batch(conn, first, newer)
    before = store_fingerprint(engine)
    cases = [
        (lambda: withdraw_batch(engine, 999, "x"), "cannot withdraw batch 999: there is no such"),
        (lambda: withdraw_batch(engine, failed, "x"), "an import that did not finish"),
        (lambda: withdraw_batch(engine, first, "x"), f"superseded by batch {newer}, not live"),
        (lambda: withdraw_batch(engine, second, "   "), "give a reason for withdrawing"),
        (lambda: reinstate_batch(engine, second), "it is live, not withdrawn"),
        (lambda: reinstate_batch(engine, 999), "cannot reinstate batch 999: there is no such"),
        (lambda: reinstate_batch(engine, failed), "it is rolled back, not withdrawn"),
    ]
    for call, words in cases:
        with pytest.raises(WithdrawalError) as exc:
            call()
        assert words in _one_line(exc)
    assert store_fingerprint(engine) == before
    withdraw_batch(engine, second, "a test file", user="ann")
    with pytest.raises(WithdrawalError) as exc:
        withdraw_batch(engine, second, "again")
    assert "cannot withdraw batch" in _one_line(exc)
    assert "it is already withdrawn" in _one_line(exc)
    assert "by ann: a test file" in _one_line(exc)
    assert exc.value.batch_id == second
    assert len(_details(engine, second)["withdrawals"]) == 1  # type: ignore[arg-type]


def test_reinstating_what_is_live_again_is_refused(store: tuple[Engine, int, int]) -> None:
    engine, _first, second = store
    withdraw_batch(engine, second, "re-sent with corrections", user="ann")
    # The same file imported again (its batch was withdrawn, so the import accepts it).
    twin = _add_activity(engine, _rows(4, "c"), "march.csv", "b" * 64)
    with pytest.raises(WithdrawalError) as exc:
        reinstate_batch(engine, second)
    assert f"the same file is live as batch {twin} (march.csv" in _one_line(exc)
    assert _status(engine, second) == WITHDRAWN
    withdraw_batch(engine, twin, "not needed", user="ann")
    # A corrected re-export: another file, but 10 of the same referrals.
    fixed = _add_activity(engine, _rows(10, "b"), "march-fixed.csv", "e" * 64)
    with pytest.raises(WithdrawalError) as exc:
        reinstate_batch(engine, second)
    assert (
        f"live batches already hold some of its referrals (10 by batch {fixed} "
        "(march-fixed.csv)); reinstating would count them twice" in _one_line(exc)
    )
    withdraw_batch(engine, fixed, "the old one was right", user="ann")
    assert reinstate_batch(engine, second).status == LIVE


def test_withdrawing_a_replacement_leaves_what_it_replaced_superseded(
    store: tuple[Engine, int, int],
) -> None:
    engine, first, second = store
    with engine.begin() as conn:
        supersede_batch(conn, first, second)
    summary = batch_summary(engine, second)
    assert summary.replaced == (first,)
    assert summary.first_date == dt.date(2024, 4, 1)
    assert summary.last_date == max(_rows(SECOND, "b")["referral_date"])
    withdraw_batch(engine, second, "wrong file", user="ann")
    assert _status(engine, first) == "superseded"
    assert overview(engine) is None  # no live activity left at all


def test_a_file_can_be_imported_again_once_withdrawn(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    write_extract(generate(rows=300, seed=9), path)
    engine = open_store(store_url)
    today = dt.date(2025, 6, 30)
    first = import_file(engine, path, "activity", today=today)
    withdraw_batch(engine, first.batch_id, "imported into the wrong store", user="ann")
    again = import_file(engine, path, "activity", today=today)  # not refused as a duplicate
    assert again.rows_accepted == first.rows_accepted  # nothing held live repeats it
    with pytest.raises(WithdrawalError, match=f"the same file is live as batch {again.batch_id}"):
        reinstate_batch(engine, first.batch_id)
    engine.dispose()


def test_an_import_being_written_makes_it_wait_no_longer_than_a_moment(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rehabdash.store.engine._BUSY_MS", 200)  # SQLite's wait for the lock
    engine, _first, second = _store(store_url)
    other = open_store(store_url)
    with other.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":  # what an import takes (rehabdash.ingest.commit)
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x5245484142})
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        with pytest.raises(WithdrawalError, match="an import is being written to this store"):
            withdraw_batch(engine, second, "x", user="ann")
    assert _status(engine, second) == LIVE
    withdraw_batch(engine, second, "x", user="ann")  # once it has finished
    for eng in (engine, other):
        eng.dispose()


def test_it_takes_the_import_lock_and_knows_the_import_keys() -> None:
    from rehabdash.ingest import commit, overlaps
    from rehabdash.store import withdrawal

    assert withdrawal._PG_IMPORT_LOCK == commit._PG_IMPORT_LOCK
    for kind, spec in overlaps.KINDS.items():
        assert KEYS[kind].table is spec.table
        assert KEYS[kind].columns == spec.keys
        assert KEYS[kind].kinds == spec.batch_kinds
    assert KEYS["lookup"] == KEYS["imd"]


def test_the_status_column_needs_no_migration(store_url: str) -> None:
    """The status is free text on both backends: no CHECK constraint or enum to widen."""
    engine = open_store(store_url)
    assert inspect(engine).get_check_constraints("import_batch") == []
    column = next(c for c in inspect(engine).get_columns("import_batch") if c["name"] == "status")
    assert getattr(column["type"], "length", 0) >= len(WITHDRAWN)
    engine.dispose()


# ---------------------------------------------------------------- PostgreSQL roles


def test_only_an_importer_may_withdraw_or_reinstate(pg_url: str, logins: dict[str, str]) -> None:
    setup_roles(open_store(pg_url), readers=[logins["reader"]], importers=[logins["importer"]])
    owner, _first, second = _store(pg_url)  # after the roles: the store's key is made first
    reader, importer = open_store(logins["reader_url"]), open_store(logins["importer_url"])
    with pytest.raises(WithdrawalError) as exc:
        withdraw_batch(reader, second, "not mine to withdraw")
    assert _one_line(exc) == (
        f"cannot withdraw batch {second}: your database role may not change batches "
        "(on a shared store only the rehabdash_importer role may)"
    )
    assert _status(owner, second) == LIVE
    change = withdraw_batch(importer, second, "a test file")
    assert change.by  # the login name
    assert _status(reader, second) == WITHDRAWN  # the reader sees it
    with pytest.raises(WithdrawalError, match="your database role may not change batches"):
        reinstate_batch(reader, second)
    reinstate_batch(importer, second)
    assert _status(owner, second) == LIVE
    with pytest.raises(Exception, match="permission denied"), importer.begin() as conn:
        conn.execute(update(referral).values(sex="9"))  # still no change to data rows
    for engine in (owner, reader, importer):
        engine.dispose()
