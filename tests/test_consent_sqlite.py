"""Consent on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_consent_works_on_sqlite(tmp_path):
    assert "sqlite consent ok" in run_on_sqlite("sqlite_consent_check.py", tmp_path).stdout
