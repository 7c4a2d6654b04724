"""Fixtures for the SQL backends (SQLite, MariaDB). Filled by the SQL adapter work."""
