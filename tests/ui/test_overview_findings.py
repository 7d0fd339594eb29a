"""The Overview's plan panel draws what the plan engine returns for the same filter: the
headline tiles with their intervals, the findings in the engine's order, each a link to
the page, breakdown and level behind it; a cancelled plan is never drawn."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from rehabdash.demo import build_demo
from rehabdash.plan.engine import Plan, PlanEngine
from rehabdash.plan.metrics import METRICS
from rehabdash.queries.overview import overview
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store
from rehabdash.ui.pages.findings_panel import NO_FINDINGS, split_caveat
from rehabdash.ui.pages.links import PAGE_TITLES, page_for_metric
from rehabdash.ui.pages.overview import OverviewPage
from rehabdash.ui.session import PageRequest, PageResult, Session
from rehabdash.ui.tasks import TaskRunner

Z95 = 1.959963984540054  # the standard normal's 97.5th centile


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('overview') / 'demo.db'}"
    engine = open_store(url)
    build_demo(engine, rows=4_000, seed=21)
    engine.dispose()
    return url


def _session(url: str) -> Session:
    session = Session(url)
    session.opened(open_store(url))
    return session


def _page(qtbot: QtBot, session: Session, runner: TaskRunner | None = None) -> OverviewPage:
    page = OverviewPage(session, runner or TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1186, 700)
    page.show()
    return page


def _drawn(qtbot: QtBot, session: Session, runner: TaskRunner | None = None) -> OverviewPage:
    """The Overview as the window shows it: the fast figures, then the plan."""
    page = _page(qtbot, session, runner)
    assert page.findings is not None
    with qtbot.waitSignal(page.findings.drawn_result, timeout=60_000):
        page.show_overview(overview(session.engine))
        page.store_changed()  # the window's word once the filter is known
    return page


def _plan(session: Session) -> Plan:
    """The plan worked out afresh, apart from the page, for the session's filter."""
    assert session.filter is not None
    return PlanEngine(ReferralSource(session.engine)).plan(session.filter)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_tiles_show_the_engines_numbers_and_intervals(qtbot: QtBot, store_url: str) -> None:
    session = _session(store_url)
    page = _drawn(qtbot, session)
    assert page.findings is not None
    tiles = page.findings.tiles
    found = _plan(session).indicators

    seen = found["seen_rate/age_band"].row("All")
    assert seen is not None
    assert seen["value"] < 10  # written to 2 places, its limits alike
    assert tiles["seen_rate"].value.text() == f"{seen['value']:.2f}"
    want = f"95% interval {seen['lower']:.2f} to {seen['upper']:.2f}"
    assert tiles["seen_rate"].interval.text() == want
    assert f"{seen['numerator']:,.0f} people seen" in tiles["seen_rate"].note.text()

    # The gap: the rate ratio of quintile 1 to 5, worked out here by hand.
    q1, q5 = (found["seen_rate/imd_quintile"].row(q) for q in ("1", "5"))
    assert q1 is not None
    assert q5 is not None
    ratio = (q1["numerator"] / q1["denominator"]) / (q5["numerator"] / q5["denominator"])
    half = Z95 * math.sqrt(1 / q1["numerator"] + 1 / q5["numerator"])
    lower, upper = ratio * math.exp(-half), ratio * math.exp(half)
    gap = page.findings.headlines[1]
    assert (gap.value, gap.lower, gap.upper) == pytest.approx((ratio, lower, upper))
    assert tiles["deprivation_gap"].value.text() == f"{ratio:.2f}"
    assert tiles["deprivation_gap"].interval.text() == f"95% interval {lower:.2f} to {upper:.2f}"
    assert ratio < 1 < upper or "less often" in tiles["deprivation_gap"].note.text()

    sii = found["sii/imd_decile"].row("All")
    assert sii is not None
    assert tiles["sii"].value.text() == f"{sii['value']:.2f}"
    assert tiles["sii"].interval.text() == f"95% interval {sii['lower']:.2f} to {sii['upper']:.2f}"

    valid = found["recorded_share/ethnicity"].row("valid")
    assert valid is not None
    assert tiles["ethnicity_recorded"].value.text() == f"{valid['value']:.1f}%"
    want = f"95% interval {valid['lower']:.1f}% to {valid['upper']:.1f}%"
    assert tiles["ethnicity_recorded"].interval.text() == want
    target = "below the 95% target" if valid["value"] < 95 else "meets the 95% target"
    assert valid["value"] < 80 or target in tiles["ethnicity_recorded"].note.text()
    assert session.filter is not None
    assert session.filter.describe() in page.findings.status.text()
    for headline in page.findings.headlines:  # each tile is titled by its own headline
        title = tiles[headline.key].findChild(QLabel, "tileTitle")
        assert title is not None
        assert title.text() == headline.title


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_findings_are_the_engines_in_its_order(qtbot: QtBot, store_url: str) -> None:
    session = _session(store_url)
    page = _drawn(qtbot, session)
    assert page.findings is not None
    want = _plan(session).findings
    assert len(want) >= 3
    buttons = page.findings.finding_buttons
    assert [b.description() for b in buttons] == [split_caveat(f)[0] for f in want]
    assert [b.text().split(".")[0] for b in buttons] == [str(i + 1) for i in range(len(want))]
    assert not page.findings.message.isVisible()
    # Each caveat is under its own finding, not run into the sentence.
    caveated = [(f, c) for f, c in zip(want, page.findings.caveats, strict=True) if f.caveat]
    assert caveated
    for finding, label in caveated:
        assert label is not None
        assert finding.caveat in label.text()
        assert finding.caveat not in buttons[want.index(finding)].description()
    for finding, label in zip(want, page.findings.caveats, strict=True):
        assert (label is None) == (finding.caveat is None)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_clicking_a_finding_emits_its_page_breakdown_and_level(
    qtbot: QtBot, store_url: str
) -> None:
    session = _session(store_url)
    page = _drawn(qtbot, session)
    assert page.findings is not None
    findings = _plan(session).findings
    wanted = {  # metric prefix -> (page, breakdown key, level code) worked out by hand
        "sii/": lambda f: ("deprivation", "imd_decile", "All"),
        "wait_median/": lambda f: ("waits", f.indicator.split("/")[1], f.level_code),
        "seen_oe/ethnicity": lambda f: ("who_accesses", "ethnicity", f.level_code),
        "seen_rate/age_band": lambda f: ("who_accesses", "age_band", f.level_code),
    }
    for prefix, expect in wanted.items():
        index = next(i for i, f in enumerate(findings) if f.indicator.startswith(prefix))
        button = page.findings.finding_buttons[index]
        with qtbot.waitSignal(page.finding_opened, timeout=2_000) as opened:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert tuple(opened.args) == expect(findings[index])
    # The keyboard opens one too (a button, in the tab order).
    first = page.findings.finding_buttons[0]
    assert first.focusPolicy() & Qt.FocusPolicy.TabFocus
    first.setFocus()
    with qtbot.waitSignal(page.finding_opened, timeout=2_000) as opened:
        qtbot.keyClick(first, Qt.Key.Key_Space)
    assert opened.args[0] == page_for_metric(findings[0].indicator.split("/")[0])
    assert first.accessibleName().startswith("Finding 1: ")


def test_the_mapping_covers_every_metric() -> None:
    pages = {key: page_for_metric(key) for key in METRICS}
    assert set(pages.values()) <= set(PAGE_TITLES)
    assert set(pages.values()) == set(PAGE_TITLES)  # and every page is reached
    for key, page in pages.items():
        section = METRICS[key].section
        if key in ("sii", "rii") or key.startswith("heat_"):
            assert page == "deprivation", key
        elif key.startswith("outcome_"):
            assert page == "outcomes", key
        elif key.startswith("distance_") or key == "site_distance":  # drawn beside the map
            assert page == "neighbourhoods", key
        else:
            want = {
                "access": "who_accesses",
                "consequences": "waits",
                "need": "need",
                "improvement": "trends",
                "quality": "quality",
            }[section]
            assert page == want, key
    with pytest.raises(ValueError, match="unknown metric"):
        page_for_metric("no_such_metric")


def test_the_mapping_is_qt_free() -> None:
    code = (
        "import sys; import rehabdash.ui.pages.links as links; "
        "links.page_for_metric('seen_rate'); "
        "print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_cancelled_plan_is_not_drawn(
    qtbot: QtBot, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(store_url)
    gate = threading.Event()
    real = session.fetch

    def slow(request: PageRequest, *args: Any) -> PageResult:
        gate.wait(20)  # a large store's plan
        return real(request, *args)

    monkeypatch.setattr(session, "fetch", slow)
    runner = TaskRunner()
    page = _page(qtbot, session, runner)
    panel = page.findings
    assert panel is not None
    page.show_overview(overview(session.engine))
    page.store_changed()
    qtbot.waitUntil(lambda: panel.busy.isVisible(), timeout=5_000)  # after a blink
    assert panel.cancel.isVisible()
    qtbot.mouseClick(panel.cancel, Qt.MouseButton.LeftButton)
    assert not panel.busy.isVisible()
    assert "Cancelled" in panel.status.text()
    ended: list[str] = []  # the plan stops at its next step (or ends): either way...
    runner._signals.finished.connect(lambda *_: ended.append("finished"))
    runner._signals.failed.connect(lambda *_: ended.append("stopped"))
    gate.set()
    qtbot.waitUntil(lambda: bool(ended), timeout=60_000)
    assert runner.wait()
    assert panel.result is None  # ...it is not drawn
    assert panel.finding_buttons == []
    assert panel.tiles["seen_rate"].value.text() == "…"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_no_significant_findings_says_so(qtbot: QtBot, store_url: str) -> None:
    session = _session(store_url)
    page = _drawn(qtbot, session)
    panel = page.findings
    assert panel is not None
    assert panel.result is not None
    none = PageResult(panel.result.request, panel.result.filter, panel.result.indicators, ())
    panel.show_result(none)
    assert panel.finding_buttons == []
    assert panel.message.isVisible()
    assert panel.message.text() == NO_FINDINGS
    assert "95% interval" in NO_FINDINGS


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_plan_starts_once_the_window_opens_the_store(qtbot: QtBot, store_url: str) -> None:
    """The window shows the fast figures, then opens the session and, once the filter
    is known, says the store changed: the plan follows, once."""
    engine = open_store(store_url)
    session = Session(store_url)
    page = _page(qtbot, session)
    assert page.findings is not None
    with qtbot.waitSignal(page.findings.drawn_result, timeout=60_000):
        page.show_overview(overview(engine))  # the session is not open yet...
        session.opened(engine)  # ...the window opens it just after
        session.demo = True
        page.store_changed()
    assert page.findings.finding_buttons
    assert page.findings.banner.isVisibleTo(page)
    assert page.findings.banner.text() == "Demo data (synthetic)"


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_not_the_demo_no_banner_and_an_empty_store_asks_nothing(
    qtbot: QtBot, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(store_url)
    runner = TaskRunner(synchronous=True)
    started: list[str] = []
    monkeypatch.setattr(runner, "start", lambda kind, *a, **k: started.append(kind))
    page = _page(qtbot, session, runner)
    assert page.findings is not None
    page.show_overview(None)  # no activity: the page says so and plans nothing
    page.store_changed()
    qtbot.waitUntil(lambda: "no rehab activity yet" in page.status.text())
    assert started == []
    assert not page.findings.banner.isVisibleTo(page)


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_a_filter_change_redraws_for_the_new_filter_only(
    qtbot: QtBot, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rehabdash.plan import parse_filter

    session = _session(store_url)
    page = _drawn(qtbot, session)
    panel = page.findings
    assert panel is not None
    assert panel.result is not None
    older = panel.result.filter
    newer = parse_filter(period=older.period.label, age="65+")
    # The filter moves on while a plan is worked out: that plan is not drawn, and the
    # panel asks again, for the session's filter as it is now.
    real, asked = session.fetch, []

    def moving(request: PageRequest, *args: Any) -> PageResult:
        asked.append(session.filter)
        result = real(request, *args)
        if len(asked) == 1:
            session.filter = newer
        return result

    monkeypatch.setattr(session, "fetch", moving)
    session.filter = older
    drawn: list[object] = []
    panel.drawn_result.connect(lambda: drawn.append(panel.result and panel.result.filter))
    with qtbot.waitSignal(panel.drawn_result, timeout=60_000):
        page.filter_changed()
    assert asked == [older, newer]
    assert drawn == [newer]  # one draw, of the new filter's plan
    want = _plan(session).indicators["seen_rate/age_band"].row("All")
    assert want is not None
    assert panel.headlines[0].value == pytest.approx(want["value"])
    assert newer.describe() in panel.status.text()
