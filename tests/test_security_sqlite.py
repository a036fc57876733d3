"""Issue 13 on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_second_factor_on_sqlite(tmp_path):
    assert "sqlite security ok" in run_on_sqlite("sqlite_security_check.py", tmp_path).stdout
