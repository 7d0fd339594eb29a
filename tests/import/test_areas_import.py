"""`rehabdash import areas`: the ICB's own LSOA -> neighbourhood lookup (issue 14), on both
databases: good files, every rejection and refusal (the store left as it was), overlap,
replace and withdraw."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from commit_helpers import batches, counts, csv_file, every_table, population_csv
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from rehabdash import refdata
from rehabdash.cli import main
from rehabdash.errors import StoreError
from rehabdash.ingest import (
    DuplicateFileError,
    ImportFileError,
    PreparedImport,
    import_file,
    prepare_areas,
    prepare_file,
)
from rehabdash.ingest.overlaps import RevisedRowsError
from rehabdash.queries.areas import live_neighbourhoods
from rehabdash.store.batches import live_batch_ids
from rehabdash.store.schema import LIVE, import_batch, neighbourhood, row_issue
from rehabdash.store.withdrawal import reinstate_batch, withdraw_batch

LOOKUP11 = refdata.lsoa_lookup(2011)
LOOKUP21 = refdata.lsoa_lookup(2021)
ONLY11 = sorted(set(LOOKUP11["lsoa"]) - set(LOOKUP21["lsoa"]))
ONLY21 = sorted(set(LOOKUP21["lsoa"]) - set(LOOKUP11["lsoa"]))
#: Twelve LSOAs of West Yorkshire, 2011 codes (some unchanged in 2021).
QWO = LOOKUP11.filter(pl.col("icb_ods_code") == "QWO").sort("lsoa")["lsoa"].head(12).to_list()


def _prepared(engine: Engine, path: Path) -> PreparedImport:
    prepared = prepare_file(engine, path, "areas")
    assert isinstance(prepared, PreparedImport)
    return prepared


def _live(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(import_batch.c.id, import_batch.c.kind)
            .where(import_batch.c.status == LIVE)
            .order_by(import_batch.c.id)
        ).all()
    return [(int(r.id), str(r.kind)) for r in rows]


def _refused(engine: Engine, path: Path, match: str, **options: object) -> ImportFileError:
    """Import ``path`` expecting an ImportFileError; the store is left as it was, bar the
    refusal's "rolled back" audit row."""
    before, live, held = every_table(engine), _live(engine), len(batches(engine))
    with pytest.raises(ImportFileError, match=match) as caught:
        import_file(engine, path, "areas", **options)  # type: ignore[arg-type]
    assert every_table(engine) == before
    assert _live(engine) == live
    audit = batches(engine)
    assert len(audit) == held + 1
    assert audit[-1][1:3] == ("areas", "rolled back")
    return caught.value


def test_a_good_csv_imports_and_reads_back(engine: Engine, tmp_path: Path) -> None:
    rows = [f"{lsoa},Leeds North {i % 3 + 1},LN{i % 3 + 1}" for i, lsoa in enumerate(QWO)]
    path = csv_file(
        tmp_path / "neighbourhoods.csv", "LSOA11CD,Neighbourhood name,Neighbourhood code", rows
    )
    result = import_file(engine, path, "areas")
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (12, 12, 0)
    assert result.kind == "areas"
    assert any("3 neighbourhoods over 12 LSOAs" in n for n in result.notes)
    gap = next(n for n in result.notes if "in no neighbourhood" in n)
    total = LOOKUP11.filter(pl.col("icb_ods_code") == "QWO").height
    assert gap.startswith(f"{total - 12:,} of the {total:,} LSOAs (2011) of NHS West Yorkshire")
    live = live_neighbourhoods(engine)
    assert live.schema == {
        "batch_id": pl.Int64,
        "lsoa": pl.String,
        "lsoa_vintage": pl.Int64,
        "code": pl.String,
        "name": pl.String,
        "area_type": pl.String,
    }
    assert live.height == 12
    assert set(live["batch_id"]) == {result.batch_id}
    assert set(live["lsoa_vintage"]) == {2011}
    assert set(live["area_type"]) == {"neighbourhood"}
    first = live.filter(pl.col("lsoa") == QWO[0]).row(0, named=True)
    assert (first["code"], first["name"]) == ("LN1", "Leeds North 1")
    with engine.connect() as conn:
        details = conn.execute(
            select(import_batch.c.details).where(import_batch.c.id == result.batch_id)
        ).scalar_one()
    assert (details["lsoa_vintage"], details["area_type"], details["areas"]) == (
        2011,
        ["neighbourhood"],
        3,
    )


def test_a_workbook_with_a_title_row_and_2021_codes(engine: Engine, tmp_path: Path) -> None:
    """'LSOA code' says no vintage: the 2021-only codes give it; 'Locality' gives the type
    and, with no code column, the name is the code."""
    path = tmp_path / "localities.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Localities")
    sheet.write(0, 0, "Localities of the ICB, April 2025")
    sheet.write_row(2, 0, ["LSOA code", "Locality"])
    codes = [*ONLY21[:3], *sorted(set(LOOKUP11["lsoa"]) & set(LOOKUP21["lsoa"]))[:2]]
    for i, code in enumerate(codes):
        sheet.write_row(3 + i, 0, [code, "North" if i < 3 else "South"])
    book.close()
    result = import_file(engine, path, "areas")
    assert (result.rows_accepted, result.rows_rejected) == (5, 0)
    live = live_neighbourhoods(engine).sort("lsoa")
    assert set(live["area_type"]) == {"locality"}
    assert set(live["lsoa_vintage"]) == {2021}
    assert set(live.select("code", "name").iter_rows()) == {("North", "North"), ("South", "South")}
    assert any("LSOA 2021 codes (from the codes)" in n for n in result.notes)


def test_the_area_type_option_chooses_the_column(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "both.csv",
        "lsoa,Neighbourhood,Hub",
        [f"{QWO[0]},Leeds N1,Leeds East hub", f"{QWO[1]},Leeds N2,Leeds East hub"],
    )
    assert set(prepare_areas(path).rows["name"]) == {"Leeds N1", "Leeds N2"}
    hubs = prepare_areas(path, area_type="hub-catchment").rows
    assert set(hubs["name"]) == {"Leeds East hub"}
    assert set(hubs["area_type"]) == {"hub catchment"}
    with pytest.raises(ValueError, match="not one of: neighbourhood, locality, hub catchment"):
        prepare_areas(path, area_type="ward")


def test_one_file_with_two_area_types_is_imported_once_for_each(
    engine: Engine, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path / "both.csv",
        "LSOA code,PCN Neighbourhood,Locality",
        [f"{QWO[0]},Leeds N1,Leeds", f"{QWO[1]},Leeds N2,Leeds"],
    )
    first = import_file(engine, path, "areas")
    said = "column 'Locality' (localities) not read: one area type a file; import the file "
    assert any(n.startswith(said + "again with --area-type 'locality'") for n in first.notes)
    with pytest.raises(DuplicateFileError, match="already imported as batch"):
        import_file(engine, path, "areas")  # the same import twice
    second = import_file(engine, path, "areas", area_type="locality")
    assert second.rows_accepted == 2
    live = live_neighbourhoods(engine)
    assert dict(live.group_by("area_type").len().iter_rows()) == {"neighbourhood": 2, "locality": 2}
    with pytest.raises(DuplicateFileError):
        import_file(engine, path, "areas", area_type="locality")


def test_bad_rows_are_rejected_naming_row_column_and_reason(engine: Engine, tmp_path: Path) -> None:
    rows = [
        f"{QWO[0]},Leeds 1",  # row 2
        f"{QWO[1]},Leeds 1",  # 3
        f"{QWO[1]},Leeds 2",  # 4: QWO[1] in two neighbourhoods
        f"{QWO[0]},Leeds 1",  # 5: a repeat of row 2, kept once
        f"{QWO[2]},   ",  # 6: no name
        "E01999999,Leeds 3",  # 7: not an LSOA of either list
        "W01000001,Leeds 3",  # 8: Wales
        "LS1 4AP,Leeds 3",  # 9: not an LSOA code
        ",Leeds 3",  # 10: blank
        f"{QWO[3].lower()} ,Leeds 3",  # 11: tidied, kept
    ]
    path = csv_file(tmp_path / "areas.csv", "LSOA code,Neighbourhood", rows)
    prepared = _prepared(engine, path)
    failures = {
        r["source_row"]: (r["column"], r["rule"], r["message"])
        for r in prepared.failures.iter_rows(named=True)
    }
    both = "LSOA in 2 neighbourhoods: 'Leeds 1' and 'Leeds 2'"
    assert failures == {
        3: ("LSOA code", "lsoa_in_two_areas", both),
        4: ("LSOA code", "lsoa_in_two_areas", both),
        6: ("Neighbourhood", "name_missing", "neighbourhood name is blank"),
        7: (
            "LSOA code",
            "lsoa_unknown",
            "not an English LSOA (not in the ONS 2011 or 2021 lists)",
        ),
        8: ("LSOA code", "lsoa_wales", "LSOA is in Wales; the lookup takes English LSOAs"),
        9: ("LSOA code", "lsoa_malformed", "not an LSOA code (E01 and 6 digits)"),
        10: ("LSOA code", "lsoa_missing", "LSOA code is blank"),
    }
    assert prepared.rejected_source["source_row"].to_list() == [3, 4, 6, 7, 8, 9, 10]
    assert prepared.rows.select("lsoa", "name").rows() == [(QWO[0], "Leeds 1"), (QWO[3], "Leeds 3")]
    assert "1 repeated row(s) counted once" in prepared.notes
    result = import_file(engine, path, "areas")
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (10, 2, 7)
    with engine.connect() as conn:
        issues = conn.execute(
            select(row_issue.c.source_row, row_issue.c.column_name, row_issue.c.rule)
            .where(row_issue.c.batch_id == result.batch_id)
            .order_by(row_issue.c.source_row)
        ).all()
    assert [tuple(i) for i in issues] == [
        (row, column, rule) for row, (column, rule, _m) in sorted(failures.items())
    ]


def test_a_file_mixing_vintages_is_refused_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(
        engine, csv_file(tmp_path / "first.csv", "lsoa,Neighbourhood", [f"{QWO[0]},A"]), "areas"
    )
    rows = [*(f"{c},North" for c in ONLY11[:3]), *(f"{c},South" for c in ONLY21[:2])]
    error = _refused(engine, csv_file(tmp_path / "mixed.csv", "lsoa,Neighbourhood", rows), "mix")
    assert str(error) == (
        "mixed.csv (column 'lsoa'): the LSOA codes mix two vintages: 3 row(s) have a code "
        "that is an LSOA 2011 code only (first at row 2) and 2 a code that is an LSOA 2021 "
        "code only (first at row 5); use the codes of one vintage throughout"
    )


def test_a_column_named_for_one_vintage_holding_the_other_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    path = csv_file(
        tmp_path / "named.csv", "LSOA11CD,Neighbourhood", [f"{c},A" for c in ONLY21[:2]]
    )
    error = _refused(engine, path, "says LSOA 2011")
    assert error.column == "LSOA11CD"
    assert "2 of its codes are LSOA 2021 codes only (first at row 2)" in str(error)


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ("Neighbourhood,Population", "no LSOA code column"),
        ("LSOA code,Population", "no neighbourhood name column"),
    ],
)
def test_a_file_without_its_columns_is_refused(
    engine: Engine, tmp_path: Path, header: str, match: str
) -> None:
    _refused(engine, csv_file(tmp_path / "cols.csv", header, [f"{QWO[0]},100"]), match)


def test_the_area_type_of_the_cli_and_its_refusal(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_file(
        tmp_path / "hubs.csv", "LSOA21CD,Area name", [f"{c},East hub" for c in ONLY21[:2]]
    )
    code = main(["import", "areas", str(path), "--area-type", "hub catchment", "--db", store_url])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "imported: 2 (batch 1)" in out
    assert "note: hub catchment lookup on LSOA 2021 codes (from the codes)" in out
    assert "are in no hub catchment in this file" in out
    with pytest.raises(SystemExit):
        main(["import", "areas", str(path), "--area-type", "ward", "--db", store_url])
    assert "area type 'ward' is not one of" in capsys.readouterr().err
    code = main(["import", "need", str(path), "--area-type", "locality", "--db", store_url])
    assert code == 2
    assert "an area type applies to areas files" in capsys.readouterr().err


def test_a_second_file_overlaps_is_replaced_and_withdrawn(engine: Engine, tmp_path: Path) -> None:
    first = import_file(
        engine,
        csv_file(
            tmp_path / "v1.csv",
            "lsoa,Neighbourhood",
            [f"{c},Old {i}" for i, c in enumerate(QWO[:4])],
        ),
        "areas",
    )
    # a revised lookup (two LSOAs moved) is refused whole: it must replace the old one
    before = counts(engine)
    moved = csv_file(tmp_path / "v1b.csv", "lsoa,Neighbourhood", [f"{c},Moved" for c in QWO[2:6]])
    with pytest.raises(RevisedRowsError) as caught:
        import_file(engine, moved, "areas")
    assert caught.value.batches == (first.batch_id,)
    message = str(caught.value)
    assert message.startswith("v1b.csv: 2 of its rows change what live batch")
    assert f"LSOA {QWO[2]} (neighbourhood): 'Moved' here, 'Old 2' in batch" in message
    assert f"--replace {first.batch_id}" in message
    assert counts(engine) == before
    # the same assignments again, with two more LSOAs: the repeats are not counted twice
    rows = [f"{c},Old {i}" for i, c in enumerate(QWO[:4])][2:] + [f"{c},New" for c in QWO[4:6]]
    second = import_file(engine, csv_file(tmp_path / "v2.csv", "lsoa,Neighbourhood", rows), "areas")
    assert (second.rows_accepted, second.rows_rejected) == (2, 2)
    assert second.rule_counts.filter(pl.col("rule") == "already_imported")["count"].item() == 2
    # a file all of whose rows are held is refused whole
    before = counts(engine)
    held = csv_file(tmp_path / "v3.csv", "lsoa,Neighbourhood", [f"{QWO[0]},Old 0", f"{QWO[4]},New"])
    with pytest.raises(StoreError, match="nothing to import"):
        import_file(engine, held, "areas")
    assert counts(engine) == before
    # another area type of the same LSOAs is no overlap
    localities = csv_file(tmp_path / "loc.csv", "lsoa,Locality", [f"{c},Leeds" for c in QWO[:4]])
    assert import_file(engine, localities, "areas").rows_accepted == 4
    # replacing both neighbourhood batches leaves only the new file's rows live
    v4 = csv_file(tmp_path / "v4.csv", "lsoa,Neighbourhood", [f"{c},Newest" for c in QWO[:6]])
    replaced = import_file(engine, v4, "areas", replace=[first.batch_id, second.batch_id])
    assert replaced.superseded == (first.batch_id, second.batch_id)
    live = live_neighbourhoods(engine)
    hoods = live.filter(pl.col("area_type") == "neighbourhood")
    assert set(hoods["name"]) == {"Newest"}
    assert hoods.height == 6
    # withdrawn: out of every live read; reinstated: back
    withdraw_batch(engine, replaced.batch_id, "the wrong ICB's lookup")
    assert live_neighbourhoods(engine).filter(pl.col("area_type") == "neighbourhood").is_empty()
    with engine.connect() as conn:
        assert replaced.batch_id not in live_batch_ids(conn, "areas")
        held_rows = conn.execute(
            select(func.count()).where(neighbourhood.c.batch_id == replaced.batch_id)
        ).scalar_one()
    assert held_rows == 6  # kept for audit
    reinstate_batch(engine, replaced.batch_id)
    assert live_neighbourhoods(engine).filter(pl.col("area_type") == "neighbourhood").height == 6


def test_an_importer_login_may_import_areas(
    pg_url: str, logins: dict[str, str], tmp_path: Path
) -> None:
    from rehabdash.store import open_store
    from rehabdash.store.roles import setup_roles

    owner = open_store(pg_url)
    setup_roles(owner, readers=[logins["reader"]], importers=[logins["importer"]])
    importer = open_store(logins["importer_url"])
    path = csv_file(tmp_path / "a.csv", "lsoa,Neighbourhood", [f"{QWO[0]},A"])
    assert import_file(importer, path, "areas").rows_accepted == 1
    reader = open_store(logins["reader_url"])
    assert live_neighbourhoods(reader).height == 1
    for eng in (owner, importer, reader):
        eng.dispose()


def test_a_lookup_of_areas_outside_the_population_is_warned_of(
    engine: Engine, tmp_path: Path
) -> None:
    population = population_csv(tmp_path / "pop.csv", QWO[:6])
    assert import_file(engine, population, "population").rows_accepted == 6 * 19  # long
    london = LOOKUP11.filter(pl.col("lad_name") == "City of London")["lsoa"].head(3).to_list()
    other = csv_file(tmp_path / "london.csv", "lsoa,Neighbourhood", [f"{c},City" for c in london])
    warned = prepare_file(engine, other, "areas")
    said = "warning: only 0 of the file's 3 LSOAs are in the store's population (6 LSOAs)"
    assert any(n.startswith(said) for n in warned.notes)
    own = csv_file(tmp_path / "own.csv", "lsoa,Neighbourhood", [f"{c},Leeds N1" for c in QWO[:4]])
    assert not any(n.startswith("warning") for n in prepare_file(engine, own, "areas").notes)
