"""Run by tests/test_consent_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

The consent demo seeds on SQLite; a manager sees each demo family's consent panel; a screener records consent and
its withdrawal through the pages (the position changes and the flag is raised); a manager produces the subject
access export in both formats.
"""

import json
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
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)  # users and agencies only
call_command("seed_consent_demo", verbosity=0)

from agencies.models import Agency, User  # noqa: E402
from consent.models import BasisFlag, ConsentRecord  # noqa: E402
from contacts.models import Contact  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
manager, screener = Client(SERVER_NAME="localhost"), Client(SERVER_NAME="localhost")
manager.force_login(User.objects.get(username="manager"))
screener.force_login(User.objects.get(username="screener"))
police = Agency.objects.get(kind="police")

states = {}
for contact in Contact.objects.order_by("id"):
    response = manager.get(contact.get_absolute_url())
    assert response.status_code == 200, (contact.reference, response.status_code)
    html = response.content.decode()
    assert 'data-testid="consent-panel"' in html
    states[contact.subjects.order_by("position").first().person.last_name] = html
assert f'data-testid="position-{police.pk}" data-status="permitted"' in states["Clarke"]
assert f'data-testid="position-{police.pk}" data-status="permitted"' in states["Hughes"]  # the manager's decision
assert f'data-testid="position-{police.pk}" data-status="blocked"' in states["Patel"]
assert 'data-testid="basis-flag"' in states["Patel"]

# A screener records consent and then its withdrawal, through the pages (dates typed in GOV.UK date boxes).
from contacts.tests.factories import date_boxes  # noqa: E402

contact = Contact.objects.filter(subjects__person__last_name="Clarke").distinct().get()
parent = contact.subjects.get(role="parent_carer").person
children = [str(s.person_id) for s in contact.subjects.exclude(role="parent_carer")]
now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
response = screener.post(f"/consent/contact/{contact.reference}/record/", {
    "state": "given", "given_by": parent.pk, "capacity": "parent", "children": children,
    "agency_kinds": ["police"], "info_kinds": ["involvement"], "purpose": "Police checks.", "method": "phone",
    "explained": ["who", "what_for", "how_long", "may_refuse"], "understood": "yes", "obtained_by": "Sam",
    **date_boxes("obtained_at", now)})
assert response.status_code == 302, response.content.decode()[:2000]
for record in ConsentRecord.objects.filter(contact=contact, state="given"):
    response = screener.post(f"/consent/records/{record.pk}/withdraw/",
                             {**date_boxes("withdrawn_at", now), "method": "phone"})
    assert response.status_code == 302, response.content.decode()[:2000]
assert BasisFlag.objects.filter(contact=contact).exists()
html = manager.get(contact.get_absolute_url()).content.decode()
assert f'data-testid="position-{police.pk}" data-status="blocked"' in html

# The subject access export, both formats.
child = contact.subjects.get(role="subject_child").person
assert manager.get(f"/consent/people/{child.pk}/export/").status_code == 200
data = json.loads(manager.get(f"/consent/people/{child.pk}/export.json").content)
assert data["person"]["name"] == str(child) and len(data["consent_records"]) == 2
print("sqlite consent ok")
