"""Run by tests/test_threshold_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

SQLite has no triggers from django-pgtrigger (it installs them on PostgreSQL only), so there the rule that a
published threshold document never changes rests on contacts.thresholds and the models' save() and delete():
the admin, the services and any code that saves a model are refused; a draft is made, edited and published.
"""

import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)

from agencies.models import User  # noqa: E402
from contacts import thresholds  # noqa: E402
from contacts.models import LevelOfNeed, ThresholdCriterion, ThresholdDocument  # noqa: E402
from mash.errors import DomainError  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
admin = User.objects.get(username="admin")
published = ThresholdDocument.objects.get(active=True)
level = published.levels.get(number=4)


def refused(attempt, what):
    try:
        attempt()
    except DomainError as error:
        assert "published" in error.message, error.message
    else:
        raise AssertionError(f"{what}: a published version was changed on SQLite")


level.name = "Changed"
refused(lambda: thresholds.threshold_part_save(actor=admin, obj=level), "service save")
refused(level.save, "model save")
refused(lambda: ThresholdCriterion(level=level, code="4.9", text="x").save(), "new criterion")
refused(lambda: thresholds.threshold_part_delete(actor=admin, obj=level.criteria.first()), "service delete")
refused(lambda: thresholds.threshold_publish(actor=admin, document=published), "publish again")
assert LevelOfNeed.objects.get(pk=level.pk).name == "Acute: child protection"

client = Client(SERVER_NAME="localhost")
client.force_login(admin)
response = client.post(f"/admin/contacts/levelofneed/{level.pk}/change/", {"document": published.pk, "number": 4,
                                                                           "name": "Changed in the admin"})
assert response.status_code == 403, response.status_code
assert LevelOfNeed.objects.get(pk=level.pk).name == "Acute: child protection"

draft = thresholds.threshold_draft_create(actor=admin, from_document=published, version="2")
draft_level = draft.levels.get(number=4)
draft_level.name = "Acute: protection (section 47)"
thresholds.threshold_part_save(actor=admin, obj=draft_level)
thresholds.threshold_publish(actor=admin, document=draft)
assert ThresholdDocument.objects.get(active=True) == draft
assert LevelOfNeed.objects.get(pk=level.pk).name == "Acute: child protection"
print("sqlite thresholds ok")
