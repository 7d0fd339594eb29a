"""The workbook names the files it was made from, as imported: file name, SHA-256 of
the file (worked here with hashlib), the saved column mapping and its version; a file
name that looks like a formula stays text (issue 12)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from openpyxl import load_workbook
from workbook_read import table_of

from rehabdash.cli import main
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.export.workbook import write_plan_workbook
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store
from rehabdash.store.batches import batch_records

CSV = """Patient ID,Referral ID,Provider,Referral Date,First Contact,Sex,Ethnicity,LSOA
{rows}"""


def _extract(path: Path, first: int) -> Path:
    rows = "\n".join(
        f"P{i},R{i},RY6,0{1 + i % 9}/06/2024,1{i % 9}/07/2024,{1 + i % 2},A,E01010568"
        for i in range(first, first + 40)
    )
    path.write_text(CSV.format(rows=rows), encoding="utf-8")
    return path


def test_provenance_names_file_hash_and_mapping(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = _extract(tmp_path / "trust-a-june.csv", 0)
    risky = _extract(tmp_path / "=HYPERLINK(1).csv", 100)
    assert main(["--db", url, "import", "activity", str(first), "--save-mapping", "Trust A"]) == 0
    assert main(["--db", url, "import", "activity", str(risky), "--mapping", "Trust A"]) == 0
    engine = open_store(url)
    plan = PlanEngine(ReferralSource(engine)).plan(parse_filter(period="2024-25"))
    batches = batch_records(engine, plan.scope.batches)
    out = write_plan_workbook(plan, tmp_path / "plan.xlsx", "hes", batches, check=True)
    ws = load_workbook(out)["Provenance"]
    _, _, header, _, last = table_of(ws)
    heads = [c.value for c in ws[header]]
    rows = [dict(zip(heads, [c for c in ws[r]], strict=True)) for r in range(header + 1, last + 1)]
    by_file = {r["File"].value: r for r in rows}
    assert set(by_file) == {"trust-a-june.csv", "=HYPERLINK(1).csv"}
    for path in (first, risky):
        row = by_file[path.name]
        assert row["SHA-256"].value == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row["File"].data_type == "s"
    assert by_file[risky.name]["Column mapping"].value == "Trust A v1"
    assert by_file[risky.name]["Rows read"].value == 40
    cover = "\n".join(str(c.value) for c in load_workbook(out)["Cover"]["A"] if c.value)
    assert "=HYPERLINK(1).csv" in cover
    assert "column mapping Trust A v1" in cover
