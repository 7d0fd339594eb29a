"""No clear identifier reaches the store: not in any table, not in the SQLite file or its WAL."""

from __future__ import annotations

from pathlib import Path

import pytest
from commit_helpers import TODAY, referrals_of

from rehabdash.ingest import import_file
from rehabdash.store import open_store

PEOPLE = [
    # person id, NHS number (valid mod 11), postcode, date of birth
    ("PXQ7712345", "9434765919", "LS1 4AP", "12/05/1950"),
    ("PXQ7754321", "9434765870", "BD7 1DP", "03/11/1971"),
    ("PXQ7799999", "4010232137", "HX1 2TT", "27/08/1988"),
]


def test_identifiers_never_reach_the_database_file(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    engine = open_store(f"sqlite:///{db}")
    lines = ["Patient ID,NHS Number,Referral ID,Provider,Referral Date,Postcode,DOB,Sex"]
    for i, (pid, nhs, postcode, dob) in enumerate(PEOPLE):
        lines.append(f"{pid},{nhs},R{i},RY1,01/03/2024,{postcode},{dob},F")
    # a rejected row (date in the future) whose identifiers must not be stored either
    lines.append("PXQ7700000,9434765919,R9,RY1,01/03/2099,LS2 9JT,01/01/1960,F")
    path = tmp_path / "ids.csv"
    path.write_text("\n".join(lines) + "\n")
    result = import_file(engine, path, "activity", today=TODAY)
    assert (result.rows_accepted, result.rows_rejected) == (3, 1)
    stored = referrals_of(engine)
    assert stored["person_key"].str.contains(r"^[0-9a-f]{64}$").all()
    assert stored["nhs_number_key"].str.contains(r"^[0-9a-f]{64}$").all()
    raw = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert b"RY1" in raw  # the check can see stored text
    for pid, nhs, postcode, dob in [*PEOPLE, ("PXQ7700000", "9434765919", "LS2 9JT", "01/01/1960")]:
        for secret in (pid, nhs, postcode, postcode.replace(" ", ""), dob, "943 476 5919"):
            assert secret.encode() not in raw, secret
            assert secret.encode("utf-16-le") not in raw, secret
    engine.dispose()


@pytest.mark.parametrize("column", ["person_key", "nhs_number_key"])
def test_same_person_same_pseudonym_across_imports(tmp_path: Path, column: str) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    for month, name in (("03", "march.csv"), ("04", "april.csv")):
        (tmp_path / name).write_text(
            "Patient ID,NHS Number,Referral ID,Provider,Referral Date\n"
            f"PXQ7712345,9434765919,R{month},RY1,01/{month}/2024\n"
        )
        import_file(engine, tmp_path / name, "activity", today=TODAY)
    keys = referrals_of(engine)[column]
    assert keys.len() == 2
    assert keys.n_unique() == 1
    engine.dispose()
