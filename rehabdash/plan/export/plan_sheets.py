"""The data plan as workbook sheets (issue 12; DESIGN 9): the model the writer writes.

The sheets follow the Analysis Function guidance *Releasing statistics in spreadsheets*:
a cover, contents, notes, then one table per sheet, each with its title in A1 and a
short description above it (what it shows, its unit, the notes that apply), the charts
on sheets of their own that point at the tables' cells.

Every number comes from the controlled plan (:mod:`rehabdash.plan.export.controlled`),
so nothing here is suppressed twice or differently from the CSV export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl

from rehabdash import __version__
from rehabdash.plan.disclosure import DisclosureRule
from rehabdash.plan.engine import Plan
from rehabdash.plan.export.front_sheets import (
    NOT_FOR_CIRCULATION,
    Batch,
    action_plan,
    contents,
    cover,
    described,
    findings_table,
    methods,
    notes_of,
    provenance,
)
from rehabdash.plan.export.section_tables import (
    ACCESS,
    AREA,
    CARE,
    DISTANCE,
    EXPECTED,
    NEED,
    OBSERVED,
    POPULATION,
    WAITS,
    area_wide,
    distance_wide,
    gap_table,
    gradient_table,
    gradients,
    indicators,
    places_wide,
    quality_table,
    rejected_table,
    summaries,
    trend_table,
)
from rehabdash.plan.export.sheet_model import Column, Sheet, Table
from rehabdash.plan.export.wide_tables import Measure, WideTable, measures, wide_table
from rehabdash.plan.gradient import Gradient, rii_sentence, sii_sentence
from rehabdash.plan.result import ALL
from rehabdash.plan.spc_chart import TrendBoard, trend_board

__all__ = ["NOT_FOR_CIRCULATION", "PlanSheets", "build_plan_sheets", "described", "fill_contents"]


@dataclass
class PlanSheets:
    """The sheets of one plan's workbook, and what the cover says."""

    sheets: list[Sheet]
    title: str
    unsuppressed: bool
    #: Where each SPC series' rows are on the trends sheet, by series key (for charts).
    trend_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    board: TrendBoard | None = None
    gradients: list[Gradient] = field(default_factory=list)
    #: Where each breakdown's rows are on sheet 1 and on the area sheet, by key.
    access_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    area_rows: dict[str, tuple[int, int]] = field(default_factory=dict)


def _frame(sections: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    return sections.get(name, pl.DataFrame())


def _table_sheet(
    name: str,
    title: str,
    summary: str,
    lines: Sequence[str],
    table_name: str,
    wide: WideTable,
    notes: Sequence[int],
    unsuppressed: bool,
) -> Sheet:
    return Sheet(
        name,
        title,
        summary,
        described(lines, notes, unsuppressed),
        Table(table_name, wide.columns, wide.rows),
        notes=tuple(notes),
    )


def _single(frame: pl.DataFrame, pairs: bool) -> pl.DataFrame:
    is_pair = pl.col("breakdown_key").str.contains("×")
    return frame.filter(is_pair if pairs else ~is_pair & (pl.col("breakdown_key") != ALL))


def _group_wide(frame: pl.DataFrame, metrics: Sequence[str], extra: Sequence[Measure]) -> WideTable:
    return wide_table(frame, measures(metrics, frame, extra))


# ---------------------------------------------------------------- assembly


def build_plan_sheets(
    plan: Plan,
    sections: dict[str, pl.DataFrame],
    chosen: DisclosureRule,
    batches: Sequence[Batch],
    *,
    area_name: str,
    produced: date | None = None,
    previous: Sheet | None = None,
) -> PlanSheets:
    """Every sheet bar the charts (added by :mod:`plan_charts`), in the workbook's order."""
    unsuppressed = chosen.threshold <= 1
    produced = produced or datetime.now(UTC).date()
    period = plan.filter.period.label
    notes = notes_of(plan, chosen)
    access_frame = _frame(sections, "access")
    cons = _frame(sections, "consequences")
    need = _frame(sections, "need")
    improvement = _frame(sections, "improvement")
    quality = _frame(sections, "quality")
    sheets: list[Sheet] = []
    access_rows: dict[str, tuple[int, int]] = {}
    area_rows: dict[str, tuple[int, int]] = {}
    found_gradients: list[Gradient] = []

    add = sheets.append

    if access_frame.height:
        singles = _single(access_frame, pairs=False)
        who = _group_wide(singles, ACCESS, [POPULATION])
        access_rows = who.blocks
        add(
            _table_sheet(
                "1 Who is accessing",
                f"Section 1: who is and isn't accessing community rehab, {period}",
                "Referrals, people referred and seen, rates per 1,000 with 95% intervals, "
                "standardised rates, observed ÷ expected and representation, by each "
                "characteristic.",
                [
                    "One row per group of each characteristic, with All first. Counts are "
                    "people (or referrals); rates are per 1,000 population of the group; "
                    "shares are %; ratios have no unit (1 = as expected, or in proportion).",
                ],
                "Who_is_accessing",
                who,
                (1, 2, 3, 4, 5, 6),
                unsuppressed,
            )
        )
        pairs = _single(access_frame, pairs=True)
        if pairs.height:
            add(
                _table_sheet(
                    "1b Intersections",
                    f"Section 1b: access at the intersection of two characteristics, {period}",
                    "The section 1 measures for pairs of characteristics (ethnic group × "
                    "deprivation, age × sex, disability × deprivation).",
                    ["One row per pair of groups, with All first. Units as on sheet 1."],
                    "Intersections",
                    _group_wide(pairs, ACCESS, [POPULATION]),
                    (1, 2, 3, 4, 5),
                    unsuppressed,
                )
            )
        add(
            Sheet(
                "1c Inequality measures",
                f"Section 1c: inequality summaries, {period}",
                "Slope and relative index of inequality across deprivation, and the WHO "
                "HEAT summary measures for each characteristic.",
                described(
                    [
                        "One row per characteristic and measure: SII and RII for IMD deciles "
                        "and quintiles (per 1,000, age-sex standardised where known), HEAT "
                        "measures of people seen per 1,000 for unordered characteristics."
                    ],
                    (1, 2, 5),
                    unsuppressed,
                ),
                summaries(access_frame),
                notes=(1, 2, 5),
            )
        )
        found_gradients = found = gradients(access_frame, plan)
        words = [w for g in found for w in (sii_sentence(g), rii_sentence(g)) if w]
        add(
            Sheet(
                "1d Deprivation gradient",
                f"Section 1d: people seen per 1,000 by deprivation, with the fitted SII line, "
                f"{period}",
                "People seen per 1,000 by IMD decile and quintile, each group's place on the "
                "deprivation scale and the fitted line whose slope is the SII.",
                described(
                    [
                        "Groups from the most deprived (1) to the least deprived. Relative "
                        "rank: where the group's population lies on the scale from 0 (most "
                        "deprived) to 1. Rates per 1,000 population.",
                        *words,
                    ],
                    (1, 2, 3, 5),
                    unsuppressed,
                ),
                gradient_table(found),
                notes=(1, 2, 3, 5),
            )
        )
    if cons.height:
        add(
            _table_sheet(
                "2a Waits",
                f"Section 2a: waits from referral to first contact, and people still "
                f"waiting, {period}",
                "Median and 90th centile wait in days, % seen within 18 weeks, the "
                "waiting-list week bands, and people still waiting at the period's end.",
                [
                    "One row per group. Waits are days from referral to the first attended "
                    "contact; week bands are % of those seen (or still waiting)."
                ],
                "Waits",
                _group_wide(cons, WAITS, []),
                (1, 2, 4, 5),
                unsuppressed,
            )
        )
        add(
            _table_sheet(
                "2b DNAs and outcomes",
                f"Section 2b: missed appointments, drop-out and outcomes, {period}",
                "DNA and cancellation rates per booked contact, discharged without being "
                "seen, outcome change (mean with t-interval) and % improving by the MCID.",
                [
                    "One row per group. Rates are % of booked contacts or of people "
                    "referred; outcome change is in the tool's own points."
                ],
                "DNAs_and_outcomes",
                _group_wide(cons, CARE, []),
                (1, 2, 4, 5),
                unsuppressed,
            )
        )
    if access_frame.height or need.height:
        groups = pl.concat(
            [f for f in (access_frame, need) if f.height], how="diagonal_relaxed"
        ).filter(pl.col("metric").is_in(NEED) & (pl.col("breakdown_key") != ALL))
        add(
            _table_sheet(
                "3a Need by group",
                f"Section 3a: provision against need, by group, {period}",
                "People seen against those expected for each group's age and sex, with "
                "unmet need (expected − observed where significantly fewer were seen).",
                [
                    "One row per group. Observed and expected are people; observed ÷ "
                    "expected below 1 means fewer seen than expected; unmet need is people."
                ],
                "Need_by_group",
                _group_wide(groups, NEED, [OBSERVED, EXPECTED]),
                (1, 2, 3, 6),
                unsuppressed,
            )
        )
    if need.filter(pl.col("metric").is_in(AREA)).height:
        areas = area_wide(need)
        area_rows = areas.blocks
        add(
            _table_sheet(
                "3b Need by area",
                f"Section 3b: provision against need, by area, {period}",
                "Observed ÷ expected people seen by LSOA, MSOA, local authority and PCN, "
                "with funnel limits, outlying areas, unmet need and contacts per 1,000.",
                [
                    "One row per area, each level's areas from the smallest expected count "
                    "up. Limits are the funnel's around 1 for an area of that size."
                ],
                "Need_by_area",
                areas,
                (1, 2, 3, 6, 8),
                unsuppressed,
            )
        )
    places = places_wide(need)
    if places.rows:
        add(
            _table_sheet(
                "3c Areas",
                f"Section 3c: neighbourhoods, PCNs and local authorities, {period}",
                "For each neighbourhood (the ICB's own lookup), primary care network and local "
                "authority: people seen per 1,000 and against expected, waits, DNA and the "
                "Core20 share of the population.",
                [
                    "One row per area. A PCN has no resident population here, so its rates by "
                    "population are [x]; its people are placed by their GP practice."
                ],
                "Areas",
                places,
                (1, 2, 3, 6),
                unsuppressed,
            )
        )
    bands = need.filter(pl.col("metric").is_in(DISTANCE))
    if bands.height:
        add(
            _table_sheet(
                "3d Distance to a site",
                f"Section 3d: access by distance to the nearest rehab site, {period}",
                "People seen per 1,000 and observed ÷ expected people seen (adjusted for age, "
                "sex and deprivation) by straight-line distance from home to the nearest site.",
                [
                    "One row per distance band. Home is the LSOA's geometric centroid; "
                    "distance is straight-line, not by road."
                ],
                "Distance_to_site",
                distance_wide(bands),
                (1, 2, 3, 6),
                unsuppressed,
            )
        )
    # The SPC charts are made again from the published (rounded) series, not kept from
    # the unrounded ones: their limits are then those of the numbers in the table.
    series = [i for k, i in indicators(improvement, plan).items() if not k.startswith("spc_")]
    board = trend_board(series) if improvement.height else None
    spans: dict[str, tuple[int, int]] = {}
    if board is not None:
        trends, spans = trend_table(board)
        add(
            Sheet(
                "4a Trends",
                f"Section 4a: monthly and quarterly trends with SPC, {period}",
                "Monthly and quarterly series of people referred, seen and seen per 1,000, "
                "overall and by deprivation and ethnic group, with SPC limits and special causes.",
                described(
                    [
                        "One row per series and period. Rates per 1,000 population a year; "
                        "people seen are those seen within 28 days of referral."
                    ],
                    (1, 2, 7),
                    unsuppressed,
                ),
                trends,
                notes=(1, 2, 7),
            )
        )
        add(
            Sheet(
                "4b Gaps",
                f"Section 4b: gaps at baseline and latest, with the change and a verdict, {period}",
                "Rate ratio of the most to least deprived fifth, SII, and representation "
                "by ethnic group, first against last complete quarter, with a verdict.",
                described(
                    [
                        "One row per gap and group. The change is latest ÷ baseline for "
                        "ratios, latest − baseline for the SII; the verdict says whether "
                        "the interval of the change supports improving or worsening."
                    ],
                    (1, 2, 5),
                    unsuppressed,
                ),
                gap_table(board),
                notes=(1, 2, 5),
            )
        )
    if previous is not None:
        add(previous)
    if quality.height:
        add(
            Sheet(
                "5a Recording quality",
                f"Data quality: recording of each characteristic, {period}",
                "% of people referred with each characteristic valid, not stated, not known, "
                "blank or invalid, overall, by provider and by month; flagged below 80% and 95%.",
                described(
                    ["One row per characteristic and provider or month. Values are %."],
                    (1, 2, 4),
                    unsuppressed,
                ),
                quality_table(quality),
                notes=(1, 2, 4),
            )
        )
        add(
            Sheet(
                "5b Rows rejected",
                "Data quality: rows rejected and warned, by batch and validation rule",
                "Rows of each imported activity file rejected or warned, per validation rule.",
                described(
                    ["One row per batch and rule. Values are rows of the files."],
                    (1, 2),
                    unsuppressed,
                ),
                rejected_table(quality),
                notes=(1, 2),
            )
        )
    findings, left_out = findings_table(plan, access_frame)
    add(
        Sheet(
            "Findings",
            f"Findings: what the numbers say, {period}",
            "Plain-English findings from the numbers, largest gap first, only where the "
            "interval supports a difference.",
            described(
                [
                    "Generated from the numbers; each names the measure it came from. "
                    "A finding is caveated where recording is below 80%."
                    + (
                        f" {left_out} finding(s) about groups whose numbers are suppressed "
                        "are not shown."
                        if left_out
                        else ""
                    )
                ],
                (4, 5),
                unsuppressed,
            ),
            findings,
            notes=(4, 5),
        )
    )
    add(action_plan(plan, unsuppressed))
    add(
        Sheet(
            "Methods",
            "Methods and definitions",
            "Each measure's title, numerator, denominator (source and year), method, unit, "
            "which direction is better and its caveats.",
            described(["One row per measure (and denominator)."], (2, 5), unsuppressed),
            methods(plan),
            notes=(2, 5),
        )
    )
    add(
        Sheet(
            "Provenance",
            "Provenance: the files this plan was made from",
            "Each import batch read: file, SHA-256, column mapping, rows, status.",
            described(
                [
                    f"Batches read by this plan: {', '.join(map(str, plan.scope.batches))}. "
                    f"rehabdash {__version__}; store fingerprint {plan.fingerprint}."
                ],
                (),
                unsuppressed,
            ),
            provenance(batches, chosen),
        )
    )
    title = f"Community rehabilitation data plan: {area_name}, {period}"
    front = [
        Sheet(
            "Cover",
            title,
            "About this workbook: area, filter, period, sources, rules.",
            cover(plan, chosen, batches, area_name, produced),
        ),
        Sheet(
            "Contents",
            "Contents",
            "The sheets of this workbook, each with a link.",
            described(
                ["Each sheet of this workbook; select a name to go to it."], (), unsuppressed
            ),
        ),
        Sheet(
            "Notes",
            "Notes",
            "The notes the tables refer to ([note 1] …).",
            described(["Notes that the sheets refer to by number."], (), unsuppressed),
            Table(
                "Notes",
                (Column("Note number", "text", 12), Column("Note text", "text", 120)),
                [(f"[note {i}]", text) for i, text in enumerate(notes, 1)],
            ),
        ),
    ]
    for sheet in sheets:
        if sheet.table is not None and sheet.name != "Action plan":
            sheet.table = sheet.table.without_empty_columns()
    return PlanSheets(
        [*front, *sheets],
        title,
        unsuppressed,
        spans,
        board,
        found_gradients,
        access_rows,
        area_rows,
    )


def fill_contents(sheets: PlanSheets) -> None:
    """The contents table, once every sheet (charts included) is in place."""
    sheet = next(s for s in sheets.sheets if s.name == "Contents")
    sheet.table = contents([s for s in sheets.sheets if s.name not in ("Cover", "Contents")])
