"""Population, IMD and need tables through the same commit machinery."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from commit_helpers import batches, counts, population_csv
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash import refdata
from rehabdash.ingest import DuplicateFileError, find_overlaps, import_file, prepare_file
from rehabdash.store.schema import area_lookup, import_batch, need_weight, population


def _table(engine: Engine, table: object) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.id)).all()  # type: ignore[attr-defined]
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema=list(table.columns.keys()),  # type: ignore[attr-defined]
        orient="row",
        infer_schema_length=None,
    )


def test_population_import_and_repeat_rules(engine: Engine, tmp_path: Path) -> None:
    first = import_file(
        engine, population_csv(tmp_path / "pop.csv", ["E01011229", "E01011230"]), "population"
    )
    assert (first.rows_read, first.rows_accepted, first.rows_rejected) == (2, 38, 0)
    stored = _table(engine, population)
    assert stored.height == 38
    assert set(stored["year"]) == {2020}
    assert set(stored["sex"]) == {"P"}
    assert stored["count"].sum() == 380
    assert set(stored["source"]) == {"pop.csv"}
    with engine.connect() as conn:
        details = conn.execute(
            select(import_batch.c.details).where(import_batch.c.id == first.batch_id)
        ).scalar_one()
    assert details["years"] == [2020]
    # the same areas and year again (another file): refused row by row, not counted twice
    again = population_csv(tmp_path / "pop2.csv", ["E01011230", "E01011231"], each=11)
    prepared = prepare_file(engine, again, "population")
    assert find_overlaps(engine, prepared) == {first.batch_id: 19}
    second = import_file(engine, again, "population")
    assert (second.rows_accepted, second.rows_rejected) == (19, 19)
    assert counts(engine)["population"] == 57
    # another year imports side by side
    other = import_file(
        engine, population_csv(tmp_path / "pop19.csv", ["E01011229"], year=2019), "population"
    )
    assert other.rows_rejected == 0
    assert counts(engine)["population"] == 76


def test_imd_import_joins_the_shipped_lookup_and_records_edition(
    engine: Engine, tmp_path: Path
) -> None:
    lookup = refdata.lsoa_lookup(2011).filter(pl.col("icb_ods_code") == "QWO").head(3)
    known = lookup["lsoa"].to_list()
    path = tmp_path / "imd.csv"
    path.write_text(
        "LSOA code (2011),Index of Multiple Deprivation (IMD) Rank,"
        "Index of Multiple Deprivation (IMD) Decile\n"
        + "".join(f"{lsoa},{1000 + i},1\n" for i, lsoa in enumerate(known))
        + "E01099999,32000,10\n"
    )
    result = import_file(engine, path, "imd")
    assert (result.rows_accepted, result.rows_rejected) == (4, 0)
    stored = _table(engine, area_lookup).sort("lsoa")
    assert stored["imd_edition"].to_list() == [2019] * 4
    assert stored["lsoa_vintage"].to_list() == [2011] * 4
    by_lsoa = {r["lsoa"]: r for r in stored.iter_rows(named=True)}
    for row in lookup.iter_rows(named=True):
        got = by_lsoa[row["lsoa"]]
        assert (got["icb_code"], got["sicb_name"], got["lad_name"]) == (
            row["icb_code"],
            row["sicb_name"],
            row["lad_name"],
        )
    assert by_lsoa["E01099999"]["icb_code"] is None  # not in the lookup: left blank
    with engine.connect() as conn:
        details = conn.execute(select(import_batch.c.details)).scalar_one()
    assert (details["imd_edition"], details["lsoa_vintage"]) == (2019, 2011)
    # a second file with one of those LSOAs for the same edition repeats it
    again = tmp_path / "imd2.csv"
    again.write_text(f"LSOA code (2011),IMD Rank\n{known[0]},5\nE01011000,6\n")
    second = import_file(engine, again, "imd")
    assert (second.rows_accepted, second.rows_rejected) == (1, 1)
    assert counts(engine)["area_lookup"] == 5


def test_need_weights_and_same_file_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "need.csv"
    path.write_text("Age band,Sex,Weight\n0-4,M,0.5\n0-4,F,0.6\n90+,F,3\n")
    result = import_file(engine, path, "need")
    assert result.rows_accepted == 3
    stored = _table(engine, need_weight)
    assert sorted(stored.select("age_band", "sex", "weight").rows()) == [
        ("0-4", "1", 0.5),
        ("0-4", "2", 0.6),
        ("90+", "2", 3.0),
    ]
    with pytest.raises(DuplicateFileError):
        import_file(engine, path, "need")
    replacement = tmp_path / "need_v2.csv"
    replacement.write_text("Age band,Sex,Weight\n0-4,M,0.55\n")
    replaced = import_file(engine, replacement, "need", replace=[result.batch_id], allow_loss=True)
    assert replaced.superseded == (result.batch_id,)
    assert replaced.left_out == {result.batch_id: 2}  # 0-4 F and 90+ F are not in v2
    # need.csv, need.csv refused (audited), need_v2.csv
    assert [b[2] for b in batches(engine)] == ["superseded", "rolled back", "committed"]


def test_mapping_is_refused_for_reference_tables(engine: Engine, tmp_path: Path) -> None:
    from rehabdash.ingest import ColumnMapping

    path = population_csv(tmp_path / "pop.csv", ["E01011229"])
    with pytest.raises(ValueError, match="activity"):
        import_file(engine, path, "population", mapping=ColumnMapping("activity", {}))
    with pytest.raises(ValueError, match="unknown import kind"):
        import_file(engine, path, "contacts")
    assert counts(engine)["population"] == 0
