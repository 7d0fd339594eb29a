"""Withdrawing and reinstating a batch from the Import page's history (issue 11 item 5):
select it, give a reason in the (patched) dialog, and the history, the store and the
page's ``batches_changed`` signal all follow; on the task runner's database lane."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from PySide6.QtCore import SIGNAL, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import referral_rows, write_store

from rehabdash.queries.overview import overview
from rehabdash.store.batches import BatchInfo, record_batch
from rehabdash.store.bulk import bulk_insert
from rehabdash.store.schema import REFERRAL_COLUMNS, import_batch, referral
from rehabdash.store.withdrawal import BatchSummary, batch_summary
from rehabdash.ui.import_wizard import withdraw_dialog
from rehabdash.ui.import_wizard.withdraw_dialog import WithdrawDialog, excluded_lines
from rehabdash.ui.main_window import MainWindow
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.pages.registry import PAGES
from rehabdash.ui.tasks import TaskRunner
from rehabdash.ui.theme import DARK_PINK

FIRST, SECOND = 30, 12
STATUS = 2  # the history's Status column


def _rows(n: int, prefix: str) -> pl.DataFrame:
    return referral_rows(
        person_key=[f"{prefix}{i}" for i in range(n)],
        referral_id=[f"{prefix}{i}" for i in range(n)],
        referral_date=[dt.date(2024, 5 + i % 6, 3) for i in range(n)],
    )


def _second(engine: Engine, rows: pl.DataFrame, name: str, sha: str, period: str | None) -> int:
    with engine.begin() as conn:
        info = BatchInfo("activity", name, sha * 64, rows_read=rows.height, period=period)
        info.rows_accepted = rows.height
        batch = record_batch(conn, info)
        bulk_insert(
            conn,
            referral,
            rows.with_columns(pl.lit(batch).alias("batch_id")).select(REFERRAL_COLUMNS),
        )
    return batch


def _store(tmp_path: Path) -> tuple[str, Engine, int, int]:
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = write_store(url, _rows(FIRST, "a"))  # batch 1
    second = _second(engine, _rows(SECOND, "b"), "october-resent.csv", "b", "2024-10")
    return url, engine, 1, second


def _status(engine: Engine, batch_id: int) -> str:
    with engine.connect() as conn:
        found = conn.execute(select(import_batch.c.status).where(import_batch.c.id == batch_id))
        return str(found.scalar_one())


def _referrals(engine: Engine) -> int:
    summary = overview(engine)
    return 0 if summary is None else summary.headline.referrals


class Lanes:
    """Records the lane of every task the page starts."""

    def __init__(self, runner: TaskRunner) -> None:
        self.seen: list[tuple[str, str]] = []
        start = runner.start

        def recording(kind: str, work: Any, done: Any, *args: Any, **kwargs: Any) -> None:
            self.seen.append((kind, kwargs.get("lane", "database")))
            start(kind, work, done, *args, **kwargs)

        runner.start = recording


def _page(qtbot: QtBot, engine: Engine) -> tuple[ImportPage, Lanes]:
    runner = TaskRunner()
    lanes = Lanes(runner)
    page = ImportPage(lambda: engine, runner)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.history_loaded, timeout=20_000):
        page.show()
    return page, lanes


def _row_of(page: ImportPage, batch_id: int) -> int:
    model = page.history_model
    return next(r for r in range(model.rowCount()) if model.value(r, 0) == batch_id)


def _shown_status(page: ImportPage, batch_id: int) -> str:
    model = page.history_model
    return str(model.data(model.index(_row_of(page, batch_id), STATUS)))


def _select(page: ImportPage, batch_id: int) -> None:
    page.history.selectRow(_row_of(page, batch_id))


class PatchedDialog:
    """Stands in for the user at the withdraw dialog: reads what it shows, types a reason."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, reason: str | None) -> None:
        self.shown: dict[str, str] = {}
        self.title = ""
        self.ok_enabled_before: bool | None = None
        self.ok_enabled_after: bool | None = None
        patched = self

        def exec_(dialog: WithdrawDialog) -> int:
            patched.shown = {k: v.text() for k, v in dialog.values.items()}
            patched.title = dialog.windowTitle()
            patched.ok_enabled_before = dialog.ok.isEnabled()
            if reason is None:
                return int(QDialog.DialogCode.Rejected.value)
            dialog.reason.setText(reason)
            patched.ok_enabled_after = dialog.ok.isEnabled()
            return int(QDialog.DialogCode.Accepted.value)

        monkeypatch.setattr(withdraw_dialog.WithdrawDialog, "exec", exec_)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_withdraw_the_selected_batch(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _url, engine, first, second = _store(tmp_path)
    page, lanes = _page(qtbot, engine)
    assert not page.withdraw_button.isEnabled()  # nothing selected yet
    _select(page, second)
    assert page.withdraw_button.isEnabled()
    assert not page.reinstate_button.isEnabled()
    assert page.batch_note.text() == f"Batch {second} (october-resent.csv): committed."
    dialog = PatchedDialog(monkeypatch, "sent twice under another name")
    with qtbot.waitSignals([page.batches_changed, page.history_loaded], timeout=20_000):
        page.withdraw_button.click()

    # The dialog said what would leave analysis.
    assert dialog.title == f"Withdraw batch {second}?"
    assert dialog.shown["File"] == "october-resent.csv"
    assert dialog.shown["Rows"] == f"{SECOND} referrals"
    dates = _rows(SECOND, "b")["referral_date"]
    assert dialog.shown["Referral dates"] == f"{min(dates):%d/%m/%Y} to {max(dates):%d/%m/%Y}"
    assert dialog.shown["Reporting period"] == "2024-10"
    assert dialog.ok_enabled_before is False
    assert dialog.ok_enabled_after is True

    # The store, the history and the page's words follow.
    assert _status(engine, second) == "withdrawn"
    assert _referrals(engine) == FIRST
    today = f"{dt.datetime.now().astimezone():%d/%m/%Y}"
    shown = _shown_status(page, second)
    assert shown.startswith(f"withdrawn {today} by ")
    assert shown.endswith(": sent twice under another name")
    assert _shown_status(page, first) == "committed"
    assert page.status.text() == (
        f"Batch {second} (october-resent.csv) was withdrawn: its {SECOND} referrals are kept "
        "for audit and no longer counted."
    )
    assert page.batch_note.text() == f"Batch {second} (october-resent.csv): {shown}."
    assert page.selected_batch() is not None
    assert page.selected_batch()["id"] == second
    assert page.reinstate_button.isEnabled()
    assert not page.withdraw_button.isEnabled()
    kinds = [kind for kind, _lane in lanes.seen]
    assert kinds == [
        "import-page.history",
        "import-page.batch",
        "import-page.withdraw",
        "import-page.history",
    ]
    assert {lane for _kind, lane in lanes.seen} == {"database"}


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_cancelled_dialog_changes_nothing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _url, engine, _first, second = _store(tmp_path)
    page, lanes = _page(qtbot, engine)
    _select(page, second)
    fired: list[bool] = []
    page.batches_changed.connect(lambda: fired.append(True))
    PatchedDialog(monkeypatch, None)
    page.withdraw_button.click()
    qtbot.waitUntil(lambda: "Nothing was changed" in page.status.text(), timeout=20_000)
    assert _status(engine, second) == "committed"
    assert fired == []
    assert page.withdraw_button.isEnabled()  # ready to try again
    assert [k for k, _l in lanes.seen] == ["import-page.history", "import-page.batch"]


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_reinstate_and_its_refusal(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _url, engine, _first, second = _store(tmp_path)
    page, _lanes = _page(qtbot, engine)
    _select(page, second)
    PatchedDialog(monkeypatch, "a test file")
    with qtbot.waitSignals([page.batches_changed, page.history_loaded], timeout=20_000):
        page.withdraw_button.click()
    # The same file is imported again meanwhile: reinstating would count it twice.
    twin = _second(engine, _rows(3, "c"), "october.csv", "b", None)
    with qtbot.waitSignal(page.history_loaded, timeout=20_000):
        page.refresh()
    _select(page, second)
    asked: list[BatchSummary] = []

    def confirm(summary: BatchSummary) -> bool:
        asked.append(summary)
        return True

    page.confirm_reinstate = confirm
    fired: list[bool] = []
    page.batches_changed.connect(lambda: fired.append(True))
    page.reinstate_button.click()
    qtbot.waitUntil(lambda: "cannot reinstate" in page.status.text().lower(), timeout=20_000)
    assert page.status.text() == (
        f"Cannot reinstate batch {second}: the same file is live as batch {twin} (october.csv, "
        f"imported on {dt.datetime.now(dt.UTC):%d/%m/%Y}); reinstating would count it twice."
    )
    assert DARK_PINK in page.status.styleSheet()
    assert fired == []
    assert asked[0].batch_id == second
    assert asked[0].status == "withdrawn"
    assert _status(engine, second) == "withdrawn"

    # Once the twin is withdrawn, the old batch comes back.
    _select(page, twin)
    PatchedDialog(monkeypatch, "the old one was right")
    with qtbot.waitSignals([page.batches_changed, page.history_loaded], timeout=20_000):
        page.withdraw_button.click()
    _select(page, second)
    with qtbot.waitSignals([page.batches_changed, page.history_loaded], timeout=20_000):
        page.reinstate_button.click()
    assert _status(engine, second) == "committed"
    assert _referrals(engine) == FIRST + SECOND
    assert _shown_status(page, second).startswith("committed (reinstated ")
    assert page.status.text().endswith(f"its {SECOND} referrals are counted again.")
    assert DARK_PINK not in page.status.styleSheet()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_dialog_needs_a_reason_and_names_what_leaves(qtbot: QtBot, tmp_path: Path) -> None:
    _url, engine, first, second = _store(tmp_path)
    with engine.begin() as conn:
        conn.execute(
            import_batch.update()
            .where(import_batch.c.id == first)
            .values(status="superseded", superseded_by=second)
        )
    summary = batch_summary(engine, second)
    dialog = WithdrawDialog(summary)
    qtbot.addWidget(dialog)
    assert dict(excluded_lines(summary))["Replaced"].startswith(f"batch {first}: stays superseded")
    assert dialog.values["Replaced"].text() == dict(excluded_lines(summary))["Replaced"]
    assert not dialog.ok.isEnabled()
    dialog.show()
    qtbot.keyClicks(dialog.reason, "   ")
    assert not dialog.ok.isEnabled()  # blanks are no reason
    qtbot.keyClicks(dialog.reason, "wrong provider")
    assert dialog.ok.isEnabled()
    for widget in (dialog.reason, dialog.ok, *dialog.values.values()):
        assert widget.accessibleName()
    assert dialog.reason.maxLength() == 300
    from rehabdash.store.withdrawal import REASON_LIMIT

    assert dialog.reason.maxLength() == REASON_LIMIT
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted.value  # Enter withdraws
    again = WithdrawDialog(summary)
    qtbot.addWidget(again)
    again.show()
    qtbot.keyClick(again.reason, Qt.Key.Key_Return)  # no reason yet: Enter does nothing
    assert again.isVisible()
    qtbot.keyClick(again.reason, Qt.Key.Key_Escape)
    assert again.result() == QDialog.DialogCode.Rejected.value


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_window_redraws_the_overview_when_a_batch_is_withdrawn(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection the window needs (ui/main_window.py):
    ``import_page.batches_changed.connect(self.refresh)``."""
    url, _engine, _first, second = _store(tmp_path)
    window = MainWindow(url)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.overview.shown_with_data, timeout=20_000):
        window.load()
    if window.import_page.receivers(SIGNAL("batches_changed()")) == 0:  # not connected yet
        window.import_page.batches_changed.connect(window.refresh)
    tile = window.overview.tiles["referrals"].value
    assert tile.text() == f"{FIRST + SECOND:,}"
    page = window.import_page
    window.nav.setCurrentRow([spec.key for spec in PAGES].index("import_page"))
    qtbot.waitUntil(lambda: page.history_model.rowCount() == 2, timeout=20_000)
    _select(page, second)
    PatchedDialog(monkeypatch, "sent twice")
    page.withdraw_button.click()
    qtbot.waitUntil(lambda: tile.text() == f"{FIRST:,}", timeout=20_000)
    assert window.current_page() is page  # the user stays where they were
    window.runner.wait()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_an_unexpected_failure_is_reported_and_the_page_recovers(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehabdash.store import withdrawal
    from rehabdash.ui.errors import what_failed

    _url, engine, _first, second = _store(tmp_path)
    page, _lanes = _page(qtbot, engine)
    _select(page, second)

    def broken(_engine: Engine, _batch_id: int) -> BatchSummary:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(withdrawal, "batch_summary", broken)
    with qtbot.waitSignal(page._runner.error, timeout=20_000) as failed:
        page.withdraw_button.click()
    kind = failed.args[0] if failed.args else ""
    assert kind == "import-page.batch"
    assert what_failed(kind) == "Could not read the batch"
    assert what_failed("import-page.withdraw") == "Could not withdraw the batch"
    assert what_failed("import-page.reinstate") == "Could not reinstate the batch"
    assert page.status.text() == (
        "The batch was not changed: the store could not be read or written."
    )
    assert page.withdraw_button.isEnabled()  # ready to try again
    assert _status(engine, second) == "committed"
