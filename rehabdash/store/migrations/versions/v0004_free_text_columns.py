"""Free text columns of referral become TEXT: a label is stored whole on both stores

source_of_referral, closure_reason and rejection_reason were VARCHAR(16), outcome_tool
VARCHAR(32). Extracts carry labels there ("Self-referral by patient or carer"), which
PostgreSQL refused, failing the whole file, while SQLite kept them: the same file gave
different stores. Now both keep them (issue 9). PostgreSQL changes the type in place
(VARCHAR to TEXT rewrites nothing); SQLite rebuilds the table in batch mode.

Revision ID: 0004_free_text_columns
Revises: 0003_store_meta
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_free_text_columns"
down_revision = "0003_store_meta"
branch_labels = None
depends_on = None

_WIDTHS = {
    "source_of_referral": 16,
    "closure_reason": 16,
    "rejection_reason": 16,
    "outcome_tool": 32,
}


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        for name, width in _WIDTHS.items():
            batch.alter_column(name, type_=sa.Text(), existing_type=sa.String(width))


def downgrade() -> None:
    # Going back cuts longer labels to the old widths (PostgreSQL would refuse them).
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("referral") as batch:
        for name, width in _WIDTHS.items():
            batch.alter_column(
                name,
                type_=sa.String(width),
                existing_type=sa.Text(),
                postgresql_using=f"left({name}, {width})" if postgres else None,
            )
