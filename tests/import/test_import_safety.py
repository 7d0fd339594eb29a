"""Issue 9: no identifier stored in clear, nothing lost or revived unasked, every failure audited.

Each test builds the file that showed a defect and checks the store afterwards, on
SQLite and on a real PostgreSQL server alike.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from commit_helpers import TODAY, batches, counts, referrals_of, store_text
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.ingest import ColumnMapping, DuplicateFileError, ImportFileError, import_file
from rehabdash.ingest.commit import ReplacementLossError
from rehabdash.store.schema import import_batch, row_issue

NHS = ["9434765919", "9434765870", "4010232137"]
HEADER = "Patient ID,Referral ID,Provider,Referral Date"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _audit(engine: Engine) -> list[tuple[str, dict[str, object]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(import_batch.c.status, import_batch.c.details).order_by(import_batch.c.id)
        ).all()
    return [(r.status, r.details or {}) for r in rows]


def _simple(path: Path, ids: range, day: str = "01") -> Path:
    return _write(path, [HEADER, *(f"P{i},R{i},RY1,{day}/03/2024" for i in ids)])


# 1. NHS numbers stored in clear --------------------------------------------------------


def test_duplicated_header_stops_until_mapped(engine: Engine, tmp_path: Path) -> None:
    lines = [
        "Service Request Identifier,Patient ID,Service Request Identifier,Provider,Referral Date"
    ]
    lines += [f"{nhs},P{i},R{i},RY1,01/03/2024" for i, nhs in enumerate(NHS)]
    path = _write(tmp_path / "dup.csv", lines)
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "activity", today=TODAY)
    message = str(caught.value)
    assert "'Service Request Identifier' appears 2 times" in message
    assert "'Service Request Identifier (2)'" in message
    assert counts(engine)["referral"] == 0
    assert [status for status, _ in _audit(engine)] == ["rolled back"]

    mapping = ColumnMapping(
        "activity",
        {
            "nhs_number": "Service Request Identifier",
            "referral_id": "Service Request Identifier (2)",
        },
        partial=True,
    )
    result = import_file(engine, path, "activity", today=TODAY, mapping=mapping)
    assert result.rows_accepted == 3
    stored = referrals_of(engine)
    assert sorted(stored["referral_id"].to_list()) == ["R0", "R1", "R2"]
    assert stored["nhs_number_key"].str.contains(r"^[0-9a-f]{64}$").all()
    text = store_text(engine)
    assert not any(nhs in text for nhs in NHS)


@pytest.mark.parametrize(
    ("header", "values", "what"),
    [
        ("Referral ID", NHS, "NHS numbers"),
        ("Service", ["LS1 4AP", "BD7 1DP", "HX1 2TT"], "postcodes"),
    ],
)
def test_identifiers_in_a_clear_field_stop_import(
    engine: Engine, tmp_path: Path, header: str, values: list[str], what: str
) -> None:
    has_ref = header == "Referral ID"
    head = f"Patient ID,{header},Provider,Referral Date" + ("" if has_ref else ",Referral ID")
    rows = [
        f"P{i},{v},RY1,01/03/2024" + ("" if has_ref else f",R{i}") for i, v in enumerate(values)
    ]
    path = _write(tmp_path / "leak.csv", [head, *rows])
    field = "referral_id" if has_ref else "service_name"
    explicit = ColumnMapping(
        "activity",
        {"person_id": "Patient ID", field: header, "provider_code": "Provider"}
        | {"referral_date": "Referral Date"}
        | ({} if has_ref else {"referral_id": "Referral ID"}),
    )
    for mapping in (None, explicit):  # suggested or given, never stored in clear
        with pytest.raises(ImportFileError, match=rf"mapped to [^(]+\({field}\) but holds {what}"):
            import_file(engine, path, "activity", today=TODAY, mapping=mapping)
    assert counts(engine)["referral"] == 0
    assert not any(v in store_text(engine) for v in values)


# 2. and 3. Failures explained, audited, without identifiers ----------------------------


def test_unexpected_failure_is_audited_without_identifiers(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rehabdash.ingest.pipeline as pipeline

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"choked on {NHS[0]} born 12/05/1950 at LS1 4AP")

    monkeypatch.setattr(pipeline, "normalise_activity", broken)
    path = _simple(tmp_path / "a.csv", range(3))
    with pytest.raises(RuntimeError):
        import_file(engine, path, "activity", today=TODAY)
    ((status, details),) = _audit(engine)
    assert status == "rolled back"
    assert "RuntimeError" in str(details["error"])
    for secret in (NHS[0], "12/05/1950", "LS1 4AP"):
        assert secret not in store_text(engine)


def test_file_errors_are_scrubbed_before_they_are_shown_or_stored(
    engine: Engine, tmp_path: Path
) -> None:
    # No header row: the first data row is taken as the header and listed in the message.
    path = _write(
        tmp_path / "noheader.csv",
        [
            f"PSECRET1,{NHS[0]},R1,RY1,12/05/1950,LS1 4AP",
            f"PSECRET2,{NHS[1]},R2,RY1,01/02/1960,LS2 9JT",
        ],
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "activity", today=TODAY)
    assert "names none of the known fields" in str(caught.value)
    for secret in ("PSECRET1", NHS[0], "12/05/1950", "LS1 4AP"):
        assert secret not in str(caught.value)
        assert secret not in store_text(engine)
    assert [s for s, _ in _audit(engine)] == ["rolled back"]


# 4. Lengths and control characters: the same on both stores ---------------------------


def test_lengths_and_control_characters_are_row_problems(engine: Engine, tmp_path: Path) -> None:
    padding = [f"P{i},R{i},RY1,01/03/2024,Physio" for i in range(30_000)]
    bad = [
        "PA,R" + "9" * 70 + ",RY1,01/03/2024,Physio",  # referral id over 64
        "PB,RB,RY1" + "X" * 20 + ",01/03/2024,Physio",  # provider code over 16
        "PC,R\x00C,RY1,01/03/2024,Physio",  # NUL in the referral id
        "PD,RD,RY1,01/03/2024,Phys\x00io",  # NUL in free text: removed, warned
        "PE,RE,RY1,01/03/2024," + "S" * 5_000,  # an over-long cell
    ]
    early = ["PF,R\x00F,RY1,01/03/2024,Physio"]  # a stray NUL near the top: a row problem too
    padding = early + padding
    path = tmp_path / "odd.csv"
    path.write_bytes(
        (
            "Patient ID,Referral ID,Provider,Referral Date,Service Name\n"
            + "\n".join(padding + bad)
            + "\n"
        ).encode()
    )
    result = import_file(engine, path, "activity", today=TODAY)
    assert (result.rows_accepted, result.rows_rejected) == (30_001, 5)
    rules = {(r, s): n for r, s, n in result.rule_counts.iter_rows()}
    assert rules[("value_too_long", "rejected")] == 3
    assert rules[("control_character", "rejected")] == 2
    assert rules[("control_character", "warning")] == 1
    stored = referrals_of(engine)
    assert stored.filter(pl.col("referral_id") == "RD")["service_name"].to_list() == ["Physio"]
    assert stored["referral_id"].str.len_chars().max() <= 64
    with engine.connect() as conn:
        values = conn.execute(select(row_issue.c.value)).scalars().all()
    assert all("\x00" not in (v or "") and len(v or "") <= 101 for v in values)


def test_mixed_encodings_are_stored_as_written(engine: Engine, tmp_path: Path) -> None:
    utf8 = "".join(f"P{i},R{i},RY1,01/03/2024,Café Physio\n" for i in range(5))
    cp1252 = "".join(f"P{i},R{i},RY1,01/03/2024,Café Physio\n" for i in range(5, 10))
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"Patient ID,Referral ID,Provider,Referral Date,Service\n"
        + utf8.encode("utf-8")
        + cp1252.encode("cp1252")
    )
    import_file(engine, path, "activity", today=TODAY)
    assert set(referrals_of(engine)["service_name"].to_list()) == {"Café Physio"}


# 7. A superseded file does not come back unasked --------------------------------------


def test_superseded_file_is_refused_naming_its_replacement(engine: Engine, tmp_path: Path) -> None:
    a = _simple(tmp_path / "a.csv", range(10))
    b = _simple(tmp_path / "b.csv", range(10), day="02")
    first = import_file(engine, a, "activity", today=TODAY)
    second = import_file(engine, b, "activity", today=TODAY, replace=[first.batch_id])
    before = counts(engine), batches(engine)
    with pytest.raises(
        DuplicateFileError, match=f"replaced by batch {second.batch_id} \\(b.csv\\)"
    ):
        import_file(engine, a, "activity", today=TODAY)
    assert counts(engine) == before[0]
    assert batches(engine)[:-1] == before[1]
    assert batches(engine)[-1][2] == "rolled back"  # the refusal is audited
    back = import_file(engine, a, "activity", today=TODAY, replace=[second.batch_id])
    assert back.rows_accepted == 10
    live = referrals_of(engine, back.batch_id)
    assert live.height == 10


def test_same_file_may_replace_its_own_batch(engine: Engine, tmp_path: Path) -> None:
    path = _simple(tmp_path / "a.csv", range(4))
    first = import_file(engine, path, "activity", today=TODAY)
    with pytest.raises(DuplicateFileError):
        import_file(engine, path, "activity", today=TODAY)
    again = import_file(engine, path, "activity", today=TODAY, replace=[first.batch_id])
    assert again.superseded == (first.batch_id,)


# 8. --replace says what leaves live data ----------------------------------------------


def test_replacing_with_fewer_referrals_is_refused_unless_allowed(
    engine: Engine, tmp_path: Path
) -> None:
    old = import_file(engine, _simple(tmp_path / "old.csv", range(10)), "activity", today=TODAY)
    new = _simple(tmp_path / "new.csv", range(10, 14))  # shares none of them
    before = counts(engine)["referral"]
    with pytest.raises(ReplacementLossError) as caught:
        import_file(engine, new, "activity", today=TODAY, replace=[old.batch_id])
    assert caught.value.lost == {old.batch_id: 10}
    assert f"10 of the 10 referrals of batch {old.batch_id}" in str(caught.value)
    assert counts(engine)["referral"] == before
    assert [s for s, _ in _audit(engine)] == ["committed", "rolled back"]

    done = import_file(
        engine, new, "activity", today=TODAY, replace=[old.batch_id], allow_loss=True
    )
    assert done.left_out == {old.batch_id: 10}
    assert any("10 row(s) not in this file" in n for n in done.notes)


def test_rows_rejected_from_the_replacement_count_as_lost(engine: Engine, tmp_path: Path) -> None:
    old = import_file(engine, _simple(tmp_path / "old.csv", range(3)), "activity", today=TODAY)
    new = _write(
        tmp_path / "new.csv",
        [HEADER, "P0,R0,RY1,01/03/2024", "P1,R1,RY1,01/03/2099", "P2,R2,RY1,01/03/2024"],
    )
    with pytest.raises(ReplacementLossError) as caught:
        import_file(engine, new, "activity", today=TODAY, replace=[old.batch_id])
    assert caught.value.lost == {old.batch_id: 1}  # R1 is rejected (future date)


def test_replacing_with_every_referral_needs_no_confirmation(
    engine: Engine, tmp_path: Path
) -> None:
    old = import_file(engine, _simple(tmp_path / "old.csv", range(5)), "activity", today=TODAY)
    new = _simple(tmp_path / "new.csv", range(6), day="02")
    result = import_file(engine, new, "activity", today=TODAY, replace=[old.batch_id])
    assert result.left_out == {old.batch_id: 0}
    assert result.rows_accepted == 6


# 9. Columns that look like fields are not dropped silently ----------------------------


def test_lookalike_columns_stop_until_mapped_or_dropped(engine: Engine, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["MSK activity report"])
    sheet.append([])
    sheet.append(
        [
            "Patient ID",
            "Referral ID",
            "Provider",
            "Referral Date",
            "Date of First Attended Contact",
            "Discharged",
        ]
    )
    for i in range(5):
        sheet.append([f"P{i}", f"R{i}", "RY1", "01/03/2024", "08/03/2024", "01/05/2024"])
    path = tmp_path / "report.xlsx"
    book.save(path)
    # A mapping that leaves them out (a template from a file without them) stops.
    given = ColumnMapping(
        "activity",
        {
            "person_id": "Patient ID",
            "referral_id": "Referral ID",
            "provider_code": "Provider",
            "referral_date": "Referral Date",
        },
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "activity", today=TODAY, mapping=given)
    message = str(caught.value)
    assert (
        "'Date of First Attended Contact' (probably First attended contact date "
        "(first_contact_date)" in message
    )
    assert "'Discharged' (probably Discharge date (discharge_date)" in message
    assert counts(engine)["referral"] == 0

    given.dropped = ["Discharged"]
    with pytest.raises(ImportFileError, match="Date of First Attended Contact"):
        import_file(engine, path, "activity", today=TODAY, mapping=given)
    chosen = ColumnMapping(
        "activity",
        {"first_contact_date": "Date of First Attended Contact"},
        dropped=["Discharged"],
        partial=True,
    )
    result = import_file(engine, path, "activity", today=TODAY, mapping=chosen)
    assert result.rows_accepted == 5
    stored = referrals_of(engine)
    assert stored["first_contact_date"].is_not_null().all()
    assert stored["discharge_date"].is_null().all()
    with engine.connect() as conn:
        saved = conn.execute(
            select(import_batch.c.mapping).where(import_batch.c.id == result.batch_id)
        ).scalar_one()
    assert saved["dropped"] == ["Discharged"]


def test_replace_of_a_missing_batch_is_still_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such batch"):
        import_file(
            engine, _simple(tmp_path / "a.csv", range(2)), "activity", today=TODAY, replace=[99]
        )


def test_oversized_cells_are_rejected_rows_wherever_they_are(
    engine: Engine, tmp_path: Path
) -> None:
    big = "x" * 1_048_576
    rows = [f"P{i},R{i},RY1,01/03/2024,Physio" for i in range(150)]
    rows[0] = f"P0,R0,RY1,01/03/2024,{big}"  # row 2: inside the header probe
    rows[98] = f"P98,R98,RY1,01/03/2024,{big}"  # row 100
    path = _write(
        tmp_path / "big.csv", ["Patient ID,Referral ID,Provider,Referral Date,Service", *rows]
    )
    result = import_file(engine, path, "activity", today=TODAY)
    assert (result.rows_accepted, result.rows_rejected) == (148, 2)
    with engine.connect() as conn:
        issues = conn.execute(
            select(row_issue.c.source_row, row_issue.c.column_name, row_issue.c.message)
            .where(row_issue.c.rule == "value_too_long")
            .order_by(row_issue.c.source_row)
        ).all()
    assert [(r.source_row, r.column_name) for r in issues] == [(2, "Service"), (100, "Service")]
    assert "1,048,576 characters long" in issues[0].message
    assert [s for s, _ in _audit(engine)] == ["committed"]


def test_oversized_header_is_one_line_and_audited(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path / "head.csv", [HEADER + "," + "H" * 2_000_000, "P1,R1,RY1,01/03/2024,x"])
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "activity", today=TODAY)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 300
    assert [s for s, _ in _audit(engine)] == ["rolled back"]


def test_long_labels_in_free_text_fields_are_stored_whole(engine: Engine, tmp_path: Path) -> None:
    source = "Self-referral by patient or carer (online form)"
    closure = "Discharged - treatment completed and goals met"
    tool = "Musculoskeletal Health Questionnaire (MSK-HQ)"
    head = HEADER + ",Source of Referral,Closure Reason,Outcome Tool"
    path = _write(
        tmp_path / "labels.csv", [head, f"P1,R1,RY1,01/03/2024,{source},{closure},{tool}"]
    )
    result = import_file(engine, path, "activity", today=TODAY)
    assert result.rows_accepted == 1
    stored = referrals_of(engine).row(0, named=True)
    assert (stored["source_of_referral"], stored["closure_reason"], stored["outcome_tool"]) == (
        source,
        closure,
        tool,
    )


# User trial (issue 9): identifiers in the wrong column, late in a file, inside text -----


def test_identifiers_in_any_failing_cell_are_not_stored(engine: Engine, tmp_path: Path) -> None:
    head = "Patient ID,Referral ID,Provider,Referral Date,Gender,Ethnic Category,LSOA"
    rows = [
        f"P1,R1,RY1,01/03/2024,{NHS[0]},A,E01011229",  # an NHS number under Gender
        "P2,R2,RY1,01/03/2024,F,17/01/1950,E01011229",  # a date of birth under ethnicity
        "P3,R3,RY1,01/03/2024,F,A,LS1 4DY",  # a postcode under LSOA
        "P4,R4,RY1,01/03/2024,F,A,E01011229",
    ]
    result = import_file(
        engine, _write(tmp_path / "wrong.csv", [head, *rows]), "activity", today=TODAY
    )
    assert result.rows_accepted == 4
    with engine.connect() as conn:
        values = [v or "" for v in conn.execute(select(row_issue.c.value)).scalars()]
    assert len(values) >= 3  # the three odd cells are warned about
    text = store_text(engine)
    for secret in (NHS[0], "17/01/1950", "LS1 4DY"):
        assert secret not in text


def test_nhs_numbers_in_referral_ids_are_stored_as_pseudonyms(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [f"P{i},R{i},RY1,01/03/2024" for i in range(600)]
    rows[550] = f"P550,{NHS[0]},RY1,01/03/2024"  # late in the file: past any sample
    rows[551] = f"P551,REF-{NHS[1]}-X,RY1,01/03/2024"  # inside other text
    path = _write(tmp_path / "late.csv", [HEADER, *rows])
    result = import_file(engine, path, "activity", today=TODAY)
    assert result.rows_accepted == 600
    rules = {r for r, _s, _n in result.rule_counts.iter_rows()}
    assert "referral_id_identifier" in rules
    stored = referrals_of(engine)["referral_id"].to_list()
    assert sum(len(r) == 64 for r in stored) == 2
    assert not any(n in store_text(engine) for n in NHS)
    # The same file's referrals are recognised again (the pseudonym is stable).
    again = _write(tmp_path / "late2.csv", [HEADER, *rows, "P999,R999,RY1,02/03/2024"])
    second = import_file(engine, again, "activity", today=TODAY)
    assert (second.rows_accepted, second.rows_rejected) == (1, 600)


def test_identifiers_in_free_text_are_masked(engine: Engine, tmp_path: Path) -> None:
    head = HEADER + ",Service"
    rows = [f"P1,R1,RY1,01/03/2024,Leeds MSK pt {NHS[0]}", "P2,R2,RY1,01/03/2024,MSK LS1 4DY"]
    result = import_file(
        engine, _write(tmp_path / "text.csv", [head, *rows]), "activity", today=TODAY
    )
    assert any(r == "identifier_masked" for r, _s, _n in result.rule_counts.iter_rows())
    services = sorted(referrals_of(engine)["service_name"].to_list())
    assert services == ["Leeds MSK pt [number]", "MSK [postcode]"]
    assert NHS[0] not in store_text(engine)


def test_a_provider_code_that_is_an_nhs_number_is_rejected(engine: Engine, tmp_path: Path) -> None:
    rows = [f"P{i},R{i},RY1,01/03/2024" for i in range(5)]
    rows[2] = f"P2,R2,{NHS[0]},01/03/2024"  # one row: the whole-column check lets it by
    result = import_file(
        engine, _write(tmp_path / "prov.csv", [HEADER, *rows]), "activity", today=TODAY
    )
    assert (result.rows_accepted, result.rows_rejected) == (4, 1)
    assert any(r == "provider_code_identifier" for r, _s, _n in result.rule_counts.iter_rows())
    assert NHS[0] not in store_text(engine)


def test_a_provider_option_that_is_not_an_ods_code_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "noprov.csv", ["Patient ID,Referral ID,Referral Date", "P1,R1,01/03/2024"]
    )
    with pytest.raises(ValueError, match="not an ODS organisation code"):
        import_file(engine, path, "activity", today=TODAY, provider_code="RY6RY6RY6RY6RY6RY6RY6")
    assert counts(engine)["referral"] == 0
    result = import_file(engine, path, "activity", today=TODAY, provider_code=" ry6 ")
    assert referrals_of(engine)["provider_code"].to_list() == ["RY6"]
    assert result.rows_accepted == 1


def test_long_digit_ids_and_compact_dates_are_masked_in_messages(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(tmp_path / "nohead.csv", ["RX1000134,REF-0001,RY6,19500117,Leeds MSK Service"])
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "activity", today=TODAY)
    for secret in ("1000134", "19500117"):
        assert secret not in str(caught.value)
        assert secret not in store_text(engine)


def test_referrals_a_replacement_dropped_do_not_come_back_in_a_re_export(
    engine: Engine, tmp_path: Path
) -> None:
    a = _simple(tmp_path / "a.csv", range(10))
    first = import_file(engine, a, "activity", today=TODAY)
    b = _simple(tmp_path / "b.csv", range(7), day="02")  # drops R7, R8, R9 on purpose
    second = import_file(
        engine, b, "activity", today=TODAY, replace=[first.batch_id], allow_loss=True
    )
    reexport = tmp_path / "a_again.csv"
    reexport.write_bytes(a.read_bytes().replace(b"\n", b"\r\n"))  # same rows, new SHA-256
    with pytest.raises(StoreError, match="already_imported 7, replaced_before 3"):
        import_file(engine, reexport, "activity", today=TODAY)
    live = referrals_of(engine).filter(pl.col("batch_id") != first.batch_id)
    assert sorted(live["referral_id"].to_list()) == [f"R{i}" for i in range(7)]
    # Replacing batch B on purpose brings them back.
    back = import_file(
        engine, reexport, "activity", today=TODAY, replace=[second.batch_id], allow_loss=True
    )
    assert back.rows_accepted == 10


def test_rows_with_more_cells_than_the_header_are_rejected_not_shifted(
    engine: Engine, tmp_path: Path
) -> None:
    head = HEADER + ",Ethnic Category,Service"
    rows = [
        "P1,R1,RY1,01/03/2024,A,Leeds MSK",
        "P2,R2,RY1,01/03/2024,White, British,Leeds MSK",  # an unquoted comma
        "P3,R3,RY1,01/03/2024,A,Leeds MSK,",  # a trailing comma: harmless
        'P4,R4,RY1,01/03/2024,"White, British",Leeds MSK',  # quoted: fine
    ]
    result = import_file(
        engine, _write(tmp_path / "ragged.csv", [head, *rows]), "activity", today=TODAY
    )
    assert (result.rows_accepted, result.rows_rejected) == (3, 1)
    assert any("more cells than the header" in n for n in result.notes)
    with engine.connect() as conn:
        issue = conn.execute(
            select(row_issue.c.source_row, row_issue.c.rule).where(
                row_issue.c.rule == "row_misaligned"
            )
        ).one()
    assert tuple(issue) == (3, "row_misaligned")
    assert set(referrals_of(engine)["service_name"].to_list()) == {"Leeds MSK"}


def test_month_name_dates_of_birth_and_dates_as_ids_are_not_stored(
    engine: Engine, tmp_path: Path
) -> None:
    head = HEADER + ",Gender,Ethnic Category"
    rows = [
        "P1,R1,RY1,01/03/2024,17 Jan 1950,A",
        "P2,R2,RY1,01/03/2024,F,17-Jan-1950",
        "P3,R3,RY1,01/03/2024,F,January 17 1950",
        "P4,R4,RY1,01/03/2024,F,A",
    ]
    import_file(engine, _write(tmp_path / "dob.csv", [head, *rows]), "activity", today=TODAY)
    text = store_text(engine)
    for secret in ("17 Jan 1950", "17-Jan-1950", "January 17 1950"):
        assert secret not in text
    dobs = _write(
        tmp_path / "ids.csv",
        ["Patient ID,Date of Birth,Provider,Referral Date"]
        + [f"P{i},{1 + i % 28:02d}/01/19{40 + i % 50},RY1,01/03/2024" for i in range(40)],
    )
    for field in ("referral_id", "provider_code"):
        mapping = ColumnMapping("activity", {field: "Date of Birth"}, partial=True)
        with pytest.raises(ImportFileError, match="holds dates"):
            import_file(engine, dobs, "activity", today=TODAY, mapping=mapping)


def test_room_numbers_in_service_names_are_not_postcodes(engine: Engine, tmp_path: Path) -> None:
    head = HEADER + ",Service"
    rows = [
        "P1,R1,RY1,01/03/2024,Physio Room A1 2nd floor",
        "P2,R2,RY1,01/03/2024,Gym B2 3rd floor",
    ]
    import_file(engine, _write(tmp_path / "rooms.csv", [head, *rows]), "activity", today=TODAY)
    assert sorted(referrals_of(engine)["service_name"].to_list()) == [
        "Gym B2 3rd floor",
        "Physio Room A1 2nd floor",
    ]


def test_a_column_of_identifiers_late_in_the_file_still_stops_it(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [f"P{i},R{i},RY1,01/03/2024,Physio" for i in range(2_000)]
    rows[1_000:] = [f"P{i},R{i},RY1,01/03/2024,LS1 4DY" for i in range(1_000, 2_000)]
    path = _write(tmp_path / "late.csv", [HEADER + ",Service", *rows])
    with pytest.raises(
        ImportFileError, match=r"mapped to Service name \(service_name\) but holds postcodes"
    ):
        import_file(engine, path, "activity", today=TODAY)
