"""Run by tests/test_decisions_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

SQLite has no triggers from django-pgtrigger (it installs them on PostgreSQL only), so there the rule that a
published threshold document never changes rests on contacts.thresholds and the models' save() and delete():
the admin, the services and any code that saves a model are refused; a draft is made, edited and published.
Then issue 11's other pages on SQLite: a contact recorded with GOV.UK date inputs, a draft saved and restored,
the outcome's preview, and a child's chronology.
"""

import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from tests import verified_sessions  # noqa: E402  (sign-ins give their second factor, as in conftest)

verified_sessions.install()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)

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

# --- the decision pages on SQLite -------------------------------------------------------------------------------
from contacts.models import Contact, FormDraft, Outcome, Person  # noqa: E402
from contacts.tests.factories import contact_post  # noqa: E402

screener = Client(SERVER_NAME="localhost")
screener.force_login(User.objects.get(username="screener"))
before = Contact.objects.count()
response = screener.post("/contacts/new/", {**contact_post(), "children-0-date_of_birth-month": ""})
assert response.status_code == 400 and "Date of birth must include a month" in response.content.decode()
assert Contact.objects.count() == before
response = screener.post("/contacts/drafts/contact/save/", contact_post(concern="Saved on SQLite."))
assert response.status_code == 302, response.status_code
assert "Saved on SQLite." in screener.get("/contacts/new/").content.decode()
response = screener.post("/contacts/new/", contact_post(concern="Recorded on SQLite."))
assert response.status_code == 302, response.content.decode()[:3000]
assert not FormDraft.objects.exists()

manager = Client(SERVER_NAME="localhost")
manager.force_login(User.objects.get(username="manager"))
waiting = Contact.objects.filter(state="awaiting_outcome").first()
team = {"kind": "nfa", "rationale": "Advice given.", "summary": "No further action.", "receiving_team": ""}
preview = manager.post(f"/contacts/{waiting.reference}/outcome/", team)
assert preview.status_code == 200 and "What the referrer will be sent" in preview.content.decode()
assert not Outcome.objects.filter(contact=waiting).exists()
assert manager.post(f"/contacts/{waiting.reference}/outcome/", {**team, "confirm": "1"}).status_code == 302
assert Outcome.objects.filter(contact=waiting).exists()

ava = Person.objects.filter(first_name="Ava", last_name="Brown", subject_of__contact__repeat_flag=True).first()
page = manager.get(f"/contacts/people/{ava.pk}/chronology/").content.decode()
assert "Chronology of Ava Brown" in page and "Alleged source of harm" in page, page[:2000]
assert page.count('data-testid="event"') >= 8, page.count('data-testid="event"')
print("sqlite decisions ok")
