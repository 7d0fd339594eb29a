"""What the Data quality page draws, without Qt: the completeness heat map (each
characteristic × provider or month of referral, the share of people with a valid value)
and the rows rejected and warned per rule per batch (issue 11 item 1; DESIGN 6 and 10).

The plan's "quality" extra (:func:`rehabdash.plan.quality.quality_indicators`) returns,
for every characteristic, ``recorded_share/<characteristic>×provider`` (and ``×month``):
the share of people of each kind in each group, codes ``"<kind>|<group>"`` with the
margin ``"<kind>|All"``, and the valid row's ``note`` saying whether it is below 95% or
below 80%, the CSDS publication threshold; ``recorded_people`` has the same cells as
counts. Each cell of the grid is one characteristic in one group: its valid share, the
band the plan's note puts it in, the counts of every kind, and the text written in the
cell: the whole percentage (rounded down, so 79.6% reads 79%, like its band) and, below
80%, a warning mark, so the band is never told by colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rehabdash.codes.characteristics import CHARACTERISTICS, KINDS, UNKNOWN_LEVELS, VALID
from rehabdash.plan.quality import BELOW_CSDS, BELOW_TARGET, CSDS_THRESHOLD, TARGET
from rehabdash.plan.result import ALL, FLAGS, SUPPRESSED, Indicator

__all__ = [
    "BANDS",
    "BELOW_MARK",
    "Band",
    "By",
    "CompletenessGrid",
    "GridCell",
    "completeness_grid",
    "issues_table",
]

By = Literal["provider", "month"]
Band = Literal["target", "below_target", "below_csds", "none"]
#: Each band's words, for the legend and the table.
BANDS: dict[Band, str] = {
    "target": f"{TARGET:.0f}% or more valid",
    "below_target": f"{CSDS_THRESHOLD:.0f}% to under {TARGET:.0f}% valid (below the "
    f"{TARGET:.0f}% target)",
    "below_csds": f"under {CSDS_THRESHOLD:.0f}% valid (below the CSDS publication "
    "threshold: too incomplete to judge)",
    "none": "no share: nobody referred, or suppressed",
}
#: The mark written in a cell below the CSDS threshold.
BELOW_MARK = "⚠"
_KIND_WORDS = {VALID: "valid", **{k: v.lower() for k, v in UNKNOWN_LEVELS.items()}}
_COLUMN_TITLES = {"provider": "Provider", "month": "Month of referral"}


@dataclass(frozen=True)
class GridCell:
    """One characteristic in one provider or month."""

    row: str  # the characteristic's key
    column: str  # the group: provider code, "2024-05", or "All"
    value: float | None  # the valid share, %
    lower: float | None
    upper: float | None
    band: Band
    counts: dict[str, float | None]  # people of each kind (KINDS order)
    total: float | None  # people referred in the group
    flag: str | None
    note: str

    @property
    def text(self) -> str:
        """What the cell says: "97%", "62% ⚠", or the shorthand of no value."""
        if self.value is None:
            return SUPPRESSED if self.flag == SUPPRESSED else "–"
        valid, total = self.counts.get(VALID), self.total
        # From the counts where there are some: exact, no rounding up across a threshold.
        exact = valid is not None and bool(total)
        whole = int(valid * 100 // total) if exact else int(self.value // 1)  # type: ignore[operator]
        mark = f" {BELOW_MARK}" if self.band == "below_csds" else ""
        return f"{whole}%{mark}"


def _band(value: float | None, note: str | None) -> Band:
    if value is None:
        return "none"
    if note == BELOW_CSDS:
        return "below_csds"
    if note == BELOW_TARGET:
        return "below_target"
    return "target"


@dataclass(frozen=True)
class CompletenessGrid:
    """The heat map: rows (characteristics) × columns (groups, "All" first)."""

    by: By
    rows: tuple[tuple[str, str], ...]  # (key, title)
    columns: tuple[tuple[str, str], ...]  # (code, label)
    cells: tuple[tuple[GridCell, ...], ...]  # [row][column]

    @property
    def empty(self) -> bool:
        return not self.rows or not self.columns

    def cell(self, row: int, column: int) -> GridCell:
        return self.cells[row][column]

    def bands(self) -> set[Band]:
        return {c.band for r in self.cells for c in r}

    def describe(self, row: int, column: int) -> list[str]:
        """The numbers of a cell, as the details line says them."""
        c = self.cell(row, column)
        parts = []
        if c.value is not None:
            interval = (
                f", 95% CI {c.lower:.1f}% to {c.upper:.1f}%"
                if c.lower is not None and c.upper is not None
                else ""
            )
            parts.append(f"{c.value:.1f}% valid{interval}")
        elif c.flag:
            parts.append(f"{c.flag} {FLAGS.get(c.flag, '')}".strip())
        for kind in KINDS:
            n = c.counts.get(kind)
            parts.append(f"{_KIND_WORDS[kind]} {n:,.0f}" if n is not None else "")
        if c.total is not None:
            parts.append(f"people referred {c.total:,.0f}")
        parts.append(BANDS[c.band])
        if c.note and c.note not in (BELOW_CSDS, BELOW_TARGET):
            parts.append(c.note)
        return [p for p in parts if p]

    def title(self, row: int, column: int) -> str:
        label = self.columns[column][1]
        return f"{self.rows[row][1]}, {label}"

    def table(self) -> list[list[str]]:
        """Every cell drawn, header first: what the table view and the copy show."""
        header = [
            "Characteristic",
            _COLUMN_TITLES[self.by],
            "Valid %",
            "In the cell",
            "Band",
            *(f"{_KIND_WORDS[k].capitalize()}" for k in KINDS),
            "People referred",
        ]
        rows = [header]
        for i, (_key, title) in enumerate(self.rows):
            for j, (_code, label) in enumerate(self.columns):
                c = self.cells[i][j]
                rows.append(
                    [
                        title,
                        label,
                        f"{c.value:.1f}" if c.value is not None else (c.flag or ""),
                        c.text,
                        BANDS[c.band],
                        *(_count(c.counts.get(k)) for k in KINDS),
                        _count(c.total),
                    ]
                )
        return rows


def _count(n: float | None) -> str:
    return "" if n is None else f"{n:,.0f}"


_SHORT = {"imd_decile": "Deprivation: IMD decile", "imd_quintile": "Deprivation: IMD quintile"}


def _title(key: str) -> str:
    """A characteristic's short name: a heat map's row label."""
    char = CHARACTERISTICS.get(key)
    if char is None:
        return key
    return _SHORT.get(key, char.title.split(" (", 1)[0])


def completeness_grid(indicators: Iterable[Indicator], by: By) -> CompletenessGrid:
    """The heat map of the valid share of every characteristic by ``by`` among
    ``indicators`` (the quality extra), in the registry's order; the "All" column first,
    then the groups in the frame's order."""
    shares: dict[str, Indicator] = {}
    people: dict[str, Indicator] = {}
    suffix = f"×{by}"
    for item in indicators:
        if not item.breakdown_key.endswith(suffix):
            continue
        char = item.breakdown_key.removesuffix(suffix)
        if item.metric == "recorded_share":
            shares[char] = item
        elif item.metric == "recorded_people":
            people[char] = item
    keys = [k for k in CHARACTERISTICS if k in shares] + [
        k for k in shares if k not in CHARACTERISTICS
    ]
    columns: dict[str, str] = {}
    for key in keys:  # the groups: every characteristic's frame has the same ones
        for code, level in shares[key].frame.select("level_code", "level").iter_rows():
            if "|" not in code:
                continue
            kind, group = code.split("|", 1)
            if kind == ALL or group in columns:
                continue
            columns[group] = level.split("; ", 1)[1] if "; " in level else group
    ordered = sorted(columns, key=lambda g: g != ALL)  # "All" first, else as found
    cells = []
    for key in keys:
        frame = shares[key].frame
        by_code = {r["level_code"]: r for r in frame.iter_rows(named=True)}
        counts_frame = people[key].frame if key in people else None
        count_of = (
            {r["level_code"]: r["value"] for r in counts_frame.iter_rows(named=True)}
            if counts_frame is not None
            else {}
        )
        row_cells = []
        for group in ordered:
            valid = by_code.get(f"{VALID}|{group}")
            counts = {
                kind: count_of.get(
                    f"{kind}|{group}", (by_code.get(f"{kind}|{group}") or {}).get("numerator")
                )
                for kind in KINDS
            }
            value = valid["value"] if valid else None
            row_cells.append(
                GridCell(
                    row=key,
                    column=group,
                    value=value,
                    lower=valid["lower"] if valid else None,
                    upper=valid["upper"] if valid else None,
                    band=_band(value, valid["note"] if valid else None),
                    counts=counts,
                    total=valid["denominator"] if valid else None,
                    flag=valid["flag"] if valid else None,
                    note=str(valid["note"] or "") if valid else "",
                )
            )
        cells.append(tuple(row_cells))
    return CompletenessGrid(
        by=by,
        rows=tuple((k, _title(k)) for k in keys),
        columns=tuple((g, columns[g]) for g in ordered),
        cells=tuple(cells),
    )


def issues_table(indicators: Iterable[Indicator]) -> list[list[str]]:
    """Rows rejected and warned per rule per batch (the "All" row last), header first."""
    items = list(indicators)
    rejected = next((i for i in items if i.metric == "rows_rejected"), None)
    warned = next((i for i in items if i.metric == "rows_warned"), None)
    header = ["Batch and rule", "Rows rejected", "Rows warned", "Rows read", "Columns"]
    if rejected is None and warned is None:
        return [header]
    rows: dict[str, dict[str, object]] = {}
    for which, item in (("rejected", rejected), ("warned", warned)):
        if item is None:
            continue
        for r in item.frame.iter_rows(named=True):
            row = rows.setdefault(
                r["level_code"],
                {"level": r["level"], "read": r["denominator"], "notes": []},
            )
            row[which] = r["value"] if r["value"] is not None else r["flag"]
            if r["note"]:
                row["notes"].append(f"{which}: {r['note'].removeprefix('columns: ')}")  # type: ignore[attr-defined]

    def order(code: str) -> tuple[int, str, int]:
        if code == ALL:
            return (1, "", 0)
        batch, rule = code.split("|", 1)
        return (0, batch.zfill(12), 1 if rule == ALL else 0)

    out = [header]
    for code in sorted(rows, key=order):
        row = rows[code]
        level = str(row["level"])
        out.append(
            [
                "All batches read: all rules" if code == ALL else level,
                _cell(row.get("rejected")),
                _cell(row.get("warned")),
                _count(row["read"]),  # type: ignore[arg-type]
                "; ".join(row["notes"]),  # type: ignore[arg-type]
            ]
        )
    return out


def _cell(value: object) -> str:
    if value is None:
        return "0"
    if isinstance(value, float | int):
        return f"{value:,.0f}"
    return f"{value} {FLAGS.get(str(value), '')}".strip()
