"""Issue 13's retention and destruction on a real SQLite database (what `make run` uses when DATABASE_URL is not
set)."""

from tests.sqlite import run_on_sqlite


def test_retention_on_sqlite(tmp_path):
    assert "sqlite retention ok" in run_on_sqlite("sqlite_retention_check.py", tmp_path, timeout=900).stdout
