"""The preview's background work: prepare the file, look for overlaps, say what is missing.

Runs on the task runner. Nothing here touches a widget; the page shows the returned
:class:`Preview`. Nothing is written to the store: a mapping to save is saved with the
import (:func:`save_with_import`), not before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rehabdash.ingest import ColumnMapping, PreparedImport

__all__ = [
    "SEVERITY",
    "Job",
    "Preview",
    "overlap_notice",
    "overlap_question",
    "prepare",
    "rule_report",
    "rules_note",
    "save_with_import",
]

SEVERITY = {"rejected": "Row rejected", "warning": "Warning (row kept)"}


@dataclass(frozen=True)
class Job:
    """A snapshot of the choices the preparation needs (taken on the GUI thread)."""

    engine: Any
    kind: str
    path: Path
    sheet: str | None
    provider_code: str | None
    mapping: ColumnMapping | None


@dataclass
class Preview:
    prepared: PreparedImport
    report: pl.DataFrame  # rule, severity, count, example
    overlaps: dict[int, int]
    batch_names: dict[int, str]
    #: Each overlapping batch: (its rows this file lacks, its rows), if it is replaced.
    loss: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: The failures with rejected rows' cells as in the file (on screen only, never stored).
    failures: pl.DataFrame | None = None
    #: What the plan will lack for this batch (activity): one line each.
    gaps: list[str] = field(default_factory=list)


def rule_report(prepared: PreparedImport) -> pl.DataFrame:
    """Per-rule counts with one example reason each, rejections first."""
    examples = prepared.failures.group_by(["rule", "severity"], maintain_order=True).agg(
        pl.col("message").first().alias("example")
    )
    return (
        prepared.rule_counts.join(examples, on=["rule", "severity"], how="left")
        .sort(["severity", "count"], descending=[False, True])
        .with_columns(pl.col("severity").replace(SEVERITY))
    )


def rules_note(rule_counts: pl.DataFrame, rejected: int) -> str:
    """Why the rule counts may add up to more than the rows rejected ("" when they do not)."""
    counts = rule_counts.filter(pl.col("severity") == "rejected")
    broken = int(counts["count"].sum()) if counts.height else 0
    if broken <= rejected:
        return ""
    return (
        f"The rules were broken {broken:,} times by {rejected:,} rejected "
        "row(s): a row can break more than one rule, and is counted once under each."
    )


def save_with_import(engine: Any, mapping: ColumnMapping, name: str) -> ColumnMapping:
    """Save ``mapping`` as a new version of ``name`` (after the import it was used for)."""
    from rehabdash.store.mappings import save_mapping

    version = save_mapping(engine, mapping, name)
    return ColumnMapping(
        kind=mapping.kind,
        fields=dict(mapping.fields),
        header_signature=mapping.header_signature,
        name=name,
        version=version,
        dropped=list(mapping.dropped),
    )


def _scaled(report: Callable[[float, str], None], top: float) -> Callable[[float, str], None]:
    return lambda fraction, message: report(top * fraction, message)


def _gaps(job: Job, prepared: PreparedImport) -> list[str]:
    if job.kind != "activity" or prepared.mapping is None:
        return []
    from rehabdash.ingest.coverage import missing_for_store

    return missing_for_store(job.engine, prepared.mapping.fields)


def prepare(
    job: Job, report: Callable[[float, str], None], cancelled: Callable[[], bool]
) -> Preview:
    """Prepare the file for this store, find live overlaps, say what the plan will lack.

    ``prepare_file`` refuses a file a live batch already holds before the long work,
    and gives activity files the store's pseudonym key and known LSOAs. Progress stops
    short of 100% until the store has been checked for rows it already holds.
    """
    from rehabdash.ingest import find_overlaps, prepare_file
    from rehabdash.ingest.refusals import expected_loss
    from rehabdash.ingest.rejects import failures_on_screen
    from rehabdash.store.batches import list_batches

    prepared = prepare_file(
        job.engine,
        job.path,
        job.kind,
        sheet=job.sheet,
        mapping=job.mapping if job.kind == "activity" else None,
        provider_code=job.provider_code,
        progress=_scaled(report, 0.85),
        cancel=cancelled,
    )
    assert isinstance(prepared, PreparedImport)  # prepared whole: the preview shows it all
    report(0.85, "Checking for rows already in the store")
    overlaps = find_overlaps(job.engine, prepared)
    names: dict[int, str] = {}
    loss: dict[int, tuple[int, int]] = {}
    if overlaps:
        batches = list_batches(job.engine).filter(pl.col("id").is_in(list(overlaps)))
        names = dict(zip(batches["id"].to_list(), batches["source_name"].to_list(), strict=True))
        report(0.93, "Checking what replacing those batches would leave out")
        loss = expected_loss(job.engine, prepared, list(overlaps))
    screen = failures_on_screen(prepared.failures, prepared.rejected_source)
    report(1.0, "Prepared")
    return Preview(
        prepared, rule_report(prepared), overlaps, names, loss, screen, _gaps(job, prepared)
    )


def _batch_lines(overlaps: dict[int, int], names: dict[int, str]) -> str:
    return "\n".join(
        f"• batch {bid} ({names.get(bid, 'unknown file')}): {n:,} row(s) repeated"
        for bid, n in sorted(overlaps.items())
    )


def overlap_notice(overlaps: dict[int, int], names: dict[int, str]) -> str:
    """What the preview says about rows live batches already hold."""
    return (
        "This file repeats rows that are already in the store:\n"
        + _batch_lines(overlaps, names)
        + "\nWhen you press Import you choose whether this file replaces those batches; "
        "if not, the repeated rows are rejected as duplicates."
    )


def _loss_lines(loss: dict[int, tuple[int, int]], names: dict[int, str]) -> str:
    return "\n".join(
        f"• batch {bid} ({names.get(bid, 'unknown file')}): {missing:,} of its {total:,} "
        "row(s) are not in this file"
        for bid, (missing, total) in sorted(loss.items())
        if missing
    )


def overlap_question(
    overlaps: dict[int, int],
    names: dict[int, str],
    accepted: int,
    loss: dict[int, tuple[int, int]] | None = None,
) -> str:
    """The confirmation text naming each live batch this file repeats, with its row count,
    and what replacing would take out of live data."""
    no = "the repeated rows are rejected as duplicates and the rest are imported."
    if sum(overlaps.values()) >= accepted:
        no = "every row is already held, so nothing would be imported."
    lost = _loss_lines(loss or {}, names)
    warning = (
        "\n\nReplacing would take these rows out of live data (they stay in the old "
        "batch for audit only):\n" + lost
        if lost
        else ""
    )
    return (
        "This file repeats rows that are already in the store:\n"
        + _batch_lines(overlaps, names)
        + warning
        + "\n\nReplace those batches? Yes: the earlier batches are superseded (kept for "
        f"audit, no longer counted). No: {no}"
    )
