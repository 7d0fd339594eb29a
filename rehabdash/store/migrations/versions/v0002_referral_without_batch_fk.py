"""referral without the batch_id foreign key

The per-row check cost a third of a bulk COPY's time on PostgreSQL. Referral rows are
only written together with their import_batch row in one transaction, and batches are
never deleted, so the key bought no correctness. On SQLite the table is rebuilt (its
rows, primary key and indexes are kept); on PostgreSQL the constraint is dropped.

Revision ID: 0002_referral_without_batch_fk
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002_referral_without_batch_fk"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

FK_NAME = "fk_referral_batch_id_import_batch"


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_foreign_key(FK_NAME, "import_batch", ["batch_id"], ["id"])
