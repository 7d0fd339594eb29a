"""The ICB data plan workbook: one call from a computed plan to a checked .xlsx file.

:func:`plan_workbook` builds the model (sheets, tables, charts) of a plan after
disclosure control; :func:`write_plan_workbook` writes it under a temporary name and
moves it into place once complete (with ``check``, once it also passes the
accessibility check of :mod:`workbook_check`, read back from the file). ``rehabdash
export plan --out`` and the GUI's Export page both call it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from rehabdash.plan.disclosure import DisclosureRule, rule
from rehabdash.plan.engine import Plan
from rehabdash.plan.export.controlled import controlled_sections
from rehabdash.plan.export.plan_charts import add_chart_sheets
from rehabdash.plan.export.plan_sheets import build_plan_sheets, fill_contents
from rehabdash.plan.export.previous_sheet import previous_sheet
from rehabdash.plan.export.sheet_model import (
    WorkbookModel,
)
from rehabdash.plan.export.workbook_check import check_workbook
from rehabdash.plan.export.xlsx_writer import write_workbook
from rehabdash.store.batches import BatchRecord

__all__ = [
    "OPTIONAL_SHEETS",
    "WorkbookError",
    "area_name",
    "plan_workbook",
    "write_plan_workbook",
]

Progress = Callable[[float, str], None]

#: Sheets a user may leave out (the front matter, methods and provenance always go in).
OPTIONAL_SHEETS: tuple[str, ...] = (
    "1 Who is accessing",
    "1b Intersections",
    "1c Inequality measures",
    "1d Deprivation gradient",
    "Charts 1",
    "2a Waits",
    "2b DNAs and outcomes",
    "3a Need by group",
    "3b Need by area",
    "Charts 3",
    "3c Areas",
    "3d Distance to a site",
    "4a Trends",
    "4b Gaps",
    "Charts 4",
    "4c Previous period",
    "5a Recording quality",
    "5b Rows rejected",
    "Findings",
    "Action plan",
)


class WorkbookError(ValueError):
    """The workbook could not be written as the rules require; the message says why."""


def area_name(plan: Plan) -> str:
    """The ICB (or the filter's area) the plan covers, by name."""
    from rehabdash import refdata

    flt = plan.filter
    if flt.area is not None:
        return flt.area.label
    codes = (
        set(plan.scope.lookup["icb_code"].drop_nulls().unique())
        if plan.scope.lookup.height
        else set()
    )
    names = [i.name for i in refdata.icbs(plan.scope.vintage) if i.code in codes]  # type: ignore[arg-type]
    return " and ".join(names) if names else "the areas of the imported population"


def plan_workbook(
    plan: Plan,
    disclosure: str | DisclosureRule,
    batches: Sequence[BatchRecord],
    *,
    previous: Plan | None = None,
    sheets: Sequence[str] | None = None,
    produced: date | None = None,
) -> WorkbookModel:
    """The workbook's model: every sheet (or the optional ``sheets`` chosen), built from
    the plan after disclosure control."""
    chosen = rule(disclosure)

    # What the workbook does not show need not be controlled: the plan's SPC charts (of
    # the unrounded numbers: the workbook works them again from the published series)
    # and the counts behind recording quality (the sheet shows the shares).
    def spc(key: str) -> bool:
        return key.startswith(("spc_", "recorded_people/"))

    sections = controlled_sections(plan, chosen, skip=spc)
    compare = None
    if previous is not None:
        compare = previous_sheet(
            sections,
            controlled_sections(previous, chosen, skip=spc),
            plan.filter.period.label,
            previous.filter.period.label,
            chosen.threshold <= 1,
        )
    built = build_plan_sheets(
        plan,
        sections,
        chosen,
        batches,
        area_name=area_name(plan),
        produced=produced,
        previous=compare,
    )
    add_chart_sheets(built, plan.filter.period.label)
    if sheets is not None:
        unknown = [s for s in sheets if s not in OPTIONAL_SHEETS]
        if unknown:
            raise WorkbookError(
                f"no sheet called {unknown[0]!r}: choose from {', '.join(OPTIONAL_SHEETS)}"
            )
        keep = set(sheets)
        dropped = {s.name for s in built.sheets if s.name in OPTIONAL_SHEETS and s.name not in keep}
        # A chart sheet draws a table: it goes when its table goes.
        built.sheets = [
            s
            for s in built.sheets
            if s.name not in dropped and not any(c.source in dropped for c in s.charts)
        ]
    fill_contents(built)
    return WorkbookModel(
        title=built.title,
        subject="Community rehabilitation access: who is and isn't accessing, consequences, "
        "provision against need, improvement",
        language="en-GB",
        sheets=built.sheets,
        keywords="rehabilitation; health inequalities; ICB; data plan",
    )


def write_plan_workbook(
    plan: Plan,
    path: Path,
    disclosure: str | DisclosureRule,
    batches: Sequence[BatchRecord],
    *,
    previous: Plan | None = None,
    sheets: Sequence[str] | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    check: bool = False,
) -> Path:
    """Write the plan's workbook to ``path`` (with ``check``, also hold the file to the
    accessibility rules, reading it back: about as long again); returns ``path``.

    The file is written beside ``path`` under a temporary name and moved into place
    only once written and checked, so a cancelled or failed export never leaves a
    half-written workbook (nor replaces a good one)."""
    report = progress or (lambda _f, _m: None)
    report(0.05, "Building the tables…")
    model = plan_workbook(plan, disclosure, batches, previous=previous, sheets=sheets)

    def written(done: int, total: int, sheet: str) -> None:
        if cancel is not None and cancel():
            raise Cancelled("the export was cancelled")
        report(0.1 + 0.8 * done / total, f"Writing {sheet}…")

    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=".rehabdash-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        write_workbook(model, Path(temp), progress=written)
        problems = []
        if check:
            report(0.92, "Checking the workbook…")
            problems = check_workbook(Path(temp), threshold=rule(disclosure).threshold)
        if cancel is not None and cancel():
            raise Cancelled("the export was cancelled")
        if problems:
            raise WorkbookError(
                "the workbook breaks the accessibility rules: " + "; ".join(problems[:5])
            )
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    report(1.0, "Workbook written")
    return path


class Cancelled(Exception):
    """The caller asked the export to stop."""
