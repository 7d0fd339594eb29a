"""Shared fixtures: every test gets its own data folder and store; Qt runs offscreen.

``store_url`` is parametrised over both backends: a SQLite file, and a fresh database
on a real PostgreSQL server (see pg_cluster.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_cluster import throwaway_cluster
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point rehabdash's data and config folders at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("rehabdash_home")
    monkeypatch.setenv("REHABDASH_HOME", str(home))
    monkeypatch.delenv("REHABDASH_DB", raising=False)
    monkeypatch.delenv("REHABDASH_PSEUDONYM_KEY", raising=False)
    return home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database for the whole session."""
    given = os.environ.get("REHABDASH_TEST_PG_URL")
    if given:
        yield given
        return
    with throwaway_cluster() as url:
        yield url


def _fresh_pg_database(server_url: str) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = request.getfixturevalue("pg_server")
    url, name = _fresh_pg_database(server)
    yield url
    _drop_pg_database(server, name)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """An empty PostgreSQL database (for tests that are about PostgreSQL only)."""
    url, name = _fresh_pg_database(pg_server)
    yield url
    _drop_pg_database(pg_server, name)


@pytest.fixture
def logins(pg_url: str, pg_server: str) -> Iterator[dict[str, str]]:
    """A reader and an importer login role, made for one test: "reader" and "importer"
    name them, "reader_url" and "importer_url" connect to the store as each."""
    tag = uuid.uuid4().hex[:8]
    names = {"reader": f"rita_{tag}", "importer": f"ivan_{tag}"}
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f"CREATE ROLE \"{name}\" LOGIN PASSWORD 'pw-{tag}'"))
    urls = {
        kind: make_url(pg_url)
        .set(username=name, password=f"pw-{tag}")
        .render_as_string(hide_password=False)
        for kind, name in names.items()
    }
    yield {**names, **{f"{k}_url": v for k, v in urls.items()}}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    admin.dispose()
