"""From a file to a committed batch: prepare with the store's key and lookups, then commit.

``prepare_file`` is the store-aware front of the pipeline (the store's pseudonym key,
the LSOAs it and the shipped lookups know, saved mapping templates); ``import_file``
is ``prepare_file`` + :func:`rehabdash.ingest.commit.import_prepared`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.ingest.area_lookup_file import prepare_areas
from rehabdash.ingest.commit import (
    ImportResult,
    Progress,
    duplicate_of,
    import_prepared,
    record_rollback,
)
from rehabdash.ingest.errors import ImportCancelled, ImportFileError
from rehabdash.ingest.mapping import ColumnMapping, header_signature
from rehabdash.ingest.pipeline import (
    ActivitySource,
    PreparedImport,
    open_activity,
    prepare_activity,
    prepare_imd,
    prepare_need,
    prepare_population,
)
from rehabdash.ingest.postcodes import postcode_lookup, prepare_postcodes
from rehabdash.ingest.scrub import unexpected_reason
from rehabdash.ingest.sites import prepare_sites
from rehabdash.ingest.store_rows import check_period, check_provider
from rehabdash.kinds import IMPORT_KINDS
from rehabdash.store.batches import BatchInfo, live_batches
from rehabdash.store.schema import area_lookup, population

__all__ = [
    "IMPORT_KINDS",
    "audit_failure",
    "file_sha256",
    "import_file",
    "known_lsoas",
    "prepare_file",
]


log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _shipped_lsoas() -> frozenset[str]:
    from rehabdash.refdata import lsoa_lookup

    return frozenset(lsoa_lookup(2011)["lsoa"].to_list()) | frozenset(
        lsoa_lookup(2021)["lsoa"].to_list()
    )


def known_lsoas(engine: Engine) -> frozenset[str]:
    """LSOAs of the shipped lookups (2011 and 2021) and of the store's live area lookups."""
    live = live_batches()
    with engine.connect() as conn:
        held = conn.execute(
            select(area_lookup.c.lsoa).distinct().where(area_lookup.c.batch_id.in_(live))
        ).scalars()
        return _shipped_lsoas() | frozenset(held)


def _population_lsoas(engine: Engine) -> set[str]:
    live = live_batches("population")
    with engine.connect() as conn:
        query = select(population.c.area_code).distinct().where(population.c.batch_id.in_(live))
        return set(conn.execute(query).scalars())


#: A site further than this from every LSOA of the store's population is warned of.
FAR_SITE_KM = 20.0


def _far_sites(engine: Engine, sites: pl.DataFrame) -> list[str]:
    """A warning naming sites far from everyone the store counts (another ICB's list, a
    mistyped place): every resident would then be "10 km and over" from them."""
    from rehabdash.plan.distance import nearest_sites, site_points
    from rehabdash.refdata.boundaries import lsoa_centroids

    held = _population_lsoas(engine)
    points = site_points(sites) if sites.height else sites
    if not held or points.height == 0:
        return []
    homes = pl.concat([lsoa_centroids(v) for v in (2011, 2021)]).unique("lsoa")
    homes = homes.filter(pl.col("lsoa").is_in(sorted(held)))
    if homes.height == 0:
        return []
    km, _ = nearest_sites(
        points["latitude"].to_numpy(),
        points["longitude"].to_numpy(),
        homes["latitude"].to_numpy(),
        homes["longitude"].to_numpy(),
    )
    far = points.with_columns(pl.Series("km", km)).filter(pl.col("km") > FAR_SITE_KM)
    if far.height == 0:
        return []
    first = far.sort("km", descending=True).row(0, named=True)
    return [
        f"warning: {far.height:,} site(s) are more than {FAR_SITE_KM:g} km from every LSOA of "
        f"the store's population (e.g. {first['name']!r}, {first['km']:.0f} km): is this the "
        "right ICB's list?"
    ]


def _outside_population(engine: Engine, lsoas: pl.Series) -> list[str]:
    """A warning when few of a lookup's LSOAs are in the store's live population (the
    wrong ICB's file, or another vintage's codes): its areas would then hold nobody."""
    held = _population_lsoas(engine)
    wanted = set(lsoas.drop_nulls().to_list())
    if not held or not wanted:
        return []
    inside = len(wanted & held)
    if inside >= 0.5 * len(wanted):
        return []
    return [
        f"warning: only {inside:,} of the file's {len(wanted):,} LSOAs are in the store's "
        f"population ({len(held):,} LSOAs): is this the right ICB's lookup?"
    ]


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of the file's bytes (None if it cannot be read: prepare says why)."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            for block in iter(functools.partial(fh.read, 1 << 22), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _prepare(
    engine: Engine,
    path: str | Path,
    kind: str,
    *,
    sheet: str | int | None = None,
    mapping: ColumnMapping | None = None,
    provider_code: str | None = None,
    today: dt.date | None = None,
    year: int | None = None,
    edition: int | None = None,
    area_type: str | None = None,
    stream: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PreparedImport | ActivitySource:
    """Prepare ``path`` as ``kind`` for this store (nothing is written)."""
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind!r} (use one of {', '.join(IMPORT_KINDS)})")
    if kind != "activity" and mapping is not None:
        raise ValueError(f"a column mapping applies to activity files, not {kind} tables")
    if kind == "activity":
        from rehabdash.store.keys import pseudonym_key
        from rehabdash.store.mappings import find_mapping

        def saved(headers: Sequence[str]) -> ColumnMapping | None:
            return find_mapping(engine, header_signature(headers), "activity")

        front = open_activity if stream else prepare_activity
        return front(
            path,
            key=pseudonym_key(engine),
            today=today or dt.date.today(),
            sheet=sheet,
            mapping=mapping,
            provider_code=provider_code,
            known_lsoas=known_lsoas(engine),
            saved_mapping=saved,
            postcode_lookup=functools.partial(postcode_lookup, engine),
            progress=progress,
            cancel=cancel,
        )
    if kind == "population":
        return prepare_population(path, sheet=sheet, year=year, progress=progress, cancel=cancel)
    if kind == "imd":
        return prepare_imd(path, sheet=sheet, edition=edition, progress=progress, cancel=cancel)
    if kind == "postcodes":
        return prepare_postcodes(path, sheet=sheet, progress=progress, cancel=cancel)
    if kind == "areas":
        areas = prepare_areas(
            path, sheet=sheet, area_type=area_type, progress=progress, cancel=cancel
        )
        areas.notes.extend(_outside_population(engine, areas.rows["lsoa"]))
        return areas
    if kind == "sites":
        sites = prepare_sites(
            path,
            sheet=sheet,
            postcode_lookup=functools.partial(postcode_lookup, engine),
            progress=progress,
            cancel=cancel,
        )
        sites.notes.extend(_far_sites(engine, sites.rows))
        return sites
    return prepare_need(path, sheet=sheet, progress=progress, cancel=cancel)


def _refuse_known_file(engine: Engine, path: Path, sha: str | None, replace: Sequence[int]) -> None:
    """Refuse a file already held live, or replaced, before spending time preparing it."""
    if sha is None:
        return
    with engine.connect() as conn:
        duplicate = duplicate_of(conn, sha, path.name, replace)
    if duplicate is not None:
        raise duplicate


def prepare_file(
    engine: Engine,
    path: str | Path,
    kind: str,
    *,
    sheet: str | int | None = None,
    mapping: ColumnMapping | None = None,
    provider_code: str | None = None,
    today: dt.date | None = None,
    year: int | None = None,
    edition: int | None = None,
    area_type: str | None = None,
    audit: bool = False,
    stream: bool = False,
    replace: Sequence[int] = (),
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PreparedImport | ActivitySource:
    """Prepare ``path`` as ``kind`` for this store; no data is written.

    A file a live batch already holds, or one whose batch was replaced, is refused
    first (DuplicateFileError), before the long prepare, unless ``replace`` names
    that batch (or the batch that replaced it). Activity files get the store's
    pseudonym key, the LSOAs it knows, and a saved mapping template when
    ``mapping`` is None and one matches the headers; a sites file, the store's
    postcode directory. ``area_type``: what an areas file groups LSOAs into
    (rehabdash.kinds.AREA_TYPES; None: from its header). ``audit``: a file that cannot
    be prepared, for any reason (or a cancel), leaves a "rolled back" batch row
    naming it, as every failed import must. ``stream``: an activity file is only
    read and mapped, and comes back as an ActivitySource whose
    rows import_prepared prepares part by part while it writes earlier parts.
    """
    path = Path(path)
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind!r} (use one of {', '.join(IMPORT_KINDS)})")
    if kind != "areas" and area_type is not None:
        raise ValueError(f"an area type applies to areas files, not {kind} tables")
    provider_code = check_provider(provider_code)
    if not path.is_file():
        reason = "this is a folder, not a file" if path.is_dir() else "the file does not exist"
        raise ImportFileError(path, reason)
    sha = file_sha256(path)
    try:
        if kind != "areas":  # an areas file may be imported once per area type it holds
            _refuse_known_file(engine, path, sha, replace)
        return _prepare(
            engine,
            path,
            kind,
            sheet=sheet,
            mapping=mapping,
            provider_code=provider_code,
            today=today,
            year=year,
            edition=edition,
            area_type=area_type,
            stream=stream,
            progress=progress,
            cancel=cancel,
        )
    except Exception as exc:
        if audit:
            audit_failure(engine, path, kind, provider_code, exc)
        raise


def audit_failure(
    engine: Engine, path: str | Path, kind: str, provider_code: str | None, exc: BaseException
) -> None:
    """Leave the "rolled back" audit row of an import of ``path`` that failed or was
    refused before anything was written (the reason scrubbed; an unexpected error is
    logged in full and recorded by its kind only)."""
    path = Path(path)
    sha = file_sha256(path)
    if sha is None:  # no file to speak of: nothing to audit
        return
    if isinstance(exc, ImportFileError | ImportCancelled | StoreError | ValueError):
        reason = str(exc) or type(exc).__name__
    else:  # a library's message may quote the file: keep it for the log only
        log.exception("importing %s failed", path.name)
        reason = unexpected_reason(exc)
    info = BatchInfo(kind, path.name, sha, size_bytes=path.stat().st_size)
    info.provider_code = provider_code
    record_rollback(engine, info, reason)


def import_file(
    engine: Engine,
    path: str | Path,
    kind: str,
    *,
    sheet: str | int | None = None,
    mapping: ColumnMapping | None = None,
    provider_code: str | None = None,
    period: str | None = None,
    strict: bool = False,
    replace: Sequence[int] = (),
    allow_loss: bool = False,
    today: dt.date | None = None,
    year: int | None = None,
    edition: int | None = None,
    area_type: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImportResult:
    """Prepare ``path`` and commit it as one batch (see import_prepared for the rules).

    An activity file streams: it is read and mapped, then prepared part by part
    while the store writes the parts before (same outcome as prepare then commit).
    """
    check_period(period)  # before the long prepare (prepare_file checks the provider)
    stream = kind == "activity"
    share = 0.15 if stream else 0.5  # streaming prepares most rows while writing

    def prep_progress(fraction: float, message: str) -> None:
        if progress is not None:
            progress(share * fraction, message)

    def commit_progress(fraction: float, message: str) -> None:
        if progress is not None:
            progress(share + (1 - share) * fraction, message)

    prepared = prepare_file(
        engine,
        path,
        kind,
        sheet=sheet,
        mapping=mapping,
        provider_code=provider_code,
        today=today,
        year=year,
        edition=edition,
        area_type=area_type,
        audit=True,
        stream=stream,
        replace=replace,
        progress=prep_progress,
        cancel=cancel,
    )
    return import_prepared(
        engine,
        prepared,
        provider_code=provider_code,
        period=period,
        strict=strict,
        replace=replace,
        allow_loss=allow_loss,
        progress=commit_progress,
        cancel=cancel,
    )
