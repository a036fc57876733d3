"""Issue 11's decisions on SQLite (what `make run` uses): a published threshold document never changes there
either (no database triggers: the services and the models hold the rule alone); date inputs, drafts, the
outcome's preview and the chronology work."""

from tests.sqlite import run_on_sqlite


def test_the_decisions_work_on_sqlite_and_a_published_threshold_version_cannot_be_edited(tmp_path):
    assert "sqlite decisions ok" in run_on_sqlite("sqlite_decisions_check.py", tmp_path).stdout
