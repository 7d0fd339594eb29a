"""Issue 13 on the command line, end to end: `mapping fields`, `mapping suggest --json`,
--map by key or label, a partial mapping file, a corrected re-import of the same file,
what the batch will lack, and the ONS postcode directory."""

from __future__ import annotations

import json
from pathlib import Path

from commit_helpers import counts, one_line_error, referrals_of, run_cli, store_text
from sqlalchemy.engine import Engine

from rehabdash.ingest import import_file
from rehabdash.ingest.fields import FIELD_LABELS, INPUT_FIELDS
from rehabdash.store import open_store

HEADER = "PAT_ID,REF_NO,ORG_CODE,REF_DT,Seen On,Closed"


def _extract(path: Path, ids: range = range(4)) -> Path:
    rows = [f"P{i},R{i},RY1,01/03/2024,08/03/2024,01/04/2024" for i in ids]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_mapping_fields_lists_every_key_and_label() -> None:
    result = run_cli("mapping", "fields")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    assert [line.split()[0] for line in lines] == list(INPUT_FIELDS)
    person = next(line for line in lines if line.startswith("person_id"))
    assert "yes" in person
    assert FIELD_LABELS["person_id"] in person


def test_suggest_prints_reasons_and_writes_a_template_import_uses(
    store_url: str, tmp_path: Path
) -> None:
    path = _extract(tmp_path / "epr.csv")
    template = tmp_path / "epr.json"
    result = run_cli("mapping", "suggest", str(path), "--json", str(template))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "'PAT_ID' -> Local patient identifier (person_id)" in out
    assert "its words match 'patient id'" in out
    # "Closed" is only close to "closed date": asked, not mapped.
    assert "'Closed' (probably Discharge date (discharge_date)" in out
    assert "'Seen On' -> First attended contact date (first_contact_date)" in out
    assert "no Ethnic category (ethnic_category): breakdowns by ethnic group" in out
    written = json.loads(template.read_text())
    assert written["fields"]["person_id"] == "PAT_ID"
    assert "discharge_date" not in written["fields"]
    assert written["to_decide"][0]["column"] == "Closed"
    # The officer edits the template, and import uses it.
    written["fields"]["discharge_date"] = "Closed"
    template.write_text(json.dumps(written))
    imported = run_cli(
        "import", "activity", str(path), "--db", store_url, "--mapping", str(template)
    )
    assert imported.returncode == 0, imported.stderr
    engine = open_store(store_url)
    stored = referrals_of(engine)
    assert stored["discharge_date"].is_not_null().all()
    assert stored["first_contact_date"].is_not_null().all()
    engine.dispose()


def test_map_by_label_and_a_wrong_field_name(store_url: str, tmp_path: Path) -> None:
    path = _extract(tmp_path / "a.csv")
    line = one_line_error(
        run_cli(
            "import", "activity", str(path), "--db", store_url, "--map", "Frist contact=Seen On"
        )
    )
    assert "'Frist contact' is not a field; did you mean First attended contact date" in line
    result = run_cli(
        "import",
        "activity",
        str(path),
        "--db",
        store_url,
        "--map",
        "First attended contact date=Seen On",
        "--map",
        "discharge_date=Closed",
    )
    assert result.returncode == 0, result.stderr
    # What this batch cannot show is said before it is imported.
    assert "note: no Ethnic category (ethnic_category): breakdowns by ethnic group" in (
        result.stdout
    )
    assert "no First attended contact date" not in result.stdout  # mapped by its label


def test_a_hand_written_mapping_file_adds_to_the_suggestion(store_url: str, tmp_path: Path) -> None:
    path = _extract(tmp_path / "b.csv")
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"fields": {"discharge_date": "Closed"}, "dropped": ["Seen On"]}))
    result = run_cli("import", "activity", str(path), "--db", store_url, "--mapping", str(partial))
    assert result.returncode == 0, result.stderr
    engine = open_store(store_url)
    stored = referrals_of(engine)
    assert stored["referral_id"].to_list() == ["R0", "R1", "R2", "R3"]  # suggested REF_NO
    assert stored["discharge_date"].is_not_null().all()  # from the file
    engine.dispose()


def test_the_same_file_again_with_a_corrected_mapping(store_url: str, tmp_path: Path) -> None:
    path = _extract(tmp_path / "march.csv")
    wrong = ("--map", "discharge_date=Seen On", "--drop", "Closed")
    assert run_cli("import", "activity", str(path), "--db", store_url, *wrong).returncode == 0
    again = one_line_error(run_cli("import", "activity", str(path), "--db", store_url))
    assert "already imported as batch 1" in again
    right = ("--map", "first_contact_date=Seen On", "--map", "discharge_date=Closed")
    fixed = run_cli("import", "activity", str(path), "--db", store_url, *right, "--replace", "1")
    assert fixed.returncode == 0, fixed.stderr
    assert "superseded batch 1" in fixed.stdout
    engine = open_store(store_url)
    live = referrals_of(engine).filter(referrals_of(engine)["batch_id"] != 1)
    assert live["first_contact_date"].is_not_null().all()
    assert str(live["discharge_date"][0]) == "2024-04-01"
    engine.dispose()


ONSPD = (
    "pcd,pcd2,pcds,dointr,doterm,oslaua,lsoa11,msoa11,lsoa21,msoa21\n"
    "LS1 4AP,LS1  4AP,LS1 4AP,198001,,E08000035,E01033015,E02006875,E01033015,E02006875\n"
    "BD7 1DP,BD7  1DP,BD7 1DP,198001,,E08000032,E01010646,E02002195,E01010647,E02002195\n"
    "EH1 1AA,EH1  1AA,EH1 1AA,198001,,S12000036,S01008677,S02001586,,\n"
)


def test_postcode_directory_gives_extracts_their_lsoa(store_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "ONSPD_FEB_2025_UK.csv"
    directory.write_text(ONSPD)
    loaded = run_cli("import", "postcodes", str(directory), "--db", store_url)
    assert loaded.returncode == 0, loaded.stderr
    assert "1 postcode(s) outside England and Wales" in loaded.stdout
    assert "imported: 2" in loaded.stdout
    extract = tmp_path / "pc.csv"
    extract.write_text(
        "Patient ID,Referral ID,Provider,Referral Date,Patient Postcode\n"
        "P1,R1,RY1,01/03/2024,ls1 4ap\nP2,R2,RY1,01/03/2024,BD71DP\nP3,R3,RY1,01/03/2024,ZZ9 9ZZ\n"
    )
    result = run_cli("import", "activity", str(extract), "--db", store_url)
    assert result.returncode == 0, result.stderr
    assert "derived LSOA from postcode" in result.stdout
    assert "postcode_unknown" in result.stdout
    engine = open_store(store_url)
    stored = referrals_of(engine)
    # The 2021 vintage for the whole file (BD7 1DP's 2021 LSOA differs from its 2011 one).
    assert stored["lsoa"].to_list() == ["E01033015", "E01010647", None]
    assert "postcode" not in stored.columns
    # The directory is public reference data; a patient's postcode is never kept, not even
    # the one the directory did not know (its warning names the row, the value is masked).
    text = store_text(engine).upper()
    assert "ZZ9 9ZZ" not in text
    assert "ZZ99ZZ" not in text
    engine.dispose()


def test_a_file_that_is_not_a_postcode_directory_is_refused(store_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "not_onspd.csv"
    bad.write_text("code,name\nE01033015,Leeds 111A\n")
    line = one_line_error(run_cli("import", "postcodes", str(bad), "--db", store_url))
    assert "not_onspd.csv" in line
    assert "needs a postcode column" in line
    engine = open_store(store_url)
    assert counts(engine)["postcode_lsoa"] == 0
    engine.dispose()


def test_a_postcode_directory_workbook_with_a_title_row(engine: Engine, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Postcode to LSOA, West Yorkshire extract"])  # not the ONSPD's first line
    for line in ONSPD.strip().splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "postcodes.xlsx"
    book.save(path)
    result = import_file(engine, path, "postcodes")
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 2, 0)
    assert counts(engine)["postcode_lsoa"] == 2
