"""Alembic migrations, installed as the package ``pingyi_migrations``."""
