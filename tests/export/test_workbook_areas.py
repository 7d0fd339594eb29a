"""The workbook's areas sheets and the long CSV's area breakdowns (issue 14): the
neighbourhood, PCN and local authority table and the distance-band table, read back and
compared with the engine's rows controlled here by apply_disclosure; no small count is
shown; a PCN's rates by population are [x]."""

from __future__ import annotations

import polars as pl
from workbook_built import Built
from workbook_read import cells

from rehabdash.plan.disclosure import apply_disclosure
from rehabdash.plan.export.long_csv import write_plan_csv
from rehabdash.plan.result import NOT_AVAILABLE, SUPPRESSED


def _published(built: Built, key: str) -> dict[str, dict[str, object]]:
    frame = apply_disclosure(built.plan.indicators[key].frame, "hes")
    return {r["level_code"]: r for r in frame.iter_rows(named=True)}


def test_areas_sheet_has_neighbourhoods_pcns_and_local_authorities(built: Built) -> None:
    rows = cells(built.workbook("hes"), "3c Areas")
    levels = list(dict.fromkeys(r["Area level"] for r in rows))
    titles = [
        built.plan.indicators[f"area_people_seen/{k}"].frame["breakdown"][0]
        for k in ("neighbourhood", "pcn", "lad")
    ]
    assert levels == titles
    seen = _published(built, "area_people_seen/neighbourhood")
    rate = _published(built, "area_seen_rate/neighbourhood")
    neighbourhoods = [r for r in rows if r["Area level"] == titles[0]]
    assert neighbourhoods[0]["Area code"] == "All"
    checked = 0
    for r in neighbourhoods:
        want = seen[r["Area code"]]
        if want["value"] is None:
            assert r["People seen"] == want["flag"]
            continue
        assert r["People seen"] == want["value"]
        assert not 1 <= float(r["People seen"]) <= 7
        per = rate.get(r["Area code"])
        if per is None:  # "Not known": people with no area have no population
            assert not isinstance(r["People seen per 1,000"], float)
        elif per["value"] is not None:
            assert abs(r["People seen per 1,000"] - per["value"]) < 1e-9 * max(1.0, per["value"])
            checked += 1
    assert checked >= 10
    pcns = [r for r in rows if r["Area level"] == titles[1]]
    assert pcns
    assert {r["People seen per 1,000"] for r in pcns} <= {NOT_AVAILABLE, SUPPRESSED}
    assert {r["Population in Core20 areas (%)"] for r in pcns} == {NOT_AVAILABLE}
    assert all(
        isinstance(r["Median wait to first contact (days)"], (int, float, str)) for r in pcns
    )


def test_distance_sheet_is_the_bands_of_the_plan(built: Built) -> None:
    rows = {
        r["Distance to the nearest site"]: r
        for r in cells(built.workbook("hes"), "3d Distance to a site")
    }
    oe = _published(built, "distance_oe/distance_band")
    seen = _published(built, "distance_people_seen/distance_band")
    labels = {r["level_code"]: r["level"] for r in oe.values()}
    assert set(rows) == set(labels.values())
    for code, label in labels.items():
        got, want = rows[label], oe[code]
        if want["value"] is None:
            continue
        assert abs(got["Observed ÷ expected (age, sex and deprivation)"] - want["value"]) < 1e-9
        assert got["People seen"] == seen[code]["value"]


def test_long_csv_carries_the_area_breakdowns(built: Built) -> None:
    folder = built.folder / "csv-areas"
    write_plan_csv(built.plan, folder, "hes")
    need = pl.read_csv(folder / "3_provision_against_need.csv", infer_schema_length=0)
    breakdowns = set(need["breakdown"])
    for key in ("neighbourhood", "pcn", "lad", "msoa", "lsoa"):
        title = built.plan.indicators[f"area_people_seen/{key}"].frame["breakdown"][0]
        assert title in breakdowns
    distance = need.filter(pl.col("breakdown").str.starts_with("Distance from home"))
    assert set(distance["level"]) >= {"Under 2 km", "2 to 5 km", "5 to 10 km", "10 km and over"}
    # No count of 1 to 7 people leaves the app in the area tables.
    counts = need.filter(
        pl.col("metric").str.starts_with("People seen, by")
        & pl.col("value").str.contains(r"^\d+(\.0+)?$")
    )
    assert counts.height
    assert not counts["value"].cast(pl.Float64).is_between(1, 7).any()
