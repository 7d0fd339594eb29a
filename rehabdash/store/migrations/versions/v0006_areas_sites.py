"""Neighbourhoods and service sites (issue 14)

``neighbourhood``: the ICB's own LSOA -> neighbourhood, locality or hub catchment lookup
(``rehabdash import areas FILE``); ``service_site``: rehab sites and hubs placed by LSOA
or by latitude and longitude (``rehabdash import sites FILE``). Both are batch kinds
like any other: versioned, replaced and withdrawn by batch.

Revision ID: 0006_areas_sites
Revises: 0005_postcode_lsoa
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_areas_sites"
down_revision = "0005_postcode_lsoa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "neighbourhood",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("lsoa", sa.String(length=12), nullable=False),
        sa.Column("lsoa_vintage", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("area_type", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_neighbourhood_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhood")),
    )
    op.create_index("ix_neighbourhood_batch_id", "neighbourhood", ["batch_id"])
    op.create_index("ix_neighbourhood_lsoa", "neighbourhood", ["lsoa"])
    op.create_table(
        "service_site",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("site_type", sa.Text(), nullable=False),
        sa.Column("lsoa", sa.String(length=12), nullable=True),
        sa.Column("lsoa_vintage", sa.SmallInteger(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_service_site_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_site")),
    )
    op.create_index("ix_service_site_batch_id", "service_site", ["batch_id"])
    op.create_index("ix_service_site_lsoa", "service_site", ["lsoa"])


def downgrade() -> None:
    op.drop_index("ix_service_site_lsoa", "service_site")
    op.drop_index("ix_service_site_batch_id", "service_site")
    op.drop_table("service_site")
    op.drop_index("ix_neighbourhood_lsoa", "neighbourhood")
    op.drop_index("ix_neighbourhood_batch_id", "neighbourhood")
    op.drop_table("neighbourhood")
