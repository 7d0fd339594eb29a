"""The background-task runner: results on the GUI thread, stale results dropped, errors reported."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from rehabdash.ui.tasks import TaskContext, TaskRunner


def test_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    main = threading.get_ident()
    seen: dict[str, object] = {}

    def work(_ctx: TaskContext) -> int:
        seen["worker"] = threading.get_ident()
        return 42

    runner.start("k", work, lambda r: seen.update(result=r, deliver=threading.get_ident()))
    qtbot.waitUntil(lambda: "result" in seen, timeout=5_000)
    assert seen["result"] == 42
    assert seen["deliver"] == main
    assert seen["worker"] != main


def test_starting_again_cancels_the_stale_task(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gate = threading.Event()
    results: list[str] = []

    def slow(ctx: TaskContext) -> str:
        gate.wait(5)
        return "stale"

    runner.start("overview", slow, results.append)
    runner.start("overview", lambda _ctx: "fresh", results.append)
    gate.set()
    qtbot.waitUntil(lambda: results == ["fresh"], timeout=5_000)
    runner.wait()
    qtbot.wait(50)
    assert results == ["fresh"]


def test_errors_reach_the_reporter(qtbot: QtBot) -> None:
    runner = TaskRunner()

    def boom(_ctx: TaskContext) -> None:
        raise ValueError("bad input in row 3")

    with qtbot.waitSignal(runner.error, timeout=5_000) as blocker:
        runner.start("k", boom, lambda _r: None)
    kind, exc = blocker.args
    assert kind == "k"
    assert str(exc) == "bad input in row 3"


def test_progress_and_synchronous_mode(qtbot: QtBot) -> None:
    runner = TaskRunner(synchronous=True)
    progress: list[float] = []
    results: list[int] = []

    def work(ctx: TaskContext) -> int:
        for i in range(3):
            ctx.report(i / 2, f"step {i}")
        return 7

    runner.start("k", work, results.append, lambda f, _m: progress.append(f))
    qtbot.waitUntil(lambda: results == [7], timeout=2_000)
    assert progress == [0.0, 0.5, 1.0]


def test_computation_does_not_wait_behind_database_work(qtbot: QtBot) -> None:
    runner = TaskRunner()
    import_gate, order = threading.Event(), []

    def long_import(_ctx: TaskContext) -> str:
        import_gate.wait(10)  # a long import holds the database lane
        order.append("import")
        return "imported"

    runner.start("import", long_import, lambda _r: None)
    runner.start("history", lambda _ctx: order.append("history") or "h", lambda _r: None)
    charts: list[str] = []
    runner.start("chart", lambda _ctx: "drawn", charts.append, lane="compute")
    qtbot.waitUntil(lambda: charts == ["drawn"], timeout=5_000)
    assert order == []  # the chart was drawn while the import still held its lane
    import_gate.set()
    qtbot.waitUntil(lambda: order == ["import", "history"], timeout=5_000)  # still in order
    assert runner.wait()


def test_an_unknown_lane_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="lane 'gpu'"):
        TaskRunner().start("k", lambda _ctx: None, lambda _r: None, lane="gpu")  # type: ignore[arg-type]
