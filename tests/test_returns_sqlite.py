"""The national returns on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_returns_work_on_sqlite(tmp_path):
    assert "sqlite returns ok" in run_on_sqlite("sqlite_returns_check.py", tmp_path).stdout
