"""Run by tests/test_security_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

The second factor on SQLite, through the pages, as a person meets it (verified_sessions is not installed here): a
demo user's password alone reaches nothing; the README's authenticator key gives a code that signs them in; a new
user sets up an app and gets recovery codes, each of which works once.
"""

import os
import re
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from base64 import b32decode  # noqa: E402

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)

from agencies.models import User  # noqa: E402
from contacts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_KEYS  # noqa: E402

client = Client()
assert client.post("/sign-in/", {"username": "manager", "password": DEMO_PASSWORD}).status_code == 302
for path in ("/", "/contacts/", "/admin/", "/two-factor/people/"):
    assert client.get(path)["Location"].startswith("/two-factor/"), path
code = f"{totp(b32decode(DEMO_TOTP_KEYS['manager'])):06d}"
assert client.post("/two-factor/", {"code": code})["Location"] == "/"
assert client.get("/contacts/").status_code == 200

# A new user: enrolment, then a recovery code, once.
new = User.objects.create_user(username="newbie", password=DEMO_PASSWORD, agency=User.objects.get(
    username="screener").agency)
new.groups.add(Group.objects.get(name="screener"))
first = Client()
first.post("/sign-in/", {"username": "newbie", "password": DEMO_PASSWORD})
assert first.get("/contacts/")["Location"] == "/two-factor/set-up/"
assert "data:image/svg+xml;base64," in first.get("/two-factor/set-up/").content.decode()
device = TOTPDevice.objects.get(user=new, confirmed=False)
assert first.post("/two-factor/set-up/", {"code": f"{totp(device.bin_key):06d}"})["Location"] == (
    "/two-factor/recovery-codes/")
codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", first.get("/two-factor/recovery-codes/").content.decode())
assert len(codes) == 10
again = Client()
again.post("/sign-in/", {"username": "newbie", "password": DEMO_PASSWORD})
assert again.post("/two-factor/", {"code": codes[0]}).status_code == 302
assert again.get("/contacts/").status_code == 200
replay = Client()
replay.post("/sign-in/", {"username": "newbie", "password": DEMO_PASSWORD})
assert replay.post("/two-factor/", {"code": codes[0]}).status_code == 400

# Restricted contacts (django-guardian's grant table) and who has looked, on SQLite.
from contacts import selectors, services  # noqa: E402
from mash.audit import audit_record  # noqa: E402
from mash.models import AuditAction, AuditEvent  # noqa: E402

manager_user, screener, screener2 = (User.objects.get(username=u) for u in ("manager", "screener", "screener2"))
from contacts.tests.factories import make_contact  # noqa: E402

contact = make_contact(screener)
services.contact_restrict(actor=manager_user, contact=contact, reason="Staff member's family.", users=[screener])
assert contact in selectors.contacts_visible_to(screener)
assert contact not in selectors.contacts_visible_to(screener2)
person = contact.subjects.first().person
assert client.get(f"/contacts/people/{person.pk}/looked-at/").status_code == 200
# A restricted person: hidden with every contact naming them; a match says only that a restricted record may match.
from contacts import matching  # noqa: E402

other = make_contact(screener)
child = other.subjects.first().person
services.person_restrict(actor=manager_user, person=child, reason="Staff member's child.", users=[screener])
assert other not in selectors.contacts_visible_to(screener2) and other in selectors.contacts_visible_to(screener)
assert child not in selectors.people_visible_to(screener2)
found = matching.find_candidates(user=screener2, first_name=child.first_name, last_name=child.last_name,
                                 date_of_birth=child.date_of_birth)
assert found.restricted and child not in [candidate.person for candidate in found]
# The audit search, on SQLite.
assert client.get("/audit/").status_code == 403  # a manager
from mash.audit_search import audit_search  # noqa: E402

assert audit_search(actor=User.objects.get(username="admin"), kind="contact.restricted").rows
# The audit log's append-only trigger is PostgreSQL's: on SQLite the app's own path still writes.
assert audit_record(actor=manager_user, action=AuditAction.WINDOW_CHANGED).pk
assert AuditEvent.objects.filter(action="contact.restricted").exists()
print("sqlite security ok")
