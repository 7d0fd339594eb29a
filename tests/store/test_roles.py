"""Reader and importer roles on a shared PostgreSQL store (DESIGN 12).

Login roles are made for each test (with a password, so this also works against a
server that does not trust local connections), connected to as themselves, and
checked for what they may and may not do.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from rehabdash.cli import main
from rehabdash.demo import generate
from rehabdash.demo.extract import write_extract
from rehabdash.errors import StoreError
from rehabdash.ingest import import_file
from rehabdash.store import open_store
from rehabdash.store.roles import setup_roles

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    path = tmp_path / "extract.csv"
    write_extract(generate(rows=300, seed=9), path)
    return path


def _as(url: str) -> Engine:
    return open_store(url)  # the schema is at head already: only reads alembic_version


def test_importer_imports_and_reader_reads(
    pg_url: str, logins: dict[str, str], extract: Path
) -> None:
    owner = open_store(pg_url)
    setup_roles(owner, readers=[logins["reader"]], importers=[logins["importer"]])
    importer = _as(logins["importer_url"])
    result = import_file(importer, extract, "activity", today=TODAY)
    assert result.rows_accepted > 0
    reader = _as(logins["reader_url"])
    with reader.connect() as conn:
        held = conn.execute(text("SELECT count(*) FROM referral")).scalar_one()
    assert held == result.rows_accepted
    for engine in (owner, importer, reader):
        engine.dispose()


def test_reader_cannot_write_or_see_the_key(
    pg_url: str, logins: dict[str, str], extract: Path
) -> None:
    setup_roles(open_store(pg_url), readers=[logins["reader"]])
    reader = _as(logins["reader_url"])
    with pytest.raises(ProgrammingError, match="permission denied"), reader.begin() as conn:
        conn.execute(text("SELECT value FROM store_secret"))
    with pytest.raises(ProgrammingError, match="permission denied"), reader.begin() as conn:
        conn.execute(text("INSERT INTO import_batch (kind) VALUES ('activity')"))
    with pytest.raises(StoreError, match="needs the rehabdash_importer role"):
        import_file(reader, extract, "activity", today=TODAY)
    reader.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM referral",
        "UPDATE referral SET sex = '9'",
        "DELETE FROM import_batch",
        "DROP TABLE row_issue",
        "CREATE TABLE scratch (x int)",
    ],
)
def test_importer_cannot_lose_or_alter_what_is_stored(
    pg_url: str, logins: dict[str, str], extract: Path, statement: str
) -> None:
    setup_roles(open_store(pg_url), importers=[logins["importer"]])
    importer = _as(logins["importer_url"])
    import_file(importer, extract, "activity", today=TODAY)
    with pytest.raises(ProgrammingError), importer.begin() as conn:
        conn.execute(text(statement))
    with importer.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM referral")).scalar_one() > 0
    importer.dispose()


def test_unknown_login_is_refused_in_one_line(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["roles", "--reader", "nobody_here", "--db", pg_url])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "rehabdash: error: there is no database role 'nobody_here': create its login first"
    )


def test_cli_grants_the_roles(
    pg_url: str, logins: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["roles", "--reader", logins["reader"], "--importer", logins["importer"], "--db", pg_url]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert f"granted rehabdash_reader to {logins['reader']}" in out
    admin = open_store(pg_url)
    with admin.connect() as conn:
        member_of = conn.execute(
            text("SELECT pg_has_role(:u, 'rehabdash_importer', 'MEMBER')"),
            {"u": logins["importer"]},
        ).scalar_one()
    assert member_of is True
    admin.dispose()


def test_sqlite_store_has_no_roles(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="file permissions"):
        setup_roles(open_store(f"sqlite:///{tmp_path / 's.db'}"))
