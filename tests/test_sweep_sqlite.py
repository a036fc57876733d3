"""The deadline sweep on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

from tests.sqlite import run_on_sqlite


def test_the_sweep_runs_on_sqlite(tmp_path):
    assert "sqlite sweep ok" in run_on_sqlite("sqlite_sweep_check.py", tmp_path).stdout
