"""The preview's background work: save the mapping, prepare the file, look for overlaps.

Runs on the task runner. Nothing here touches a widget; the page shows the returned
:class:`Preview`. Only the mapping template is written to the store at this point.
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
    save_as: str


@dataclass
class Preview:
    prepared: PreparedImport
    report: pl.DataFrame  # rule, severity, count, example
    overlaps: dict[int, int]
    batch_names: dict[int, str]
    saved: ColumnMapping | None  # the mapping as saved just now, if it was
    #: Each overlapping batch: (its rows this file lacks, its rows), if it is replaced.
    loss: dict[int, tuple[int, int]] = field(default_factory=dict)


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


def _save(job: Job) -> tuple[ColumnMapping | None, ColumnMapping | None]:
    """(mapping to prepare with, mapping just saved or None)."""
    if job.mapping is None or not job.save_as:
        return job.mapping, None
    from rehabdash.store.mappings import save_mapping

    version = save_mapping(job.engine, job.mapping, job.save_as)
    saved = ColumnMapping(
        kind=job.mapping.kind,
        fields=dict(job.mapping.fields),
        header_signature=job.mapping.header_signature,
        name=job.save_as,
        version=version,
        dropped=list(job.mapping.dropped),
    )
    return saved, saved


def prepare(
    job: Job, report: Callable[[float, str], None], cancelled: Callable[[], bool]
) -> Preview:
    """Save the mapping if asked, prepare the file for this store, find live overlaps.

    ``prepare_file`` refuses a file a live batch already holds before the long work,
    and gives activity files the store's pseudonym key and known LSOAs.
    """
    from rehabdash.ingest import find_overlaps, prepare_file
    from rehabdash.ingest.refusals import expected_loss
    from rehabdash.store.batches import list_batches

    mapping, saved = _save(job)
    prepared = prepare_file(
        job.engine,
        job.path,
        job.kind,
        sheet=job.sheet,
        mapping=mapping if job.kind == "activity" else None,
        provider_code=job.provider_code,
        progress=report,
        cancel=cancelled,
    )
    assert isinstance(prepared, PreparedImport)  # prepared whole: the preview shows it all
    report(1.0, "Checking for rows already in the store")
    overlaps = find_overlaps(job.engine, prepared)
    names: dict[int, str] = {}
    loss: dict[int, tuple[int, int]] = {}
    if overlaps:
        batches = list_batches(job.engine).filter(pl.col("id").is_in(list(overlaps)))
        names = dict(zip(batches["id"].to_list(), batches["source_name"].to_list(), strict=True))
        report(1.0, "Checking what replacing those batches would leave out")
        loss = expected_loss(job.engine, prepared, list(overlaps))
    return Preview(prepared, rule_report(prepared), overlaps, names, saved, loss)


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
