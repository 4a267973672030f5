"""Findings storage: SQLAlchemy models, engine and Alembic migrations."""
