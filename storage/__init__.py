"""Storage: typed SQLAlchemy models, Alembic migrations and small query functions returning plain objects."""
