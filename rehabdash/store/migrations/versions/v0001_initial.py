"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "column_mapping",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("header_signature", sa.String(length=64), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_mapping")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_column_mapping_name_version")),
    )
    with op.batch_alter_table("column_mapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_column_mapping_header_signature"), ["header_signature"], unique=False
        )

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=True),
        sa.Column("provider_code", sa.String(length=16), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_name", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batch.id"],
            name=op.f("fk_import_batch_superseded_by_import_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_sha256"), ["sha256"], unique=False)

    op.create_table(
        "store_secret",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_secret")),
    )
    op.create_table(
        "area_lookup",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("lsoa", sa.String(length=12), nullable=False),
        sa.Column("lsoa_vintage", sa.SmallInteger(), nullable=False),
        sa.Column("imd_edition", sa.SmallInteger(), nullable=True),
        sa.Column("imd_decile", sa.SmallInteger(), nullable=True),
        sa.Column("imd_rank", sa.Integer(), nullable=True),
        sa.Column("imd_score", sa.Float(), nullable=True),
        sa.Column("lad_code", sa.String(length=12), nullable=True),
        sa.Column("lad_name", sa.Text(), nullable=True),
        sa.Column("sicb_code", sa.String(length=12), nullable=True),
        sa.Column("sicb_name", sa.Text(), nullable=True),
        sa.Column("icb_code", sa.String(length=12), nullable=True),
        sa.Column("icb_name", sa.Text(), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("pcn_code", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_area_lookup_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_lookup")),
    )
    with op.batch_alter_table("area_lookup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_lookup_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_area_lookup_lsoa"), ["lsoa"], unique=False)

    op.create_table(
        "need_weight",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("condition_group", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_need_weight_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_weight")),
    )
    op.create_table(
        "population",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Float(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_population_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population")),
    )
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_population_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_population_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "referral",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("nhs_number_key", sa.String(length=64), nullable=True),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("provider_code", sa.String(length=16), nullable=False),
        sa.Column("team_type", sa.String(length=8), nullable=True),
        sa.Column("service_name", sa.Text(), nullable=True),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("source_of_referral", sa.String(length=16), nullable=True),
        sa.Column("first_contact_date", sa.Date(), nullable=True),
        sa.Column("discharge_date", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=16), nullable=True),
        sa.Column("rejection_date", sa.Date(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=16), nullable=True),
        sa.Column("age", sa.SmallInteger(), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("gender_identity", sa.String(length=8), nullable=True),
        sa.Column("gender_same_at_birth", sa.String(length=8), nullable=True),
        sa.Column("ethnic_category", sa.String(length=8), nullable=True),
        sa.Column("gp_practice", sa.String(length=12), nullable=True),
        sa.Column("lsoa", sa.String(length=12), nullable=True),
        sa.Column("imd_decile", sa.SmallInteger(), nullable=True),
        sa.Column("disability", sa.String(length=64), nullable=True),
        sa.Column("religion", sa.String(length=16), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=8), nullable=True),
        sa.Column("marital_status", sa.String(length=8), nullable=True),
        sa.Column("pregnancy", sa.String(length=8), nullable=True),
        sa.Column("contacts_attended", sa.Integer(), nullable=True),
        sa.Column("contacts_dna", sa.Integer(), nullable=True),
        sa.Column("contacts_cancelled", sa.Integer(), nullable=True),
        sa.Column("outcome_tool", sa.String(length=32), nullable=True),
        sa.Column("outcome_start", sa.Float(), nullable=True),
        sa.Column("outcome_end", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_referral_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_provider_code_referral_id"),
            ["provider_code", "referral_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_referral_referral_date"), ["referral_date"], unique=False
        )

    op.create_table(
        "row_issue",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("column_name", sa.Text(), nullable=True),
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_row_issue_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_issue")),
    )
    with op.batch_alter_table("row_issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_row_issue_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("row_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_row_issue_batch_id"))

    op.drop_table("row_issue")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_referral_date"))
        batch_op.drop_index(batch_op.f("ix_referral_provider_code_referral_id"))

    op.drop_table("referral")
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_population_batch_id"))
        batch_op.drop_index(batch_op.f("ix_population_area_code"))

    op.drop_table("population")
    op.drop_table("need_weight")
    with op.batch_alter_table("area_lookup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_lookup_lsoa"))
        batch_op.drop_index(batch_op.f("ix_area_lookup_batch_id"))

    op.drop_table("area_lookup")
    op.drop_table("store_secret")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_sha256"))

    op.drop_table("import_batch")
    with op.batch_alter_table("column_mapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_column_mapping_header_signature"))

    op.drop_table("column_mapping")
