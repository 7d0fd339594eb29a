"""The Data quality page's heat map and rejections table, from the plan's quality extra,
checked against counts worked by hand."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

from plan_store import LSOAS, lookup_rows, referral_rows, write_store

from rehabdash.ingest import import_file
from rehabdash.plan import parse_filter
from rehabdash.plan.completeness_grid import (
    BELOW_MARK,
    GridCell,
    completeness_grid,
    issues_table,
)
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.quality import rejections_indicator, warnings_indicator
from rehabdash.plan.result import Indicator
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store

# provider: ethnic categories of its people (one referral each). "A" valid, "Z" not
# stated, "99" not known, None blank, "INVALID" invalid.
PEOPLE = {
    "RA1": ["A"] * 8 + ["Z", None],  # 8 of 10 valid: exactly 80%, not below it
    "RB2": ["A"] * 3 + ["99", "INVALID"],  # 3 of 5: 60%, below 80%
    "RC3": ["A"] * 19 + ["Z"],  # 19 of 20: exactly 95%, meets the target
}


def _quality(url: str) -> list[Indicator]:
    providers, ethnic, months = [], [], []
    for provider, codes in PEOPLE.items():
        for i, code in enumerate(codes):
            providers.append(provider)
            ethnic.append(code)
            months.append(date(2024, 5 if i % 2 else 6, 3))
    n = len(providers)
    rows = referral_rows(
        provider_code=providers,
        ethnic_category=ethnic,
        referral_date=months,
        sex=["1"] * n,
        lsoa=[LSOAS[0]] * n,
    )
    engine = write_store(url, rows, lookup=lookup_rows({LSOAS[0]: 3}))
    return PlanEngine(ReferralSource(engine)).extra(parse_filter(period="2024-25"), "quality")


def test_cells_are_the_valid_share_with_bands_and_marks(tmp_path: Path) -> None:
    grid = completeness_grid(_quality(f"sqlite:///{tmp_path / 'q.db'}"), "provider")
    assert [c for c, _ in grid.columns] == ["All", "RA1", "RB2", "RC3"]
    assert grid.columns[0][1] == "All providers"
    keys = [k for k, _ in grid.rows]
    row = keys.index("ethnicity")
    cells = {c.column: c for c in grid.cells[row]}
    # by hand: valid / people referred, %
    everyone = sum(len(v) for v in PEOPLE.values())
    valid = {p: sum(code == "A" for code in v) for p, v in PEOPLE.items()}
    for provider, codes in PEOPLE.items():
        assert cells[provider].value is not None
        assert abs(cells[provider].value - 100 * valid[provider] / len(codes)) < 1e-9
        assert cells[provider].total == len(codes)
    assert cells["All"].total == everyone
    assert cells["All"].counts["valid"] == 30
    # The thresholds at their edges: exactly 80% and 95% are not below them.
    assert (cells["RA1"].band, cells["RA1"].text) == ("below_target", "80%")
    assert (cells["RB2"].band, cells["RB2"].text) == ("below_csds", f"60% {BELOW_MARK}")
    assert (cells["RC3"].band, cells["RC3"].text) == ("target", "95%")
    assert (cells["All"].band, cells["All"].text) == ("below_target", "85%")  # 30 / 35 = 85.7%
    assert cells["RB2"].counts == {
        "valid": 3,
        "not stated": 0,
        "not known": 1,
        "blank": 0,
        "invalid": 1,
    }
    assert cells["RA1"].counts["blank"] == 1
    assert cells["RA1"].counts["not stated"] == 1
    details = grid.describe(row, 2)
    assert "60.0% valid" in details[0]
    assert "not known 1" in details
    assert "invalid 1" in details
    table = grid.table()
    assert len(table) == 1 + len(grid.rows) * len(grid.columns)
    ethnicity_rb2 = next(r for r in table if r[0] == "Ethnicity" and r[1] == "RB2")
    assert ethnicity_rb2[2:4] == ["60.0", f"60% {BELOW_MARK}"]


def test_by_month(tmp_path: Path) -> None:
    grid = completeness_grid(_quality(f"sqlite:///{tmp_path / 'q.db'}"), "month")
    assert grid.columns == (("All", "All months"), ("2024-05", "May 2024"), ("2024-06", "Jun 2024"))
    row = [k for k, _ in grid.rows].index("ethnicity")
    may = grid.cells[row][1]
    # odd positions of each provider's list are referred in May
    in_may = [c for codes in PEOPLE.values() for i, c in enumerate(codes) if i % 2]
    assert may.total == len(in_may)
    assert may.counts["valid"] == sum(c == "A" for c in in_may)


def test_rounding_down_never_crosses_a_threshold() -> None:
    counts = {"valid": 199.0, "not stated": 51.0, "not known": 0.0, "blank": 0.0, "invalid": 0.0}
    cell = GridCell("sex", "X", 79.6, 74.0, 84.0, "below_csds", counts, 250.0, None, "")
    assert cell.text == f"79% {BELOW_MARK}"
    assert GridCell("sex", "X", None, None, None, "none", {}, 0.0, "[z]", "").text == "–"
    empty = completeness_grid([], "provider")
    assert empty.empty


BAD_CSV = """Patient ID,Referral ID,Provider,Referral Date,Discharge Date,Ethnicity
P1,R1,RY1,01/03/2024,,A
P2,R2,RY1,notadate,,A
P3,,RY1,01/03/2024,,A
P6,R6,RY1,01/03/2024,,QQ
P7,R1,RY1,02/03/2024,,A
P9,R9,RY1,05/03/2024,,A
"""


def test_rows_rejected_and_warned_per_rule(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(BAD_CSV, encoding="utf-8")
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    batch = import_file(engine, csv, "activity", today=dt.date(2025, 6, 30)).batch_id
    # What the quality extra returns for the batches a scope read.
    items = [rejections_indicator(engine, [batch]), warnings_indicator(engine, [batch])]
    table = issues_table(items)
    assert table[0] == ["Batch and rule", "Rows rejected", "Rows warned", "Rows read", "Columns"]
    by_name = {r[0]: r for r in table[1:]}
    # Rows 1 and 5 share R1; row 2 has no date; row 3 no referral id; row 4 a made-up
    # ethnicity, kept with a warning. Six rows read.
    name = f"Batch {batch} (bad.csv)"
    assert by_name[f"{name}: duplicate_referral"][1:4] == ["2", "0", "6"]
    assert by_name[f"{name}: date_unparseable"][1] == "1"
    assert by_name[f"{name}: missing_referral_id"][1] == "1"
    assert by_name[f"{name}: invalid_code"][1:3] == ["0", "1"]
    assert by_name[f"{name}: all rules"][1:4] == ["4", "1", "6"]
    assert table[-1][:4] == ["All batches read: all rules", "4", "1", "6"]
    assert "Ethnicity" in by_name[f"{name}: invalid_code"][4]
