"""Helpers for the import wizard tests: demo extracts with known bad rows, a store, driving."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from rehabdash.demo import generate
from rehabdash.demo.extract import write_extract
from rehabdash.store import open_store
from rehabdash.store.schema import import_batch, referral
from rehabdash.ui.import_wizard import ImportWizard, PageId
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskRunner

BAD_ROWS = 6  # referrals written without a referral date: each is rejected


def extract(tmp_path: Path, suffix: str, seed: int, rows: int = 2_000, bad: bool = True) -> Path:
    """A provider's extract written by the demo, with ``BAD_ROWS`` missing referral dates."""
    data = generate(rows=rows, seed=seed)
    if bad:
        refs = data.referrals.with_columns(
            pl.when(pl.int_range(pl.len()) < BAD_ROWS)
            .then(None)
            .otherwise(pl.col("referral_date"))
            .alias("referral_date")
        )
        data = replace(data, referrals=refs)
    path = tmp_path / f"extract-{seed}.{suffix}"
    write_extract(data, path)
    return path


def store(tmp_path: Path) -> Any:
    return open_store(f"sqlite:///{tmp_path / 'store.db'}")


def referral_rows(engine: Any, live_only: bool = False) -> int:
    query = select(func.count()).select_from(referral)
    if live_only:
        live = select(import_batch.c.id).where(import_batch.c.status == "committed")
        query = query.where(referral.c.batch_id.in_(live.scalar_subquery()))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def newest_batch(engine: Any) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(func.max(import_batch.c.id))).scalar()


def batch_statuses(engine: Any) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(import_batch.c.status).order_by(import_batch.c.id))
        return [str(r[0]) for r in rows]


def make_wizard(qtbot: QtBot, engine: Any, synchronous: bool = True) -> ImportWizard:
    wizard = ImportWizard(engine, TaskRunner(synchronous=synchronous), Settings())
    qtbot.addWidget(wizard)

    def unexpected(text: str) -> bool:
        raise AssertionError(f"unexpected question about overlaps: {text}")

    wizard.confirm_replace = unexpected  # a test that expects the question sets its own
    wizard.restart()  # hidden: restart() is what show() would do
    return wizard


def choose_file(wizard: ImportWizard, path: Path, kind: str = "activity", **fields: str) -> None:
    page = wizard.currentPage()
    assert wizard.currentId() == PageId.FILE
    page.kind.setCurrentIndex(page.kind.findData(kind))  # type: ignore[attr-defined]
    page.path.setText(str(path))  # type: ignore[attr-defined]
    for name, value in fields.items():
        getattr(page, name).setText(value)


def go_next(qtbot: QtBot, wizard: ImportWizard, expect: PageId) -> None:
    """Press Next once the current page is complete, and wait for page ``expect``."""
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=30_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == expect, timeout=30_000)


def wait_ready(qtbot: QtBot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=30_000)


SMALL_HEADER = "Patient ID,Referral ID,Provider,Referral Date"


def small_csv(path: Path, ids: range, header: str = SMALL_HEADER, extra: str = "") -> Path:
    """A few good referrals (P<i>, R<i>, RY1, 1 March 2024), each row ending in ``extra``."""
    rows = [f"P{i},R{i},RY1,01/03/2024{extra}" for i in ids]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def to_result(qtbot: QtBot, wizard: ImportWizard) -> None:
    """From the mapping page: preview, import, and wait for the result page."""
    go_next(qtbot, wizard, PageId.PREVIEW)
    wait_ready(qtbot, wizard)
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
