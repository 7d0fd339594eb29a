"""The import wizard offers the ICB's neighbourhoods and service sites (issue 14) and takes
each through preview and import like any reference table."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy.engine import Engine
from wizard_helpers import choose_file, go_next, make_wizard, newest_batch, store, wait_ready

from rehabdash.queries.areas import live_neighbourhoods, live_sites
from rehabdash.ui.import_wizard import PageId
from rehabdash.ui.import_wizard.base import KINDS

LEEDS = ("E01011229", "E01011230", "E01011231")


def test_the_file_page_lists_both_kinds_with_a_description(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = make_wizard(qtbot, store(tmp_path))
    kinds = wizard.currentPage().kind
    listed = {kinds.itemData(i): kinds.itemText(i) for i in range(kinds.count())}
    assert listed["areas"] == KINDS["areas"]
    assert "neighbourhood" in listed["areas"]
    assert "latitude and longitude" in listed["sites"]


def _through(qtbot: QtBot, tmp_path: Path, kind: str, text: str) -> tuple[Engine, list[str]]:
    """Import a CSV of ``kind`` through the wizard; the engine and the result's notes."""
    engine = store(tmp_path)
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    wizard = make_wizard(qtbot, engine)
    choose_file(wizard, path, kind=kind)
    go_next(qtbot, wizard, PageId.PREVIEW)  # no mapping page for a reference table
    wait_ready(qtbot, wizard)
    assert wizard.state.prepared.kind == kind
    go_next(qtbot, wizard, PageId.RUN)
    qtbot.waitUntil(lambda: wizard.currentId() == PageId.RESULT, timeout=30_000)
    assert wizard.state.result.batch_id == newest_batch(engine)
    return engine, list(wizard.state.result.notes)


def test_an_areas_file_through_the_wizard(qtbot: QtBot, tmp_path: Path) -> None:
    rows = "".join(f"{code},Leeds {i % 2}\n" for i, code in enumerate(LEEDS))
    engine, notes = _through(qtbot, tmp_path, "areas", "LSOA code,Neighbourhood\n" + rows)
    assert live_neighbourhoods(engine).height == 3
    assert any("in no neighbourhood in this file" in n for n in notes)


def test_a_sites_file_through_the_wizard(qtbot: QtBot, tmp_path: Path) -> None:
    text = f"Site,Type,LSOA,Lat,Long\nHub,hub,{LEEDS[0]},,\nClinic,clinic,,53.8,-1.55\n"
    engine, notes = _through(qtbot, tmp_path, "sites", text)
    assert sorted(live_sites(engine)["name"]) == ["Clinic", "Hub"]
    assert "2 site(s): 1 placed in an LSOA, 1 by latitude and longitude" in notes
