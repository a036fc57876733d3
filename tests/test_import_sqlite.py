"""Importing police notifications on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_a_manager_imports_notifications_on_sqlite(tmp_path):
    assert "sqlite import ok" in run_on_sqlite("sqlite_import_check.py", tmp_path).stdout
