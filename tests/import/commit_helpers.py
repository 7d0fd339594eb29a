"""Shared constants and helpers for the import (commit) tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from rehabdash.store.schema import (
    LIVE,
    area_lookup,
    import_batch,
    metadata,
    need_weight,
    neighbourhood,
    population,
    postcode_lsoa,
    referral,
    row_issue,
    service_site,
)

DEMO_ROWS = 3_000
DEMO_SEED = 4
TODAY = dt.date(2025, 6, 30)
DATA_TABLES = (
    referral,
    population,
    area_lookup,
    need_weight,
    postcode_lsoa,
    neighbourhood,
    service_site,
    row_issue,
)


#: The ONS mid-year layout's five-year age columns (the population tests' files).
POPULATION_BANDS = [
    "age_00_04",
    "age_05_09",
    *[f"age_{a:02d}_{a + 4:02d}" for a in range(10, 90, 5)],
]


def csv_file(path: Path, header: str, rows: list[str]) -> Path:
    """A CSV of a header line and ``rows`` (UTF-8)."""
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def population_csv(path: Path, lsoas: list[str], year: int = 2020, each: int = 10) -> Path:
    """An ONS-layout population file: ``each`` persons in every band of every LSOA."""
    header = "lsoa11_code,mid_year," + ",".join([*POPULATION_BANDS, "age_90_plus"]) + ",all_ages"
    rows = [f"{lsoa},{year}," + ",".join([str(each)] * 19) + f",{19 * each}" for lsoa in lsoas]
    return csv_file(path, header, rows)


def every_table(engine: Engine) -> dict[str, int]:
    """Rows of every table but import_batch (which gains a refusal's audit row)."""
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
            if t.name != "import_batch"
        }


def live_ids(engine: Engine) -> list[int]:
    """The ids of the live batches, in order."""
    with engine.connect() as conn:
        query = select(import_batch.c.id).where(import_batch.c.status == LIVE)
        return sorted(int(i) for i in conn.execute(query).scalars())


def counts(engine: Engine) -> dict[str, int]:
    """Rows in every data table (import_batch apart)."""
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in DATA_TABLES
        }


def batches(engine: Engine) -> list[tuple[int, str, str, int, int, int]]:
    """(id, kind, status, rows read, accepted, rejected) of every batch, oldest first."""
    cols = [
        import_batch.c.id,
        import_batch.c.kind,
        import_batch.c.status,
        import_batch.c.rows_read,
        import_batch.c.rows_accepted,
        import_batch.c.rows_rejected,
    ]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*cols).order_by(import_batch.c.id))]  # type: ignore[misc]


def referrals_of(engine: Engine, batch_id: int | None = None) -> pl.DataFrame:
    query = select(referral).order_by(referral.c.id)
    if batch_id is not None:
        query = query.where(referral.c.batch_id == batch_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pl.DataFrame(
        [tuple(r) for r in rows], schema=list(referral.columns.keys()), orient="row"
    )


def write_part(extract: Path, target: Path, start: int, stop: int) -> Path:
    """Rows [start, stop) of a CSV extract, as another file with the same header."""
    frame = pl.read_csv(extract, infer_schema=False)
    frame.slice(start, stop - start).write_csv(target)
    return target


def issue_rows(engine: Engine, batch_id: int, rule: str) -> list[int]:
    """Source rows of a batch's row issues under ``rule``, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(row_issue.c.source_row).where(
                row_issue.c.batch_id == batch_id, row_issue.c.rule == rule
            )
        ).scalars()
        return sorted(rows)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``rehabdash ARGS`` as a real subprocess (the test's REHABDASH_HOME applies)."""
    return subprocess.run(
        [sys.executable, "-m", "rehabdash", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a command that failed as a user's mistake (exit 2)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def store_text(engine: Engine) -> str:
    """Every value of every table in the store, as one text (for "never stored" checks)."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    parts = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(" ".join("" if v is None else str(v) for v in row))
    return "\n".join(parts)
