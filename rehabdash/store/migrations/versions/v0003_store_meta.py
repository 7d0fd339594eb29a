"""store_meta: the store names its pseudonymisation key

A store records a random key_id and a key_check (a short HMAC of a fixed text under the
key), so its key can be found wherever the store is copied and any key offered can be
verified. The key itself is never written here. A PostgreSQL store whose key is
already in store_secret gets its id and check now, and the reader and importer roles,
if set up, may read the new table (it holds no secret). A SQLite store adopts its old
path-named key file on first use (rehabdash.store.keys).

Revision ID: 0003_store_meta
Revises: 0002_referral_without_batch_fk
Create Date: 2026-11-30
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from rehabdash.store.keys import key_check

revision = "0003_store_meta"
down_revision = "0002_referral_without_batch_fk"
branch_labels = None
depends_on = None

_ROLES = ("rehabdash_reader", "rehabdash_importer")


def upgrade() -> None:
    meta = op.create_table(
        "store_meta",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_meta")),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    key = bind.execute(
        sa.text("SELECT value FROM store_secret WHERE name = :name"), {"name": "pseudonym_hmac"}
    ).scalar()
    if key is not None:
        op.bulk_insert(
            meta,
            [
                {"name": "key_id", "value": secrets.token_hex(8)},
                {"name": "key_check", "value": key_check(bytes(key))},
            ],
        )
    for role in _ROLES:
        found = bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if found.scalar() is not None:
            op.execute(f"GRANT SELECT ON store_meta TO {role}")  # a fixed name from _ROLES


def downgrade() -> None:
    op.drop_table("store_meta")
