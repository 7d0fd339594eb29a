"""A workbook from a small hand-built store, on SQLite and PostgreSQL: 120 people, most
sections thin or empty, small numbers everywhere. Every sheet is still written and
passes the check, and the three Pakistani people are [c] with what would give them
away (issue 12)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import three_pakistani_people
from workbook_read import book, cells

from rehabdash.plan import parse_filter
from rehabdash.plan.engine import PlanEngine
from rehabdash.plan.export.workbook import write_plan_workbook
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store.batches import batch_records


def test_small_store_workbook_on_both_databases(store_url: str, tmp_path: Path) -> None:
    engine = three_pakistani_people(store_url)
    plan = PlanEngine(ReferralSource(engine)).plan(parse_filter(period="2024-25"))
    out = write_plan_workbook(
        plan, tmp_path / "small.xlsx", "hes", batch_records(engine, plan.scope.batches), check=True
    )
    assert "Provenance" in book(out).sheetnames
    ethnicity = [
        r for r in cells(out, "1 Who is accessing") if r["Breakdown"].startswith("Ethnicity")
    ]
    by_group = {r["Group"]: r for r in ethnicity}
    pakistani = by_group["Asian or Asian British - Pakistani (J)"]
    assert pakistani["People seen"] == "[c]"
    # 117 White British would give the 3 away from All (120): suppressed too.
    assert by_group["White - British (A)"]["People seen"] == "[c]"
    for header, value in pakistani.items():
        if header.startswith(("People seen: observed", "Representation")):
            assert not isinstance(value, int | float), header
