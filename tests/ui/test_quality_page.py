"""The Data quality page draws the plan's recording shares as a heat map (cell colours
and texts read back from the pyqtgraph items), marks the 80% and 95% thresholds in text
as well as colour, shows a clicked cell's numbers, and lists the rows rejected per rule
per batch as the engine counts them."""

from __future__ import annotations

import datetime as dt
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from PySide6.QtGui import QColor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pytestqt.qtbot import QtBot
from task_spy import watch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import LSOAS, lookup_rows, referral_rows, write_store

from rehabdash.ingest import import_file
from rehabdash.plan.completeness_grid import BELOW_MARK, completeness_grid
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.result import Indicator
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store
from rehabdash.ui.charts.heatmap import BAND_COLOURS
from rehabdash.ui.pages.quality import QualityPage
from rehabdash.ui.session import Session
from rehabdash.ui.tasks import TaskRunner

# provider: ethnic categories ("A" valid, "Z" not stated, "99" not known, None blank)
PEOPLE = {
    "RA1": ["A"] * 8 + ["Z", None],  # 80%: not below 80
    "RB2": ["A"] * 3 + ["99", "Z"],  # 60%: below 80
    "RC3": ["A"] * 19 + ["Z"],  # 95%: meets the target
}
BAD_CSV = """Patient ID,Referral ID,Provider,Referral Date,Discharge Date,Ethnicity,LSOA
P1,R1,RY1,01/06/2024,,A,{l}
P2,R2,RY1,notadate,,A,{l}
P6,R6,RY1,01/06/2024,,QQ,{l}
P7,R1,RY1,02/06/2024,,A,{l}
""".format(l=LSOAS[0])


def _session(tmp_path: Path, bad: bool = False) -> Session:
    providers, ethnic, dates = [], [], []
    for provider, codes in PEOPLE.items():
        for i, code in enumerate(codes):
            providers.append(provider)
            ethnic.append(code)
            dates.append(date(2024, 5 + i % 3, 3))
    n = len(providers)
    rows = referral_rows(
        provider_code=providers,
        ethnic_category=ethnic,
        referral_date=dates,
        sex=["1"] * n,
        lsoa=[LSOAS[0]] * n,
    )
    url = f"sqlite:///{tmp_path / 's.db'}"
    if bad:  # imported first, into the new store (its pseudonym key made then)
        csv = tmp_path / "bad.csv"
        csv.write_text(BAD_CSV, encoding="utf-8")
        import_file(open_store(url), csv, "activity", today=dt.date(2025, 6, 30))
    engine = write_store(url, rows, lookup=lookup_rows({LSOAS[0]: 3}))
    session = Session(url)
    session.opened(engine)
    return session


def _page(qtbot: QtBot, session: Session) -> QualityPage:
    page = QualityPage(session, TaskRunner(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1186, 700)
    page.show()
    qtbot.waitUntil(lambda: page.drawn is not None, timeout=30_000)
    return page


def _quality(session: Session) -> list[Indicator]:
    assert session.filter is not None
    return PlanEngine(ReferralSource(session.engine)).extra(session.filter, "quality")


def _luminance(colour: str) -> float:
    c = QColor(colour)

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_heat_map_draws_the_engines_shares(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    assert page.by_key == "provider"
    items = _quality(session)
    grid = page.drawn
    assert grid is not None
    assert grid == completeness_grid(items, "provider")
    # Read back from the items: each cell's colour (the image) and text.
    image = page.heatmap.image.image
    assert image.shape[:2] == (len(grid.columns), len(grid.rows))
    texts = {(round(x - 0.5), round(y - 0.5)): t for x, y, t in page.heatmap.cell_texts()}
    assert len(texts) == len(grid.rows) * len(grid.columns)
    columns = [c for c, _ in grid.columns]
    for i, (key, _title) in enumerate(grid.rows):
        share = next(s for s in items if s.key == f"recorded_share/{key}×provider").frame
        for j, group in enumerate(columns):
            row = share.filter(pl.col("level_code") == f"valid|{group}").row(0, named=True)
            # the band by the thresholds, worked from the engine's counts
            x, total = row["numerator"], row["denominator"]
            band = (
                "none"
                if not total
                else "below_csds"
                if x * 100 < 80 * total
                else "below_target"
                if x * 100 < 95 * total
                else "target"
            )
            fill = QColor(BAND_COLOURS[band][0])
            assert tuple(image[j, i][:3]) == (fill.red(), fill.green(), fill.blue())
            text = texts[(j, i)]
            if total:
                assert text.startswith(f"{int(x * 100 // total)}%")
                # the symbol below 80%, so it is not colour alone
                assert text.endswith(BELOW_MARK) == (band == "below_csds")
    # The hand-built cells of ethnicity: 80% (not below 80), 60% (below), 95% (target).
    row = [k for k, _ in grid.rows].index("ethnicity")
    assert [texts[(columns.index(p), row)] for p in PEOPLE] == ["80%", f"60% {BELOW_MARK}", "95%"]
    # Ticks: the characteristics down the side, the providers along the bottom.
    bottom = page.heatmap.plot.getPlotItem().getAxis("bottom")._tickLevels[1]
    assert [t for _x, t in bottom] == ["All providers", *PEOPLE]
    legend = page.heatmap.legend.text()
    assert "95% or more" in legend
    assert "under 80%" in legend
    assert "CSDS" in legend
    assert BELOW_MARK in legend


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_every_band_has_readable_text(qtbot: QtBot) -> None:
    for fill, ink in BAND_COLOURS.values():
        light, dark = sorted((_luminance(fill), _luminance(ink)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_clicking_a_cell_shows_its_numbers(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    grid = page.drawn
    assert grid is not None
    row = [k for k, _ in grid.rows].index("ethnicity")
    column = [c for c, _ in grid.columns].index("RB2")
    with qtbot.waitSignal(page.heatmap.row_clicked) as signal:
        cell = page.heatmap.select(row, column)
    assert signal.args == ["ethnicity|RB2"]
    people = next(i for i in _quality(session) if i.key == "recorded_people/ethnicity×provider")
    counts = dict(people.frame.select("level_code", "value").iter_rows())
    details = page.heatmap.details.text()
    for kind, words in (
        ("valid", "valid"),
        ("not stated", "not stated"),
        ("not known", "not known"),
        ("blank", "blank"),
        ("invalid", "invalid"),
    ):
        assert f"{words} {counts[f'{kind}|RB2']:,.0f}" in details
    assert "60.0% valid" in details
    assert cell.counts["not known"] == 1
    assert page.heatmap.outline.isVisible()
    assert page.heatmap.outline.rect().topLeft().x() == column


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_by_month_redraws_without_a_recompute(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    started = watch(page.runner, monkeypatch).kinds
    page.by.setCurrentIndex(page.by.findData("month"))
    assert started == []
    grid = page.drawn
    assert grid is not None
    assert grid.by == "month"
    assert [c for c, _ in grid.columns] == ["All", "2024-05", "2024-06", "2024-07"]
    bottom = page.heatmap.plot.getPlotItem().getAxis("bottom")._tickLevels[1]
    assert [t for _x, t in bottom] == ["All months", "May 2024", "Jun 2024", "Jul 2024"]
    assert len(page.heatmap.cell_texts()) == len(grid.rows) * 4  # texts reused, extras hidden


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_rows_rejected_per_rule_per_batch(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path, bad=True)
    page = _page(qtbot, session)
    items = _quality(session)
    rejected = next(i for i in items if i.key == "rows_rejected/batch").frame
    model = page.issues_model
    table = {model.value(r, 0): r for r in range(model.rowCount())}
    for level, value in rejected.select("level", "value").iter_rows():
        name = "All batches read: all rules" if level == "All" else level
        assert model.value(table[name], 1) == f"{value:,.0f}"
    dup = next(k for k in table if k.endswith("duplicate_referral"))
    assert model.value(table[dup], 1) == "2"
    assert "rows rejected" in page.issues_note.text()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_empty_grid_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    session = _session(tmp_path)
    page = _page(qtbot, session)
    page.heatmap.show_grid(completeness_grid([], "provider"), "Nothing")
    assert not page.heatmap.message.isHidden()
    assert "nobody was referred" in page.heatmap.message.text()
    assert page.heatmap.cell_texts() == []
    assert page.heatmap.image.image is None
