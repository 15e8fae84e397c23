"""Persistence: the app database (SQLite by default, PostgreSQL in server mode)."""
