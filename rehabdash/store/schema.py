"""The store's tables (DESIGN section 3), as SQLAlchemy Core metadata.

Every data row carries the import batch it came from, so analysis can exclude
superseded batches and the provenance sheet can name files and hashes. Codes are
stored normalised (NHS codes, not labels); blank is NULL and a value that was not a
valid code is stored as the marker ``INVALID`` (its original text is in row_issue).
Person identifiers are HMAC-SHA256 pseudonyms; no name, NHS number, postcode or date
of birth has a column here.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "BATCH_KINDS",
    "BATCH_STATUSES",
    "INVALID",
    "LIVE",
    "REFERRAL_COLUMNS",
    "WITHDRAWN",
    "area_lookup",
    "column_mapping",
    "import_batch",
    "metadata",
    "need_weight",
    "neighbourhood",
    "population",
    "postcode_lsoa",
    "referral",
    "row_issue",
    "service_site",
    "store_meta",
    "store_secret",
]

INVALID = "INVALID"
BATCH_KINDS = (
    "activity",
    "population",
    "imd",
    "need",
    "lookup",
    "postcodes",
    "areas",
    "sites",
)
#: A batch's status: only LIVE batches count; a superseded one is kept for audit, a rolled
#: back one is the audit row of a failed import, a withdrawn one was taken out of analysis
#: by a user and is kept for audit (rehabdash.store.withdrawal; it may be reinstated).
#: The one definition of "live batch". The column is free text (no CHECK, no enum).
LIVE = "committed"
WITHDRAWN = "withdrawn"
BATCH_STATUSES = (LIVE, "superseded", "rolled back", WITHDRAWN)

# Fixed constraint names so Alembic migrations match on SQLite and PostgreSQL alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

import_batch = Table(
    "import_batch",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger),
    Column("sheet", Text),
    Column("mapping", JSON),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_accepted", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    Column("period", String(16)),
    Column("provider_code", String(16)),
    Column("details", JSON),  # edition, vintage, mid-year, notes
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("user_name", Text),
    Column("status", String(16), nullable=False),
    Column("superseded_by", Integer, ForeignKey("import_batch.id")),
    Index(None, "sha256"),
)

referral = Table(
    "referral",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    # No FK (0002), for bulk load speed: rows are only written with their batch, in one transaction.
    Column("batch_id", Integer, nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("nhs_number_key", String(64)),
    Column("referral_id", String(64), nullable=False),
    Column("provider_code", String(16), nullable=False),
    Column("team_type", String(8)),
    Column("service_name", Text),
    Column("referral_date", Date, nullable=False),
    Column("source_of_referral", Text),  # a label as given (0004)
    Column("first_contact_date", Date),
    Column("discharge_date", Date),
    Column("closure_reason", Text),  # a label as given (0004)
    Column("rejection_date", Date),
    Column("rejection_reason", Text),  # a label as given (0004)
    Column("age", SmallInteger),
    Column("age_band", String(8)),
    Column("sex", String(8)),
    Column("gender_identity", String(8)),
    Column("gender_same_at_birth", String(8)),
    Column("ethnic_category", String(8)),
    Column("gp_practice", String(12)),
    Column("lsoa", String(12)),
    Column("imd_decile", SmallInteger),
    Column("disability", String(64)),
    Column("religion", String(16)),
    Column("sexual_orientation", String(8)),
    Column("marital_status", String(8)),
    Column("pregnancy", String(8)),
    Column("contacts_attended", Integer),
    Column("contacts_dna", Integer),
    Column("contacts_cancelled", Integer),
    Column("outcome_tool", Text),  # a label as given (0004)
    Column("outcome_start", Float),
    Column("outcome_end", Float),
    # No index on batch_id: with one live batch holding most rows, SQLite would pick it
    # over the referral_date index and scan everything for "newest referral" queries.
    Index(None, "provider_code", "referral_id"),
    Index(None, "referral_date"),
)

# Columns a loader writes, in order (id is generated).
REFERRAL_COLUMNS: tuple[str, ...] = tuple(c.name for c in referral.columns if c.name != "id")

population = Table(
    "population",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("area_code", String(16), nullable=False),
    Column("sex", String(1), nullable=False),  # 1 male, 2 female, P persons
    Column("age_band", String(8), nullable=False),
    Column("count", Float, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("source", Text),
    Index(None, "batch_id"),
    Index(None, "area_code"),
)

area_lookup = Table(
    "area_lookup",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("lsoa", String(12), nullable=False),
    Column("lsoa_vintage", SmallInteger, nullable=False),  # 2011 or 2021
    Column("imd_edition", SmallInteger),  # 2019 or 2025
    Column("imd_decile", SmallInteger),
    Column("imd_rank", Integer),
    Column("imd_score", Float),
    Column("lad_code", String(12)),
    Column("lad_name", Text),
    Column("sicb_code", String(12)),
    Column("sicb_name", Text),
    Column("icb_code", String(12)),
    Column("icb_name", Text),
    Column("locality", Text),
    Column("pcn_code", String(12)),
    Index(None, "batch_id"),
    Index(None, "lsoa"),
)

need_weight = Table(
    "need_weight",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("age_band", String(8), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("condition_group", Text),
    Column("weight", Float, nullable=False),
)

#: The ONS postcode directory: a postcode (upper case, no spaces) -> its LSOAs (issue 13).
postcode_lsoa = Table(
    "postcode_lsoa",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("postcode", String(8), nullable=False),
    Column("lsoa11", String(12)),
    Column("lsoa21", String(12)),
    Index(None, "batch_id"),
    Index(None, "postcode"),
)

#: The ICB's own LSOA -> neighbourhood (or locality, or hub catchment) lookup (issue 14).
#: ``code`` is the file's code for the area, or its name when the file has no code.
neighbourhood = Table(
    "neighbourhood",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("lsoa", String(12), nullable=False),
    Column("lsoa_vintage", SmallInteger, nullable=False),  # 2011 or 2021
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("area_type", String(16), nullable=False),  # neighbourhood | locality | hub catchment
    Index(None, "batch_id"),
    Index(None, "lsoa"),
)

#: Rehab service sites and hubs (issue 14), placed by an LSOA, by latitude and longitude,
#: or both; a site's postcode is resolved to its LSOA at import and not kept.
service_site = Table(
    "service_site",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("site_type", Text, nullable=False),
    Column("lsoa", String(12)),
    Column("lsoa_vintage", SmallInteger),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("row_number", Integer),  # the site's row in the imported file
    Index(None, "batch_id"),
    Index(None, "lsoa"),
)

column_mapping = Table(
    "column_mapping",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("header_signature", String(64), nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text),
    UniqueConstraint("name", "version"),
    Index(None, "header_signature"),
)

row_issue = Table(
    "row_issue",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=False),
    Column("source_row", Integer),
    Column("column_name", Text),
    Column("rule", String(48), nullable=False),
    Column("severity", String(16), nullable=False),  # rejected | warning
    Column("value", Text),  # redacted where it is an identifier
    Column("message", Text, nullable=False),
    Index(None, "batch_id"),
)

# PostgreSQL keeps the pseudonymisation key here (readable only by the importer role);
# SQLite keeps it outside the database file (rehabdash.store.keys).
store_secret = Table(
    "store_secret",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

# Facts about the store itself, none of them secret: "key_id" names the pseudonymisation
# key (its file for SQLite) and "key_check" is a short HMAC of a fixed text under it, so
# a key found elsewhere can be proved to be this store's. Travels with a copied file.
store_meta = Table(
    "store_meta",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Text, nullable=False),
)
