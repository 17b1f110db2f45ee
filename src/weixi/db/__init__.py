"""Storage: SQLAlchemy 2 base, types, sessions and the unit of work."""
