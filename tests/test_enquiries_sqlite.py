"""Enquiries on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_enquiries_work_on_sqlite(tmp_path):
    assert "sqlite enquiries ok" in run_on_sqlite("sqlite_enquiries_check.py", tmp_path).stdout
