"""The ONS postcode directory: postcode -> LSOA 2011 and 2021 (issue 13)

Extracts with postcodes but no LSOA get their LSOA from it at import
(``rehabdash import postcodes FILE``); the postcode itself is never stored.

Revision ID: 0005_postcode_lsoa
Revises: 0004_free_text_columns
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_postcode_lsoa"
down_revision = "0004_free_text_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postcode_lsoa",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("lsoa11", sa.String(length=12), nullable=True),
        sa.Column("lsoa21", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_postcode_lsoa_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postcode_lsoa")),
    )
    op.create_index("ix_postcode_lsoa_batch_id", "postcode_lsoa", ["batch_id"])
    op.create_index("ix_postcode_lsoa_postcode", "postcode_lsoa", ["postcode"])


def downgrade() -> None:
    op.drop_index("ix_postcode_lsoa_postcode", "postcode_lsoa")
    op.drop_index("ix_postcode_lsoa_batch_id", "postcode_lsoa")
    op.drop_table("postcode_lsoa")
