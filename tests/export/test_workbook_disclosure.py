"""A circulated workbook gives no small count away: none of 1 to 7 appears, no
suppressed count can be worked out from a total, and no statistic built on a
suppressed count is shown beside the denominator that would give it back (issue 12)."""

from __future__ import annotations

from typing import Any

from workbook_built import Built
from workbook_read import book, cells

COUNT_HEADERS = {
    "People seen",
    "People seen (observed)",
    "People referred",
    "Referrals received",
    "Contacts attended",
    "Batch and rule",
}
DERIVED = ("Observed ÷ expected", "Representation", "Unmet need")


def _is_count(header: str) -> bool:
    """A column of counts of people, referrals, contacts or file rows."""
    return header in COUNT_HEADERS or header.startswith(("Rows ", "Referrals still waiting"))


def test_no_count_of_1_to_7_anywhere_in_a_hes_workbook(built: Built) -> None:
    wb = book(built.workbook("hes"))
    suppressed = 0
    for ws in wb.worksheets:
        if not ws.tables:
            continue
        rows = cells(built.workbook("hes"), ws.title)
        for row in rows:
            for header, value in row.items():
                if _is_count(header) and isinstance(value, int | float):
                    assert not 0 < value < 8, f"{ws.title} {header}: {value}"
                    assert value % 5 == 0, f"{ws.title} {header}: {value} is not rounded"
                suppressed += value == "[c]"
    assert suppressed > 50  # the small demo has many small groups and areas: it was tested


def _blocks(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r[key]), []).append(r)
    return out


def test_no_lone_suppressed_count_beside_its_published_total(built: Built) -> None:
    """A breakdown's groups add up to its All row: where All is shown, a column of a
    block never hides exactly one group (it could be worked out by subtraction)."""
    checked = 0
    for sheet in ("1 Who is accessing", "2a Waits", "3a Need by group"):
        rows = cells(built.workbook("hes"), sheet)
        for name, block in _blocks(rows, "Breakdown").items():
            everyone = block[0]
            assert everyone["Group"] == "All", name
            for header in everyone:
                if not _is_count(header) or not isinstance(everyone[header], float | int):
                    continue
                hidden = [r["Group"] for r in block[1:] if r[header] == "[c]"]
                assert len(hidden) != 1, f"{sheet} {name} {header}: only {hidden} hidden"
                checked += bool(hidden)
    assert checked > 0


def test_no_statistic_of_a_suppressed_count_is_shown(built: Built) -> None:
    """Observed ÷ expected × expected is the observed count; representation × the
    group's population share × everyone seen is the group's count: where the count is
    suppressed, so are they."""
    found = 0
    for sheet, count in (
        ("1 Who is accessing", "People seen"),
        ("1b Intersections", "People seen"),
        ("3a Need by group", "People seen (observed)"),
        ("3b Need by area", "People seen"),
    ):
        for row in cells(built.workbook("hes"), sheet):
            if row.get(count) != "[c]":
                continue
            found += 1
            for header, value in row.items():
                if header.startswith(DERIVED):
                    assert not isinstance(value, float | int), f"{sheet} {row}: {header} = {value}"
    assert found > 10


def test_unsuppressed_workbook_keeps_the_small_counts(built: Built) -> None:
    """The same tables with no control: small counts are there, so the checks above
    had something to find."""
    rows = cells(built.workbook("none"), "3b Need by area")
    small = [
        r["People seen"]
        for r in rows
        if isinstance(r["People seen"], int | float) and 0 < r["People seen"] < 8
    ]
    assert small
