"""The data-plan commands of `rehabdash`: ``plan`` (the headline table and the findings in
the terminal) and ``export plan --csv DIR`` (every table in long format).

Both take the same filter options, parsed once by :func:`rehabdash.plan.parse_filter`;
a bad value is one line naming the option, the value and the reason. Heavy modules load
only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rehabdash.plan.engine import Plan, PlanEngine
    from rehabdash.plan.filters import PlanFilter
    from rehabdash.plan.result import Indicator

__all__ = ["add_plan_parsers", "run_plan_command"]

#: What `rehabdash plan` shows when no --breakdown is given.
HEADLINE_BREAKDOWNS = ("imd_quintile", "ethnic_group", "age_band", "sex", "disability")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filter")
    group.add_argument(
        "--period",
        help="financial year 2024-25, quarter '2024-25 Q3', month 2025-03 or range "
        "2024-04-01..2025-03-31 (default: the latest financial year with referrals)",
    )
    group.add_argument("--provider", action="append", help="provider ODS code(s), comma separated")
    group.add_argument(
        "--team-types",
        help="'rehab' (the default: the rehab team types), 'all', or CSDS codes such as 20,26",
    )
    group.add_argument("--service", action="append", help="service name(s)")
    group.add_argument("--age", help="ages at referral: 18-64, 65+ or -17")
    group.add_argument(
        "--area",
        help="icb:QWO, sicb:E38…, lad:E08000035, pcn:U12345, msoa:E02…, lsoa:E01… "
        "(default: the areas of the imported population)",
    )
    group.add_argument("--imd-edition", help="2019 or 2025 (default: the LSOA vintage's)")


def add_plan_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add ``plan`` and ``export`` to the `rehabdash` subcommands (``common``: --db)."""
    plan = sub.add_parser(
        "plan",
        parents=[common],
        help="print the data plan's headline table and findings",
        description="Compute the data plan for a period and scope and print the headline "
        "table (people referred and seen, per 1,000 with 95%% intervals, observed ÷ expected "
        "for age and sex) and the plain-English findings.",
    )
    _filter_options(plan)
    plan.add_argument(
        "--breakdown",
        action="append",
        metavar="NAME",
        help="characteristic (or pair a×b) to show; repeat for more "
        f"(default: {', '.join(HEADLINE_BREAKDOWNS)})",
    )
    plan.add_argument(
        "--disclosure",
        choices=("hes", "mhsds", "none"),
        default="none",
        help="small-number control for what is printed (default none: on screen only)",
    )
    export = sub.add_parser(
        "export",
        parents=[common],
        help="export the data plan",
        description="Export the data plan. `export plan --out FILE.xlsx` writes the data plan "
        "workbook; `export plan --csv DIR` every table as CSV in long format; small numbers "
        "suppressed in both (--disclosure, default hes).",
    )
    what = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    plan_export = what.add_parser(
        "plan", parents=[common], help="the data plan", description="Export the data plan."
    )
    plan_export.add_argument(
        "--csv", type=Path, metavar="DIR", help="folder for the CSV files (long format)"
    )
    plan_export.add_argument(
        "--out",
        type=Path,
        metavar="FILE.xlsx",
        help="the data plan workbook: cover, contents, notes, a table per sheet, charts",
    )
    plan_export.add_argument(
        "--compare",
        choices=("previous",),
        help="put the previous period (year, quarter, month or range) beside the chosen "
        "one in section 4 of the workbook",
    )
    plan_export.add_argument(
        "--sheet",
        action="append",
        metavar="NAME",
        dest="sheets",
        help="only these sheets of the workbook (repeat; the cover, contents, notes, "
        "methods and provenance always go in)",
    )
    plan_export.add_argument(
        "--check",
        action="store_true",
        help="read the workbook back and hold it to the accessibility rules",
    )
    plan_export.add_argument(
        "--disclosure",
        choices=("hes", "mhsds", "none"),
        default="hes",
        help="small-number control: hes (the default), mhsds, or none (internal use only)",
    )
    plan_export.add_argument(
        "--breakdown", action="append", metavar="NAME", help="limit to these breakdowns"
    )
    _filter_options(plan_export)


def _engine_and_filter(args: argparse.Namespace, url: str) -> tuple[PlanEngine, PlanFilter]:
    from rehabdash.plan import parse_filter
    from rehabdash.plan.engine import PlanEngine
    from rehabdash.queries.overview import latest_period
    from rehabdash.queries.referrals import ReferralSource
    from rehabdash.store import open_store

    engine = open_store(url)
    period = args.period
    if not period:
        latest = latest_period(engine)
        if latest is None:
            raise ValueError("the store has no referrals yet: import an activity extract first")
        period = latest.label
    flt = parse_filter(
        period=period,
        providers=args.provider,
        team_types=args.team_types,
        services=args.service,
        age=args.age,
        area=args.area,
        imd_edition=args.imd_edition,
    )
    return PlanEngine(ReferralSource(engine)), flt


def _progress(out: Callable[[str], object]) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        out(f"\r{fraction:4.0%}  {message[:60]:<60}")

    return report


def _cell(value: object, digits: int = 1) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _interval(row: dict[str, object] | None, digits: int = 1) -> str:
    if not row:
        return ""
    flag = row.get("flag")
    if row.get("value") is None:
        return str(flag or "")
    text = _cell(row["value"], digits)
    if row.get("lower") is not None and row.get("upper") is not None:
        text += f" ({_cell(row['lower'], digits)}–{_cell(row['upper'], digits)})"
    return text


def _row(ind: Indicator | None, level_code: str) -> dict[str, object] | None:
    return ind.row(level_code) if ind is not None else None


def _count(row: dict[str, object] | None) -> str:
    if not row:
        return ""
    return _cell(row["value"], 0) if row["value"] is not None else str(row.get("flag") or "")


def _headline(plan: Plan, keys: Sequence[str], out: Callable[[str], object]) -> None:
    header = ("level", "referred", "seen", "seen per 1,000 (95% CI)", "observed ÷ expected")
    for key in keys:
        seen = plan.get("people_seen", key)
        if seen is None:
            continue
        referred, rate, oe = (plan.get(m, key) for m in ("people_referred", "seen_rate", "seen_oe"))
        rows = [
            (
                level,
                _count(_row(referred, code)),
                _count(_row(seen, code)),
                _interval(_row(rate, code)),
                _interval(_row(oe, code), 2),
            )
            for code, level in seen.frame.select("level_code", "level").iter_rows()
        ]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        out(f"\n{seen.frame['breakdown'][0]}\n")
        for row in (header, *rows):
            cells = [row[0].ljust(widths[0])]
            cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            out("  ".join(cells).rstrip() + "\n")


def _plan(args: argparse.Namespace, url: str) -> int:
    from rehabdash.plan.breakdown import breakdown
    from rehabdash.plan.disclosure import apply_disclosure, disclosure_note, rule
    from rehabdash.plan.engine import DEFAULT_BREAKDOWNS, Plan
    from rehabdash.plan.result import Indicator

    engine, flt = _engine_and_filter(args, url)
    err = sys.stderr.write
    shown = args.breakdown or list(HEADLINE_BREAKDOWNS)
    # The findings read the whole plan; the table shows the breakdowns asked for.
    breakdowns = list(dict.fromkeys([*DEFAULT_BREAKDOWNS, *shown]))
    plan = engine.plan(flt, breakdowns, progress=_progress(err))
    err("\r" + " " * 70 + "\r")
    chosen = rule(args.disclosure)
    if chosen.name != "none":
        controlled = {
            k: Indicator(i.key, i.definition, apply_disclosure(i.frame, chosen))
            for k, i in plan.indicators.items()
        }
        plan = Plan(
            plan.filter, plan.fingerprint, plan.scope, controlled, plan.findings, plan.breakdowns
        )
    out = sys.stdout.write
    out(f"Data plan: {plan.filter.describe()}\n")
    if plan.scope.denominator is not None:
        out(f"Population: {plan.scope.denominator.source}\n")
    out(f"Small numbers: {disclosure_note(chosen)}\n")
    for note in plan.scope.notes:
        out(f"Note: {note}\n")
    _headline(plan, [breakdown(k).key for k in shown], out)
    out("\nFindings\n")
    if not plan.findings:
        out("  No difference between groups is large enough for its interval to support.\n")
    for number, finding in enumerate(plan.findings, 1):
        out(f"{number:3}. {finding.text}\n")
    return 0


def _export(args: argparse.Namespace, url: str) -> int:
    from dataclasses import replace

    from rehabdash.plan.export.long_csv import write_plan_csv
    from rehabdash.plan.export.workbook import OPTIONAL_SHEETS, write_plan_workbook
    from rehabdash.queries.periods import previous_period
    from rehabdash.store.batches import batch_records

    if args.csv is None and args.out is None:
        raise ValueError("export plan: give --out FILE.xlsx (the workbook), --csv DIR, or both")
    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise ValueError(f"--out {args.out}: the workbook's name must end in .xlsx")
    if args.out is not None and not args.out.resolve().parent.is_dir():
        raise ValueError(f"--out {args.out}: the folder {args.out.resolve().parent} does not exist")
    unknown = [s for s in args.sheets or () if s not in OPTIONAL_SHEETS]
    if unknown:
        raise ValueError(f"--sheet {unknown[0]!r}: choose from {', '.join(OPTIONAL_SHEETS)}")
    engine, flt = _engine_and_filter(args, url)
    err = sys.stderr.write
    plan = engine.plan(flt, args.breakdown, progress=_progress(err))
    previous = None
    if args.compare == "previous":
        before = replace(flt, period=previous_period(flt.period))
        previous = engine.plan(before, args.breakdown, progress=_progress(err))
    err("\r" + " " * 70 + "\r")
    files = write_plan_csv(plan, args.csv, args.disclosure) if args.csv is not None else []
    if args.out is not None:
        batches = batch_records(engine.source.engine, plan.scope.batches)
        files.append(
            write_plan_workbook(
                plan,
                args.out,
                args.disclosure,
                batches,
                previous=previous,
                sheets=args.sheets,
                progress=_progress(err),
                check=args.check,
            )
        )
        err("\r" + " " * 70 + "\r")
    out = sys.stdout.write
    for path in files:
        out(f"wrote {path}\n")
    if args.disclosure == "none":
        out("NOT FOR CIRCULATION: no disclosure control was applied\n")
    return 0


def run_plan_command(args: argparse.Namespace, url: str) -> int | None:
    """Run ``plan`` or ``export``; None when the command is neither."""
    from rehabdash.plan.export.workbook import WorkbookError
    from rehabdash.plan.filters import FilterError

    try:
        if args.command == "plan":
            return _plan(args, url)
        if args.command == "export":
            return _export(args, url)
    except (FilterError, WorkbookError) as exc:
        raise ValueError(str(exc)) from None
    return None
