"""Time the data plan workbook against a bare xlsxwriter write of it, same run (issue 12).

On a demo store (default: a 1M-referral SQLite store built in a temporary folder, or
--db URL), the plan for the financial year 2024-25 is computed once, untimed. Then,
alternating, --runs times each:

* workbook: ``write_plan_workbook`` from the computed plan under the HES rule:
  disclosure control, the tables and charts built, written with formats, widths, links,
  drop-downs and alt text, moved into place;
* bare: the same tables written by a minimal xlsxwriter loop from the model built
  beforehand: each cell with ``worksheet.write`` and its column's number format (the
  guidance asks for numbers as numbers with formats: the tables are not the same
  without them), ``add_table``, and the same charts' series ranges with
  ``add_chart`` and ``insert_chart``; no widths, links, drop-downs, labels or colours;
* check (reported, not in the target): reading the workbook back with the
  accessibility check (``--check`` of the command line).

Target: workbook <= 1.5 x bare (the median of each run's ratio; the ratio of the medians
beside it). Prints a Markdown table for the README.

    .venv/bin/python benchmarks/bench_workbook.py [--db URL] [--rows 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rehabdash.plan import parse_filter  # noqa: E402
from rehabdash.plan.engine import PlanEngine  # noqa: E402
from rehabdash.plan.export.sheet_model import NUMBER_FORMATS, WorkbookModel  # noqa: E402
from rehabdash.plan.export.workbook import plan_workbook, write_plan_workbook  # noqa: E402
from rehabdash.plan.export.workbook_check import check_workbook  # noqa: E402
from rehabdash.queries.referrals import ReferralSource  # noqa: E402
from rehabdash.store import open_store  # noqa: E402
from rehabdash.store.batches import batch_records  # noqa: E402


def bare_write(model: WorkbookModel, path: Path) -> None:
    """The model's cells, tables and charts with no more than xlsxwriter needs."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    formats = {k: book.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
    tops = {s.name: 1 + len(s.lines) for s in model.sheets}
    for sheet in model.sheets:
        ws = book.add_worksheet(sheet.name)
        ws.write(0, 0, sheet.title)
        for r, line in enumerate(sheet.lines, 1):
            ws.write(r, 0, line.text)
        top = tops[sheet.name]
        if sheet.table is not None:
            t = sheet.table
            ws.write_row(top, 0, [c.header for c in t.columns])
            styles = [formats.get(c.kind) for c in t.columns]
            for r, row in enumerate(t.rows, top + 1):
                for c, value in enumerate(row):
                    ws.write(r, c, value, styles[c])
            ws.add_table(
                top,
                0,
                top + len(t.rows),
                len(t.columns) - 1,
                {
                    "name": t.name,
                    "autofilter": False,
                    "columns": [{"header": c.header} for c in t.columns],
                },
            )
        row = top
        for chart in sheet.charts:
            source = model.sheet(chart.source)
            assert source.table is not None
            columns = {c.header: i for i, c in enumerate(source.table.columns)}
            first_row = tops[chart.source] + 1
            xl = book.add_chart({"type": chart.kind})
            for s in chart.series:
                v = columns[s.values]
                opts = {
                    "name": s.name,
                    "values": [chart.source, first_row + s.first, v, first_row + s.last, v],
                }
                if s.categories is not None:
                    c = columns[s.categories]
                    opts["categories"] = [
                        chart.source,
                        first_row + s.first,
                        c,
                        first_row + s.last,
                        c,
                    ]
                xl.add_series(opts)
            xl.set_title({"name": chart.title})
            ws.insert_chart(row, 0, xl, {"description": chart.alt_text})
            row += chart.height_rows + 2
    book.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a demo store (default: build one)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.db
        if url is None:
            from rehabdash.demo import build_demo

            url = f"sqlite:///{folder / 'demo.db'}"
            print(f"building a {args.rows:,}-referral demo store…", file=sys.stderr)
            build_demo(open_store(url), rows=args.rows)
        engine = open_store(url)
        started = time.perf_counter()
        plan = PlanEngine(ReferralSource(engine)).plan(parse_filter(period="2024-25"))
        plan_s = time.perf_counter() - started
        batches = batch_records(engine, plan.scope.batches)
        model = plan_workbook(plan, "hes", batches)
        cells = sum(len(s.table.rows) * len(s.table.columns) for s in model.sheets if s.table)
        charts = sum(len(s.charts) for s in model.sheets)
        full, bare, check = [], [], []
        for run in range(args.runs):
            order = ("full", "bare") if run % 2 == 0 else ("bare", "full")
            for kind in order:
                path = folder / f"{kind}.xlsx"
                t = time.perf_counter()
                if kind == "full":
                    write_plan_workbook(plan, path, "hes", batches)
                    full.append(time.perf_counter() - t)
                else:
                    bare_write(model, path)
                    bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            problems = check_workbook(folder / "full.xlsx", threshold=8)
            check.append(time.perf_counter() - t)
            assert not problems, problems
        size = (folder / "full.xlsx").stat().st_size
    f, b, c = (statistics.median(x) for x in (full, bare, check))
    # Each run's pair was timed back to back: the median of their ratios is the figure
    # least moved by the machine's load drifting during the run.
    paired = statistics.median(x / y for x, y in zip(full, bare, strict=True))
    print(
        f"plan (untimed in the ratio): {plan_s:.2f} s; {len(model.sheets)} sheets, "
        f"{cells:,} table cells, {charts} charts, {size / 1e6:.1f} MB"
    )
    print()
    print(
        "| workbook (HES rule) | bare xlsxwriter write | ratio of medians | median of paired "
        "ratios (≤ 1.5) | check (read back) |"
    )
    print("|---|---|---|---|---|")
    verdict = "met" if paired <= 1.5 else "NOT met"
    print(f"| {f:.2f} s | {b:.2f} s | {f / b:.2f}× | {paired:.2f}× {verdict} | {c:.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
