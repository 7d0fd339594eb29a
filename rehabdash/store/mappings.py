"""Named, versioned column-mapping templates (DESIGN 3: ``column_mapping``).

A data officer maps a provider's extract once; next month's file with the same
headers (same header signature) gets the template applied automatically. Saving
under an existing name adds a version; nothing is overwritten, so a batch's
recorded mapping (name + version) can always be looked up again.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from rehabdash.store.schema import column_mapping

if TYPE_CHECKING:
    from rehabdash.ingest.mapping import ColumnMapping

__all__ = ["find_mapping", "get_mapping", "list_mappings", "save_mapping"]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _from_row(row: Any) -> ColumnMapping:
    # Imported here: rehabdash.ingest imports the store, so a top-level import would
    # make the two packages' __init__ modules wait on each other.
    from rehabdash.ingest.mapping import ColumnMapping

    data = row.mapping if isinstance(row.mapping, dict) else json.loads(row.mapping)
    found = ColumnMapping.from_json(json.dumps(data))
    found.name, found.version, found.kind = row.name, int(row.version), row.kind
    found.header_signature = row.header_signature
    return found


def save_mapping(engine: Engine, mapping: ColumnMapping, name: str, user: str | None = None) -> int:
    """Save ``mapping`` as the next version of ``name``; returns that version (1, 2, ...)."""
    name = name.strip()
    if not name:
        raise ValueError("a mapping needs a name")
    payload = json.loads(mapping.to_json())
    for _attempt in range(3):  # two savers racing for one version number: try the next
        try:
            with engine.begin() as conn:
                newest = conn.execute(
                    select(func.max(column_mapping.c.version)).where(column_mapping.c.name == name)
                ).scalar()
                version = int(newest or 0) + 1
                payload.update(name=name, version=version)
                conn.execute(
                    insert(column_mapping).values(
                        name=name,
                        version=version,
                        kind=mapping.kind,
                        header_signature=mapping.header_signature,
                        mapping=payload,
                        created_at=datetime.now(UTC),
                        created_by=user or _user(),
                    )
                )
            return version
        except IntegrityError:
            continue
    raise ValueError(f"could not save mapping {name!r}: others are saving it at the same time")


def find_mapping(engine: Engine, header_signature: str, kind: str) -> ColumnMapping | None:
    """The newest template saved for files with these headers, or None."""
    if not header_signature:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(column_mapping)
            .where(
                column_mapping.c.header_signature == header_signature,
                column_mapping.c.kind == kind,
            )
            .order_by(column_mapping.c.created_at.desc(), column_mapping.c.id.desc())
            .limit(1)
        ).first()
    return None if row is None else _from_row(row)


def get_mapping(engine: Engine, name: str, version: int | None = None) -> ColumnMapping:
    """Template ``name`` (its newest version unless ``version``); ValueError if unknown."""
    query = select(column_mapping).where(column_mapping.c.name == name.strip())
    if version is not None:
        query = query.where(column_mapping.c.version == version)
    with engine.connect() as conn:
        row = conn.execute(query.order_by(column_mapping.c.version.desc()).limit(1)).first()
    if row is None:
        which = f"{name!r}" if version is None else f"{name!r} version {version}"
        known = list_mappings(engine)["name"].unique(maintain_order=True).to_list()
        listing = ", ".join(map(repr, known)) if known else "none saved yet"
        raise ValueError(f"there is no saved mapping {which} (saved mappings: {listing})")
    return _from_row(row)


def list_mappings(engine: Engine) -> pl.DataFrame:
    """Every saved template version: name, version, kind, created_at, created_by."""
    cols = [
        column_mapping.c.name,
        column_mapping.c.version,
        column_mapping.c.kind,
        column_mapping.c.created_at,
        column_mapping.c.created_by,
    ]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*cols).order_by(column_mapping.c.name, column_mapping.c.version)
        ).all()
    schema: dict[str, pl.DataType] = {
        "name": pl.Utf8(),
        "version": pl.Int64(),
        "kind": pl.Utf8(),
        "created_at": pl.Datetime(time_zone="UTC"),
        "created_by": pl.Utf8(),
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
