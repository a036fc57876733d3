"""Issue 11's decisions on SQLite (what `make run` uses): a published threshold document never changes there
either (no database triggers: the services and the models hold the rule alone); date inputs, drafts, the
outcome's preview and the chronology work."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_decisions_work_on_sqlite_and_a_published_threshold_version_cannot_be_edited(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("REDIS_URL", None)
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'mash.sqlite3'}", "DEBUG": "1", "VAR_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "mash.settings"})
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "sqlite_decisions_check.py")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sqlite decisions ok" in run.stdout
