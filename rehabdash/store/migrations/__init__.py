"""Alembic migrations for the rehabdash store."""
