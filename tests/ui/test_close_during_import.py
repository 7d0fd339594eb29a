"""Closing the main window while an import runs (issue 9, item 10).

The window asks first; Cancel rolls the import back and Wait lets it commit, and either
way the window closes only once the task has ended, with no worker left behind. The
imports are real (a demo extract into a real store, on both backends where it matters);
a gate holds each one at a known point, inside its transaction, until the test or a
cancel lets it go, so "still running when the window is closed" does not depend on size.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QCloseEvent
from pytestqt.qtbot import QtBot
from wizard_helpers import batch_statuses, choose_file, extract, go_next, referral_rows

from rehabdash import ingest
from rehabdash.ui.import_wizard import ImportWizard, PageId
from rehabdash.ui.import_wizard.wizard import Running
from rehabdash.ui.main_window import CloseChoice, MainWindow
from rehabdash.ui.tasks import TaskContext


class Gate:
    """Holds a core step at its first progress message containing ``marker``.

    The worker waits there until the test sets ``release`` or the step's own
    ``cancel()`` turns True, then goes on exactly as it would have.
    """

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def hold(self, monkeypatch: pytest.MonkeyPatch, name: str, marker: str) -> None:
        real = getattr(ingest, name)

        def gated(*args: Any, progress: Any, cancel: Callable[[], bool], **kwargs: Any) -> Any:
            def report(fraction: float, message: str) -> None:
                if marker in message and not self.reached.is_set():
                    self.reached.set()
                    while not (self.release.wait(0.01) or cancel()):
                        pass
                progress(fraction, message)

            return real(*args, progress=report, cancel=cancel, **kwargs)

        monkeypatch.setattr(ingest, name, gated)


class Window(MainWindow):
    """The main window, noting whether a close went through (it stays hidden in tests)."""

    closed = False

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed = self.closed or event.isAccepted()


@pytest.fixture
def gate() -> Gate:
    return Gate()


def _open_window(qtbot: QtBot, url: str, gate: Gate) -> Window:
    window = Window(url)

    def unblock(widget: Any) -> None:  # a failed test must not leave a worker waiting
        gate.release.set()
        widget.confirm_close = lambda _running: CloseChoice.CANCEL

    qtbot.addWidget(window, before_close_func=unblock)
    window.load()
    qtbot.waitUntil(lambda: window.engine is not None, timeout=30_000)
    return window


@pytest.fixture
def window(qtbot: QtBot, store_url: str, gate: Gate) -> Window:
    """The main window on an empty store, on each backend."""
    return _open_window(qtbot, store_url, gate)


@pytest.fixture
def sqlite_window(qtbot: QtBot, tmp_path: Path, gate: Gate) -> Window:
    return _open_window(qtbot, f"sqlite:///{tmp_path / 'store.db'}", gate)


def _asking(answer: CloseChoice) -> tuple[list[Running], Callable[[Running], CloseChoice]]:
    asked: list[Running] = []

    def confirm(running: Running) -> CloseChoice:
        asked.append(running)
        return answer

    return asked, confirm


def _wizard(window: Window, path: Path) -> ImportWizard:
    window.nav.setCurrentRow(1)  # Import
    window.import_page.start_button.click()
    wizard = window.import_page.wizard
    assert isinstance(wizard, ImportWizard)
    wizard.confirm_replace = lambda text: pytest.fail(f"unexpected question: {text}")
    choose_file(wizard, path)
    return wizard


def _importing(qtbot: QtBot, window: Window, gate: Gate, path: Path) -> int:
    """Take ``path`` through the wizard until its rows are being written; the rows it writes."""
    wizard = _wizard(window, path)
    for page in (PageId.MAPPING, PageId.PREVIEW, PageId.RUN):
        go_next(qtbot, wizard, page)
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)
    assert window.import_page.running() is not None
    return int(wizard.state.prepared.rows_accepted)


def _closed(qtbot: QtBot, window: Window) -> None:
    qtbot.waitUntil(lambda: window.closed, timeout=60_000)
    assert not window.runner.is_busy()  # drained: no worker outlives the window


def test_cancel_rolls_the_import_back_then_closes(
    qtbot: QtBot, window: Window, gate: Gate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate.hold(monkeypatch, "import_prepared", "rows to referral")
    path = extract(tmp_path, "csv", seed=31)
    rows = _importing(qtbot, window, gate, path)
    asked, window.confirm_close = _asking(CloseChoice.CANCEL)

    assert not window.close()  # not yet: the rollback comes first
    assert not window.closed
    assert [r.source for r in asked] == [path.name]
    assert asked[0].text == f"{path.name} ({rows:,} rows) is being written to the store"
    assert "has been rolled back" in window.statusBar().currentMessage()
    assert not window.progress.isHidden()
    assert window.progress.maximum() == 0  # a busy indicator: the GUI keeps running
    assert not window.import_page.isEnabled()
    _closed(qtbot, window)
    assert referral_rows(window.engine) == 0
    assert batch_statuses(window.engine) == ["rolled back"]
    assert len(asked) == 1


def test_wait_lets_the_import_commit_then_closes(
    qtbot: QtBot, window: Window, gate: Gate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate.hold(monkeypatch, "import_prepared", "rows to referral")
    path = extract(tmp_path, "csv", seed=32)
    rows = _importing(qtbot, window, gate, path)
    asked, window.confirm_close = _asking(CloseChoice.WAIT)

    assert not window.close()
    assert not window.closed
    message = window.statusBar().currentMessage()
    assert f"closes by itself when the import of {path.name} is done" in message
    gate.release.set()
    _closed(qtbot, window)
    assert referral_rows(window.engine) == rows
    assert batch_statuses(window.engine) == ["committed"]
    assert len(asked) == 1


def test_keep_working_ignores_the_close_from_the_quit_menu(
    qtbot: QtBot,
    sqlite_window: Window,
    gate: Gate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = sqlite_window
    gate.hold(monkeypatch, "import_prepared", "rows to referral")
    rows = _importing(qtbot, window, gate, extract(tmp_path, "csv", seed=33))
    asked, window.confirm_close = _asking(CloseChoice.KEEP)
    file_menu = window.menuBar().actions()[0].menu()
    quit_action = next(a for a in file_menu.actions() if a.text() == "&Quit")

    quit_action.trigger()  # File → Quit (Ctrl+Q)
    assert len(asked) == 1
    assert not window.closed
    assert window.import_page.isEnabled()
    gate.release.set()
    wizard = window.import_page.wizard
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    assert not window.closed  # a close called off stays off once the import is done
    assert referral_rows(window.engine) == rows
    assert batch_statuses(window.engine) == ["committed"]


def test_cancel_while_preparing_closes_with_nothing_written(
    qtbot: QtBot,
    sqlite_window: Window,
    gate: Gate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = sqlite_window
    gate.hold(monkeypatch, "prepare_file", "")
    path = extract(tmp_path, "csv", seed=34)
    wizard = _wizard(window, path)
    go_next(qtbot, wizard, PageId.MAPPING)
    go_next(qtbot, wizard, PageId.PREVIEW)
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)
    asked, window.confirm_close = _asking(CloseChoice.CANCEL)

    assert not window.close()
    assert [r.text for r in asked] == [f"{path.name} is being prepared (nothing is written yet)"]
    _closed(qtbot, window)
    assert wizard.state.prepared is None
    assert referral_rows(window.engine) == 0
    assert batch_statuses(window.engine) == []


def test_closing_with_no_import_does_not_ask_and_drains_the_runner(
    qtbot: QtBot, sqlite_window: Window, gate: Gate
) -> None:
    window = sqlite_window
    window.confirm_close = lambda running: pytest.fail(f"asked about {running}")
    started, stopped = threading.Event(), threading.Event()

    def background(ctx: TaskContext) -> None:  # any other work, e.g. a page refreshing
        started.set()
        while not (ctx.cancelled() or gate.release.wait(0.01)):
            pass
        stopped.set()

    window.runner.start("test.background", background, lambda _result: None)
    qtbot.waitUntil(started.is_set, timeout=10_000)

    assert window.close()  # at once
    assert window.closed
    assert stopped.is_set()  # cancelled and waited for before the window went
    assert not window.runner.is_busy()


def test_closing_after_the_wizard_cancelled_waits_for_the_rollback(
    qtbot: QtBot,
    sqlite_window: Window,
    gate: Gate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The officer leaves the wizard mid-import, then quits: nothing to ask, nothing kept."""
    window = sqlite_window
    gate.hold(monkeypatch, "import_prepared", "rows to referral")
    _importing(qtbot, window, gate, extract(tmp_path, "csv", seed=35))
    window.confirm_close = lambda running: pytest.fail(f"asked about {running}")
    window.import_page.wizard.reject()  # the wizard's own Cancel: the import is abandoned
    assert window.import_page.wizard is None

    assert window.close()
    assert not window.runner.is_busy()
    assert referral_rows(window.engine) == 0
    assert batch_statuses(window.engine) == ["rolled back"]
