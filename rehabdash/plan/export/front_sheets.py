"""The workbook's sheets around the section tables: the notes, the cover, the contents,
the findings, the action plan to fill in, methods and definitions, and provenance
(issue 12; DESIGN 9; the Analysis Function guidance on releasing statistics in
spreadsheets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import polars as pl

from rehabdash import __version__
from rehabdash.plan.disclosure import DisclosureRule, disclosure_note
from rehabdash.plan.engine import Plan
from rehabdash.plan.export.sheet_model import Cell, Column, Line, Sheet, Table, no_rows
from rehabdash.plan.metrics import METRICS
from rehabdash.plan.result import FLAGS, NOT_AVAILABLE, SUPPRESSED
from rehabdash.refdata import ATTRIBUTION
from rehabdash.store.batches import BatchRecord as Batch

NOT_FOR_CIRCULATION = "NOT FOR CIRCULATION: unsuppressed"
EDS_OUTCOMES = (
    "1A: access to the service",
    "1B: health needs met",
    "1C: free from harm",
    "1D: positive experience",
)
CRA_STANDARDS = tuple(f"Rehab on Track recommendation {n}" for n in range(1, 8))


# ---------------------------------------------------------------- notes


def notes_of(plan: Plan, chosen: DisclosureRule) -> list[str]:
    """The notes sheet's notes, [note 1] first; sheets name them by number."""
    denominator = plan.scope.denominator
    population = denominator.source if denominator else "no population was available"
    low = sorted(
        {
            c
            for i in plan.indicators.values()
            for c in i.definition.caveats
            if "recorded for only" in c
        }
    )
    return [
        "Symbols: "
        + "; ".join(f"{flag} {words}" for flag, words in FLAGS.items())
        + ". A true zero is shown as 0. [z] is used for a rate of people whose group is "
        "not stated, not known, blank or invalid: they are not a group of people with a "
        "population of their own.",
        disclosure_note(chosen)
        + (
            " Where a count is suppressed, statistics from which it could be worked out "
            "(observed ÷ expected, representation, unmet need) are suppressed too."
            if chosen.threshold > 1
            else ""
        ),
        f"Population (the denominator of every rate per 1,000): {population}. Each group's "
        "population is its Census 2021 share of each area's population. Rates are people "
        "seen in the period per 1,000 of that population; they are crude unless labelled "
        "age-sex standardised (European Standard Population 2013).",
        "Recording completeness: a characteristic recorded for fewer than 80% of people "
        "referred (the CSDS publication threshold) is too incomplete to judge gaps by. "
        + ("; ".join(low) if low else "Every characteristic shown was recorded for 80% or more."),
        "95% confidence intervals: Wilson for proportions, exact Poisson below 10 events "
        "and Byar's from 10 for rates and observed ÷ expected, Dobson for standardised rates, "
        "t for means (PHE/OHID Fingertips methods). Where intervals do not overlap, the "
        "difference is unlikely to be chance alone.",
        "Observed ÷ expected: people seen against those expected if the group were seen at "
        "the ICB's own rates for its age and sex (indirect standardisation). Below 1 means "
        "fewer seen than expected for the group's age and sex.",
        "Trends: statistical process control (NHS Making Data Count; XmR charts, limits at "
        "the mean ± 2.66 × the mean moving range). Special causes: a point beyond a limit, "
        "a run of 7 on one side of the mean, a trend of 7, or 2 of 3 close to a limit.",
        "Funnel plot: each area's observed ÷ expected against its expected count, with "
        "exact Poisson limits at 95% and 99.8% around 1. An area beyond 99.8% is unlikely to "
        "differ by chance alone.",
        f"Sources: {ATTRIBUTION}",
    ]


def described(lines: Sequence[str], notes: Sequence[int], unsuppressed: bool) -> list[Line]:
    out = [Line(NOT_FOR_CIRCULATION, "warning")] if unsuppressed else []
    out += [Line(t) for t in lines]
    if notes:
        out.append(Line("Notes that apply: " + ", ".join(f"[note {n}]" for n in notes) + "."))
    return out


# ---------------------------------------------------------------- the other sheets


def findings_table(plan: Plan, access_frames: pl.DataFrame) -> tuple[Table, int]:
    """The findings, bar any about a group whose number is suppressed (the sentence
    would give the number away); and how many were left out."""
    hidden = set(
        access_frames.filter(pl.col("flag") == SUPPRESSED)
        .select(pl.concat_str(["metric", "breakdown_key", "level_code"], separator="/"))
        .to_series()
    )
    rows: list[tuple[Cell, ...]] = []
    left_out = 0
    for f in plan.findings:
        if f"{f.indicator}/{f.level_code}" in hidden:
            left_out += 1
            continue
        metric = METRICS.get(f.indicator.split("/", 1)[0])
        rows.append(
            (len(rows) + 1, f.text, metric.title if metric else f.indicator, f.caveat or "")
        )
    if not rows:
        rows.append(
            (1, "No difference between groups is large enough for its interval to support.", "", "")
        )
    columns = (
        Column("Rank", "integer", 6),
        Column("Finding", "text", 100),
        Column("Measure", "text", 36),
        Column("Caveat", "text", 40),
    )
    return Table("Findings", columns, rows), left_out


def action_plan(plan: Plan, unsuppressed: bool) -> Sheet:
    columns = (
        Column("Issue", "text", 60),
        Column("Group affected", "text", 24),
        Column("Action", "text", 40),
        Column("Owner", "text", 20),
        Column("Date due", "date", 12),
        Column("CRA standard", "text", 30),
        Column("EDS 2022 outcome", "text", 30),
        Column("Progress", "text", 30),
    )
    rows: list[tuple[Cell, ...]] = [
        (f.text, _group_of(f.text), None, None, None, None, None, None) for f in plan.findings[:10]
    ]
    if not rows:
        rows.append(("(describe an issue here)", None, None, None, None, None, None, None))
    return Sheet(
        "Action plan",
        "Action plan",
        "Actions to close the gaps: issue, group affected, action, owner, date, CRA standard, "
        "EDS 2022 outcome (to fill in).",
        described(
            [
                "To fill in. Each issue found in this plan is listed to start from; add "
                "rows as needed. Pick the CRA Rehab on Track standard and the EDS 2022 "
                "domain 1 outcome (1A access, 1B needs met, 1C free from harm, 1D positive "
                "experience) from the lists."
            ],
            (),
            unsuppressed,
        ),
        Table("Action_plan", columns, rows),
        dropdowns={"CRA standard": CRA_STANDARDS, "EDS 2022 outcome": EDS_OUTCOMES},
    )


def _group_of(text: str) -> str:
    """The group a finding is about, in its own words ("People recorded as Asian …")."""
    for stop in (" were ", " waited ", " was ", " had "):
        if stop in text:
            return text.split(stop, 1)[0]
    return ""


def methods(plan: Plan) -> Table:
    seen: dict[tuple[str, ...], list[str]] = {}
    for ind in plan.indicators.values():
        d = ind.definition
        row = (
            ind.metric,
            d.section,
            d.title,
            d.numerator,
            d.denominator,
            d.method,
            d.unit,
            {"higher": "higher", "lower": "lower"}.get(d.polarity, "neither"),
            "; ".join(d.caveats),
        )
        seen.setdefault(row, []).append(ind.breakdown_key)
    rows = [(*key, ", ".join(dict.fromkeys(b))) for key, b in seen.items()]
    columns = (
        Column("Measure key", "text", 22),
        Column("Section", "text", 13),
        Column("Title", "text", 40),
        Column("Numerator", "text", 50),
        Column("Denominator (source, year)", "text", 50),
        Column("Method", "text", 50),
        Column("Unit", "text", 12),
        Column("Better when", "text", 10),
        Column("Caveats", "text", 50),
        Column("Breakdowns", "text", 40),
    )
    return Table("Methods_and_definitions", columns, list(rows))


def provenance(batches: Sequence[Batch], chosen: DisclosureRule) -> Table:
    columns = (
        Column("Batch", "integer", 8),
        Column("Kind", "text", 12),
        Column("File", "text", 40),
        Column("SHA-256", "text", 66),
        Column("Size (bytes)", "integer"),
        Column("Sheet", "text", 14),
        Column("Column mapping", "text", 24),
        Column("Rows read", "count"),
        Column("Rows accepted", "count"),
        Column("Rows rejected", "count"),
        Column("Period", "text", 16),
        Column("Status", "text", 14),
        Column("Imported", "datetime", 17),
    )
    rows: list[tuple[Cell, ...]] = [
        (
            b.id,
            b.kind,
            b.source_name,
            b.sha256,
            b.size_bytes if b.size_bytes is not None else NOT_AVAILABLE,
            b.sheet or "[z]",
            b.mapping or "[x]",
            _rows(b.rows_read, chosen),
            _rows(b.rows_accepted, chosen),
            _rows(b.rows_rejected, chosen),
            b.period or "[z]",
            b.status,
            b.finished_at if b.finished_at is not None else NOT_AVAILABLE,
        )
        for b in batches
    ]
    return Table("Provenance", columns, rows or [no_rows(len(columns))])


def _rows(n: int, chosen: DisclosureRule) -> Cell:
    """A count of a file's rows under the rule, as every count that leaves the app."""
    if chosen.threshold > 1 and 0 < n < chosen.threshold:
        return SUPPRESSED
    return int((n / chosen.base + 0.5) // 1 * chosen.base) if chosen.base > 1 else n


def cover(
    plan: Plan,
    chosen: DisclosureRule,
    batches: Sequence[Batch],
    area_name: str,
    produced: date,
) -> list[Line]:
    scope, flt = plan.scope, plan.filter
    lines = [Line(NOT_FOR_CIRCULATION, "warning")] if chosen.threshold <= 1 else []
    lines += [
        Line(f"Area: {area_name}"),
        Line(f"Filter: {flt.describe()}"),
        Line(
            f"Period: {flt.period.start:%d %B %Y} to {flt.period.end:%d %B %Y} ({flt.period.label})"
        ),
        Line(f"Disclosure control: {disclosure_note(chosen)}"),
        Line("Data sources", "heading"),
    ]
    for b in batches:
        mapping = f", column mapping {b.mapping}" if b.mapping else ""
        lines.append(Line(f"Batch {b.id} ({b.kind}): {b.source_name}, SHA-256 {b.sha256}{mapping}"))
    denominator = scope.denominator
    lines += [
        Line(
            f"IMD edition: English Indices of Deprivation {scope.imd_edition}; "
            f"LSOA {scope.vintage} boundaries"
        ),
        Line(
            "Denominators: "
            + (denominator.source if denominator else "no population available")
            + (f"; group shares from {census_tables(plan)}" if census_tables(plan) else "")
        ),
        Line(f"Produced by rehabdash {__version__} on {produced:%d %B %Y}"),
        Line(f"Store fingerprint: {plan.fingerprint}"),
        Line("Contact: (to be completed by the ICB)"),
        Line("Sign-off status: draft, not yet signed off"),
        Line("Contents", "link", "Contents"),
    ]
    return lines


def census_tables(plan: Plan) -> str:
    """The Census 2021 tables the plan's denominators cite ("Census 2021 TS021 (Ethnic
    group), TS030 (Religion)"), read from its indicators' definitions."""
    cited = {
        m.group(1, 2)
        for i in plan.indicators.values()
        for m in re.finditer(r"Census 2021 (TS\w+) \(([^)]+)\)", i.definition.denominator)
    }
    return (
        ("Census 2021 " + ", ".join(f"{t} ({name})" for t, name in sorted(cited))) if cited else ""
    )


def contents(sheets: Sequence[Sheet]) -> Table:
    rows: list[tuple[Cell, ...]] = [(s.name, s.title, s.summary) for s in sheets]
    columns = (
        Column("Sheet", "link", 24),
        Column("Title", "text", 50),
        Column("Description", "text", 90),
    )
    return Table("Contents", columns, rows)
