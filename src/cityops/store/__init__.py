"""Persistence: one schema, two engines (embedded SQLite, production PostgreSQL).

Schema changes are Alembic migrations under `migrations/`.
"""
