"""`rehabdash import sites`: rehab service sites and hubs (issue 14), on both databases:
placed by LSOA, by latitude and longitude or by postcode (through the store's postcode
directory, the postcode itself never kept); every rejection and refusal; overlap,
replace and withdraw."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from commit_helpers import batches, counts, csv_file, every_table, live_ids
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.cli import main
from rehabdash.errors import StoreError
from rehabdash.ingest import ImportFileError, PreparedImport, import_file, prepare_file
from rehabdash.queries.areas import live_sites
from rehabdash.store.schema import metadata, row_issue
from rehabdash.store.withdrawal import withdraw_batch

#: Unchanged LSOAs of Leeds (the same code in 2011 and 2021).
LEEDS = ("E01011229", "E01011230", "E01011231")
HEADER = "Site name,Site type,LSOA code,Latitude,Longitude"


def _prepared(engine: Engine, path: Path) -> PreparedImport:
    prepared = prepare_file(engine, path, "sites")
    assert isinstance(prepared, PreparedImport)
    return prepared


def _directory(engine: Engine, tmp_path: Path) -> None:
    """A two-postcode directory (ONSPD layout) in the store."""
    path = csv_file(
        tmp_path / "onspd.csv",
        "pcds,lsoa11,lsoa21",
        [f"LS1 4AP,{LEEDS[0]},{LEEDS[0]}", f"LS9 7TF,{LEEDS[1]},{LEEDS[1]}"],
    )
    assert import_file(engine, path, "postcodes").rows_accepted == 2


def test_sites_by_lsoa_and_by_coordinates(engine: Engine, tmp_path: Path) -> None:
    rows = [
        "Bradford community rehab hub,hub,,53.7950,-1.7594",
        f"Leeds MSK clinic,clinic,{LEEDS[0]},,",
        f"St Mary's,community hospital,{LEEDS[1]},53.80,-1.55",
        f"Seacroft clinic,,{LEEDS[2].lower()},,",  # blank type: "site"; code tidied
    ]
    result = import_file(engine, csv_file(tmp_path / "sites.csv", HEADER, rows), "sites")
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (4, 4, 0)
    assert "4 site(s): 3 placed in an LSOA, 2 by latitude and longitude" in result.notes
    live = live_sites(engine)
    assert live.schema == {
        "batch_id": pl.Int64,
        "name": pl.String,
        "site_type": pl.String,
        "lsoa": pl.String,
        "lsoa_vintage": pl.Int64,
        "latitude": pl.Float64,
        "longitude": pl.Float64,
    }
    by_name = {r["name"]: r for r in live.iter_rows(named=True)}
    hub = by_name["Bradford community rehab hub"]
    assert (hub["site_type"], hub["lsoa"], hub["latitude"], hub["longitude"]) == (
        "hub",
        None,
        53.795,
        -1.7594,
    )
    clinic = by_name["Leeds MSK clinic"]
    assert (clinic["lsoa"], clinic["lsoa_vintage"], clinic["latitude"]) == (LEEDS[0], 2021, None)
    assert by_name["Seacroft clinic"]["site_type"] == "site"
    assert by_name["Seacroft clinic"]["lsoa"] == LEEDS[2]
    assert set(live["batch_id"]) == {result.batch_id}


def test_a_workbook_with_other_headers(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "clinics.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Clinics")
    sheet.write_row(0, 0, ["Clinic", "Type", "Lat", "Long"])
    sheet.write_row(1, 0, ["Halifax clinic", "clinic", 53.7248, -1.8616])
    sheet.write_row(2, 0, ["Keighley hospital", "community hospital", "53.8676", "-1.909"])
    book.close()
    result = import_file(engine, path, "sites")
    assert (result.rows_accepted, result.rows_rejected) == (2, 0)
    live = live_sites(engine).sort("name")
    assert live["latitude"].to_list() == [53.7248, 53.8676]
    assert live["longitude"].to_list() == [-1.8616, -1.909]
    assert live["lsoa"].to_list() == [None, None]


def test_bad_rows_are_rejected_naming_row_column_value_and_reason(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        "Swapped,clinic,,-1.5,53.8",  # row 2
        "North,clinic,,60.1,-1.5",  # 3
        "West,clinic,,53.1,-7",  # 4
        "Bad,clinic,,abc,-1.5",  # 5
        "Half,clinic,,53.1,",  # 6
        "Nowhere,clinic,,,",  # 7
        f",clinic,{LEEDS[0]},,",  # 8
        "Odd code,,E01999999,53.7,-1.5",  # 9: warned, placed by its coordinates
        "Wrong code,,E01999999,,",  # 10
        f"Twice,hub,{LEEDS[0]},,",  # 11
        f"Twice,hub,{LEEDS[1]},,",  # 12: one site at two places
        f"Same,hub,{LEEDS[0]},,",  # 13
        f"Same,hub,{LEEDS[0]},,",  # 14: a repeat, kept once
    ]
    path = csv_file(tmp_path / "sites.csv", HEADER, rows)
    prepared = _prepared(engine, path)
    failures = {
        (r["source_row"], r["severity"]): (r["column"], r["rule"], r["value"], r["message"])
        for r in prepared.failures.iter_rows(named=True)
    }
    twice = "site listed more than once at different places (rows 11, 12)"
    unknown = "not an English LSOA (not in the ONS 2011 or 2021 lists)"
    assert failures == {
        (2, "rejected"): (
            "Latitude",
            "coordinates_swapped",
            "-1.5 / 53.8",
            "latitude and longitude look swapped (latitude -1.5, longitude 53.8)",
        ),
        (3, "rejected"): (
            "Latitude",
            "latitude_outside_england",
            "60.1",
            "latitude 60.1 is outside England (49.8 to 55.9)",
        ),
        (4, "rejected"): (
            "Longitude",
            "longitude_outside_england",
            "-7",
            "longitude -7 is outside England (-6.5 to 1.8)",
        ),
        (5, "rejected"): (
            "Latitude",
            "latitude_not_a_number",
            "abc",
            "latitude abc is not a number",
        ),
        (6, "rejected"): (
            "Latitude",
            "coordinates_incomplete",
            "53.1",
            "latitude and longitude must be given together",
        ),
        (7, "rejected"): (
            "Site name",
            "no_location",
            "Nowhere",
            "no location: give an LSOA code, a postcode, latitude and longitude, or easting and "
            "northing",
        ),
        (8, "rejected"): ("Site name", "name_missing", None, "site name is blank"),
        (9, "warning"): (
            "LSOA code",
            "lsoa_invalid",
            "E01999999",
            unknown + "; placed by its other location",
        ),
        (10, "rejected"): ("LSOA code", "lsoa_invalid", "E01999999", unknown),
        (11, "rejected"): ("Site name", "duplicate_site", "Twice", twice),
        (12, "rejected"): ("Site name", "duplicate_site", "Twice", twice),
    }
    assert prepared.rejected_source["source_row"].to_list() == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert prepared.rows.select("name", "row_number").rows() == [("Odd code", 9), ("Same", 13)]
    assert "1 repeated row(s) counted once" in prepared.notes
    result = import_file(engine, path, "sites")
    assert (result.rows_accepted, result.rows_rejected) == (2, 10)
    with engine.connect() as conn:
        stored = conn.execute(
            select(row_issue.c.source_row, row_issue.c.rule, row_issue.c.severity)
            .where(row_issue.c.batch_id == result.batch_id)
            .order_by(row_issue.c.source_row)
        ).all()
    assert [(r, rule, sev) for r, rule, sev in stored] == [
        (row, rule, sev) for (row, sev), (_c, rule, _v, _m) in sorted(failures.items())
    ]


def test_postcodes_only_need_the_directory(engine: Engine, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "by_postcode.csv", "Site,Postcode", ["Leeds hub,LS1 4AP", "East,ls97tf"]
    )
    before, live, held = every_table(engine), live_ids(engine), len(batches(engine))
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "sites")
    assert str(caught.value) == (
        "by_postcode.csv (column 'Postcode'): the sites are placed by postcode only, and this "
        "store holds no postcode directory to find their LSOAs: import the ONS postcode "
        "directory first (rehabdash import postcodes FILE), then this file"
    )
    assert (every_table(engine), live_ids(engine)) == (before, live)
    assert batches(engine)[-1][1:3] == ("sites", "rolled back")
    assert len(batches(engine)) == held + 1
    _directory(engine, tmp_path)
    result = import_file(engine, path, "sites")
    assert (result.rows_accepted, result.rows_rejected) == (2, 0)
    placed = dict(live_sites(engine).select("name", "lsoa").iter_rows())
    assert placed == {"Leeds hub": LEEDS[0], "East": LEEDS[1]}
    # the directory holds postcodes (its job); nothing else in the store names one
    for table in metadata.sorted_tables:
        if table.name == "postcode_lsoa":
            continue
        with engine.connect() as conn:
            kept = " ".join(str(v) for r in conn.execute(select(table)) for v in r).upper()
        for postcode in ("LS1 4AP", "LS14AP", "LS9 7TF", "LS97TF"):
            assert postcode not in kept, table.name


def test_postcodes_beside_coordinates_without_a_directory(engine: Engine, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "mixed.csv",
        "Name,Postcode,Lat,Lon",
        ["With coordinates,LS1 4AP,53.8,-1.55", "Postcode only,LS9 7TF,,", "Not one,ZZ1,,"],
    )
    prepared = _prepared(engine, path)
    assert prepared.rows["name"].to_list() == ["With coordinates"]
    rejected = prepared.failures.filter(pl.col("severity") == "rejected")
    assert rejected.select("source_row", "column", "rule", "message").rows() == [
        (
            3,
            "Postcode",
            "postcode_unusable",
            "no postcode directory in the store to find its LSOA: import the ONS one first",
        ),
        (4, "Postcode", "postcode_unusable", "not a postcode"),
    ]


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ("Postcode,Lat,Lon", "no site name column"),
        ("Site,Opening hours", "no location column"),
        ("Site,Latitude", "latitude column but no longitude column"),
    ],
)
def test_a_file_without_its_columns_is_refused_and_changes_nothing(
    engine: Engine, tmp_path: Path, header: str, match: str
) -> None:
    before, live = every_table(engine), live_ids(engine)
    with pytest.raises(ImportFileError, match=match):
        import_file(engine, csv_file(tmp_path / "cols.csv", header, ["A,53.8,-1.5"]), "sites")
    assert (every_table(engine), live_ids(engine)) == (before, live)
    assert [b[1:3] for b in batches(engine)] == [("sites", "rolled back")]


def test_a_second_file_overlaps_is_replaced_and_withdrawn(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rehabdash.store import open_store

    v1 = csv_file(tmp_path / "v1.csv", HEADER, [f"A,hub,{LEEDS[0]},,", f"B,clinic,{LEEDS[1]},,"])
    assert main(["import", "sites", str(v1), "--db", store_url]) == 0
    assert "imported: 2 (batch 1)" in capsys.readouterr().out
    engine = open_store(store_url)
    v2 = csv_file(tmp_path / "v2.csv", HEADER, [f"B,clinic,{LEEDS[1]},,", f"C,clinic,{LEEDS[2]},,"])
    second = import_file(engine, v2, "sites")  # B is held live
    assert (second.rows_accepted, second.rows_rejected) == (1, 1)
    before = counts(engine)
    with pytest.raises(StoreError, match="nothing to import"):
        import_file(engine, csv_file(tmp_path / "v3.csv", HEADER, [f"A,hub,{LEEDS[0]},,"]), "sites")
    assert counts(engine) == before
    # a site moved (same name and type, another place) is a revised list: refused whole
    moved = csv_file(
        tmp_path / "moved.csv", HEADER, ["A,hub,,53.80,-1.55", f"D,clinic,{LEEDS[0]},,"]
    )
    code = main(["import", "sites", str(moved), "--db", store_url])
    assert code == 2
    err = capsys.readouterr().err
    assert "moved.csv: 1 of its rows change what live batch 1 holds" in err
    assert f"'A' (hub): 53.80000, -1.55000 here, LSOA {LEEDS[0]} in batch 1" in err
    assert "--replace 1" in err
    assert counts(engine) == before
    # v4 replaces batch 1 but lacks B: said and refused without --yes, then done with it
    v4 = csv_file(tmp_path / "v4.csv", HEADER, [f"A,hub,{LEEDS[2]},,"])
    code = main(["import", "sites", str(v4), "--replace", "1", "--db", store_url])
    assert code == 2
    assert "lacks 1 of the 2 rows of batch 1" in capsys.readouterr().err
    code = main(["import", "sites", str(v4), "--replace", "1", "--yes", "--db", store_url])
    assert code == 0
    assert "superseded batch 1" in capsys.readouterr().out
    live = dict(live_sites(engine).select("name", "lsoa").iter_rows())
    assert live == {"A": LEEDS[2], "C": LEEDS[2]}
    withdraw_batch(engine, second.batch_id, "a test file")
    assert live_sites(engine)["name"].to_list() == ["A"]
    engine.dispose()
