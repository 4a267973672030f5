"""The monitor database: SQLAlchemy models, the engine and session set-up, Alembic migrations,
and the repository, where every status change is a named function. May import
monitor.detection.models (verdict names), monitor.records and monitor.clock; nothing above."""
