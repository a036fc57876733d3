"""Run by tests/test_sweep_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

The sweep has a PostgreSQL path and a portable one; this runs the portable one on a real SQLite database.
"""

import os
import sys
from datetime import timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from tests import verified_sessions  # noqa: E402  (sign-ins give their second factor, as in conftest)

verified_sessions.install()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)

from agencies.models import User  # noqa: E402
from contacts.models import Contact  # noqa: E402
from mash import deadlines  # noqa: E402
from mash.models import AuditEvent, Escalation, Notification  # noqa: E402
from mash.tests.helpers import broken_for, clocked_contact  # noqa: E402

screener = User.objects.filter(groups__name="screener").order_by("pk").first()
now = timezone.now().replace(microsecond=0)  # the text form SQLite compares has no microseconds then
breached = [clocked_contact(screener, started_at=now - timedelta(hours=5), assigned_screener=screener)
            for _ in range(7)]
warned = [clocked_contact(screener, started_at=now - timedelta(hours=3, minutes=30), assigned_screener=screener)
          for _ in range(2)]
bad = clocked_contact(screener, started_at=now - timedelta(hours=5))
with broken_for(bad, "label"):
    result = deadlines.sweep(now=now)
assert (result.breaches, result.warnings, result.errors) == (7, 2, 1), result
# Stored as the ORM stores datetimes, so the ORM finds them again.
assert Contact.objects.filter(breached_at=now).count() == 7
assert Contact.objects.filter(warned_at=now).count() == 9
bad.refresh_from_db()
assert bad.breached_at is None and bad.warned_at is None, (bad.breached_at, bad.warned_at)
assert Escalation.objects.count() == 9 and AuditEvent.objects.filter(action__startswith="clock.").count() == 9
assert Notification.objects.filter(kind="escalation.breach.digest").exists()
again = deadlines.sweep(now=now)
assert (again.breaches, again.warnings) == (1, 0), again  # only the row that failed before
later = deadlines.sweep(now=now + timedelta(hours=1))
assert later.second_level == 8 and later.breaches == 2, later
# The at-risk board counts by rating and ranks the most overdue in the database (a window function): SQLite too.
manager = User.objects.filter(groups__name="manager").order_by("pk").first()
board = deadlines.at_risk(user=manager, now=now, shown=3)
red = next(g for g in board["groups"] if g["rating"] == "red")
assert red["count"] >= 10 and len([i for s in red["stages"] for i in s["items"]]) == 3, red
assert red["more"] == red["count"] - 3 and board["total"] == sum(g["count"] for g in board["groups"]), board
overdue = [i.row.due_at for s in red["stages"] for i in s["items"]]
assert overdue == sorted(overdue), overdue
page = deadlines.at_risk(user=manager, now=now, rating="red", page=2, per_page=3)
assert page["page"].paginator.count == red["count"] and len(page["groups"][0]["stages"][0]["items"]) == 3, page
print("sqlite sweep ok")
