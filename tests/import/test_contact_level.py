"""A contact-level extract (one row per care contact, as CSDS sends it) becomes referrals.

Without the roll-up, every referral with more than one contact would be rejected as
a duplicate; with it, contacts are counted by the CSDS attendance groups and the
first attended contact gives the first contact date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from commit_helpers import TODAY, referrals_of
from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.ingest import import_file, prepare_file

HEADER = (
    "Local Patient Identifier,Service Request Identifier,Organisation Code (Provider),"
    "Referral Received Date,Care Contact Date,Attended Or Did Not Attend,Ethnic Category,Age"
)
ROWS = [
    "P1,R1,RX1,02/01/2024,03/01/2024,3,A,70",  # did not attend
    "P1,R1,RX1,02/01/2024,10/01/2024,5,,70",  # attended: the first contact
    "P1,R1,RX1,02/01/2024,17/01/2024,Cancelled by patient,,70",
    "P2,R2,RX1,01/02/2024,20/02/2024,Attended,H,45",
    "P2,R2,RX1,01/02/2024,05/02/2024,6,H,45",  # late but seen, earlier date
    "P3,R3,RX1,01/03/2024,08/03/2024,did not attend,Z,30",
    "P4,R4,RX1,01/03/2024,09/03/2024,maybe,M,30",  # not a CSDS attendance value
    "P5,,RX1,01/03/2024,09/03/2024,5,A,30",  # no referral id: rejected on its own
    "P6,R6,RX1,,02/04/2024,5,A,50",  # referral date on a later row only
    "P6,R6,RX1,01/04/2024,09/04/2024,5,,50",
]


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_contacts_roll_up_to_referrals(engine: Engine, contacts_csv: Path) -> None:
    result = import_file(engine, contacts_csv, "activity", today=TODAY)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (10, 5, 1)
    assert any("10 contact rows rolled up to 6 referrals" in n for n in result.notes)
    assert any("1 contact row(s) had an attendance value" in n for n in result.notes)
    got = {r["referral_id"]: r for r in referrals_of(engine).iter_rows(named=True)}
    assert sorted(got) == ["R1", "R2", "R3", "R4", "R6"]

    def counts(ref: str) -> tuple[int, int, int]:
        row = got[ref]
        return (row["contacts_attended"], row["contacts_dna"], row["contacts_cancelled"])

    assert counts("R1") == (1, 1, 1)
    assert counts("R2") == (2, 0, 0)
    assert counts("R3") == (0, 1, 0)
    assert counts("R4") == (0, 0, 0)
    assert got["R1"]["first_contact_date"] == dt.date(2024, 1, 10)
    assert got["R2"]["first_contact_date"] == dt.date(2024, 2, 5)
    assert got["R3"]["first_contact_date"] is None  # never seen
    assert got["R1"]["ethnic_category"] == "A"  # the first value the rows give
    assert got["R6"]["referral_date"] == dt.date(2024, 4, 1)


def test_rejected_contact_row_keeps_its_own_row_number(contacts_csv: Path, engine: Engine) -> None:
    prepared = prepare_file(engine, contacts_csv, "activity", today=TODAY)
    rejected = prepared.failures.filter(prepared.failures["severity"] == "rejected")
    assert rejected["source_row"].to_list() == [9]  # the row without a referral id
    assert prepared.rows_accepted == 5
    assert prepared.rejected_source["source_row"].to_list() == [9]


def test_a_referral_level_file_is_not_rolled_up(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "referrals.csv"
    header = "Local Patient Identifier,Service Request Identifier,Organisation Code (Provider),"
    path.write_text(
        header + "Referral Received Date\nP1,R1,RX1,02/01/2024\nP1,R1,RX1,03/01/2024\n",
        encoding="utf-8",
    )
    # the same referral twice in a referral-level file is still a duplicate
    with pytest.raises(StoreError, match=r"all 2 rows were rejected \(duplicate_referral 2\)"):
        import_file(engine, path, "activity", today=TODAY)


def test_the_command_line_says_how_contacts_were_rolled_up(
    store_url: str, contacts_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rehabdash.cli import main

    assert main(["import", "activity", str(contacts_csv), "--db", store_url]) == 0
    out = capsys.readouterr().out
    assert "note: contact-level file: 10 contact rows rolled up to 6 referrals" in out
    assert "imported: 5" in out
