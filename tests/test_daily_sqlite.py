"""The daily work (issue 11) on a real SQLite database (what `make run` uses when DATABASE_URL is not set)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_search_owning_work_the_approvals_queue_and_refreshes_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("REDIS_URL", None)
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'mash.sqlite3'}", "DEBUG": "1", "VAR_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "mash.settings"})
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "sqlite_daily_check.py")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sqlite daily work ok" in run.stdout
