"""Saved column-mapping templates: versions, lookup by header signature, auto-apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from commit_helpers import TODAY, write_part
from sqlalchemy.engine import Engine

from rehabdash.ingest import ColumnMapping, import_file, prepare_file
from rehabdash.ingest.mapping import header_signature
from rehabdash.store.mappings import find_mapping, get_mapping, list_mappings, save_mapping

HEADERS = ["Pt No", "Ref No", "Trust", "Date Referred"]


def _mapping() -> ColumnMapping:
    return ColumnMapping(
        kind="activity",
        fields={
            "person_id": "Pt No",
            "referral_id": "Ref No",
            "provider_code": "Trust",
            "referral_date": "Date Referred",
        },
        header_signature=header_signature(HEADERS),
    )


def test_save_versions_and_get(engine: Engine) -> None:
    assert save_mapping(engine, _mapping(), "Trust A", user="ana") == 1
    changed = _mapping()
    changed.fields["referral_date"] = "Ref No"
    assert save_mapping(engine, changed, "Trust A", user="bob") == 2
    assert save_mapping(engine, _mapping(), "Trust B") == 1
    newest = get_mapping(engine, "Trust A")
    assert (newest.name, newest.version, newest.fields["referral_date"]) == ("Trust A", 2, "Ref No")
    first = get_mapping(engine, "Trust A", version=1)
    assert first.fields["referral_date"] == "Date Referred"
    assert first.header_signature == header_signature(HEADERS)
    listing = list_mappings(engine)
    assert listing.select("name", "version", "created_by").rows() == [
        ("Trust A", 1, "ana"),
        ("Trust A", 2, "bob"),
        ("Trust B", 1, listing["created_by"][2]),
    ]
    assert listing["kind"].to_list() == ["activity"] * 3
    with pytest.raises(ValueError, match=r"no saved mapping 'Trust C'.*'Trust A'"):
        get_mapping(engine, "Trust C")
    with pytest.raises(ValueError, match="version 9"):
        get_mapping(engine, "Trust A", version=9)


def test_find_by_signature_newest_first(engine: Engine) -> None:
    assert find_mapping(engine, header_signature(HEADERS), "activity") is None
    save_mapping(engine, _mapping(), "old")
    save_mapping(engine, _mapping(), "new")
    found = find_mapping(engine, header_signature(list(reversed(HEADERS))), "activity")
    assert found is not None
    assert found.name == "new"
    assert find_mapping(engine, header_signature(HEADERS), "population") is None
    assert find_mapping(engine, header_signature(["other"]), "activity") is None


def test_saved_mapping_is_applied_automatically(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Pt No,Ref No,Trust,Date Referred\nP1,R1,RY1,01/02/2024\n")
    with pytest.raises(Exception, match="map the required fields"):
        prepare_file(engine, path, "activity", today=TODAY)
    save_mapping(engine, _mapping(), "Trust A")
    prepared = prepare_file(engine, path, "activity", today=TODAY)
    assert any("applied the saved mapping 'Trust A' (version 1)" in n for n in prepared.notes)
    result = import_file(engine, path, "activity", today=TODAY)
    assert result.rows_accepted == 1
    assert any("saved mapping 'Trust A'" in n for n in result.notes)


def test_suggested_mapping_round_trips_through_the_store(
    engine: Engine, extract_csv: Path, tmp_path: Path
) -> None:
    prepared = prepare_file(engine, extract_csv, "activity", today=TODAY)
    assert prepared.mapping is not None
    save_mapping(engine, prepared.mapping, "demo")
    back = get_mapping(engine, "demo")
    assert back.fields == prepared.mapping.fields
    part = write_part(extract_csv, tmp_path / "next_month.csv", 0, 100)
    result = import_file(engine, part, "activity", mapping=back, today=TODAY)
    assert result.rows_accepted == 100
