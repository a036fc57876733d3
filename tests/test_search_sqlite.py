"""Finding a child on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_search_by_a_name_alone_or_surname_first_works_on_sqlite_through_indexes(tmp_path):
    assert "sqlite search ok" in run_on_sqlite("sqlite_search_check.py", tmp_path).stdout
