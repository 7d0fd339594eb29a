"""Alembic environment: runs migrations on what rehabdash.store.migrate hands over.

``connection``: a connection inside a transaction that already holds the store's write
lock (rehabdash.store.migrate.upgrade); it is committed by the caller. ``engine``: run
in a transaction of its own (tests and manual downgrades).
"""

from __future__ import annotations

from alembic import context

from rehabdash.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
else:
    engine = context.config.attributes["engine"]
    with engine.begin() as own:
        context.configure(connection=own, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
