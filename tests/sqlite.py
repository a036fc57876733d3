"""Run a check script against a fresh SQLite database, as `make run` uses when DATABASE_URL is not set.

Each feature that must work on both databases has a small script under tests/ (sqlite_*_check.py) that sets
Django up on SQLite, migrates, exercises the feature and prints "<what> ok"; a test runs it here in a process of
its own (pytest's own database is PostgreSQL).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_on_sqlite(script: str, tmp_path: Path, *, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("REDIS_URL", None)
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'mash.sqlite3'}", "DEBUG": "1", "VAR_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "mash.settings"})
    run = subprocess.run([sys.executable, str(ROOT / "tests" / script)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert run.returncode == 0, run.stdout + run.stderr
    return run
