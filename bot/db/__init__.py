"""Persistence: SQLAlchemy 1.4 models (2.0-style queries), engines and Alembic migrations."""
