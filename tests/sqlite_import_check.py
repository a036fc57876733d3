"""Run by tests/test_import_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

A MASH manager imports police notifications through the page, as on `make run`; the import's lock
(mash.locks.named_lock) has an SQLite path, and two transactions taking the same lock run one after the other.
"""

import os
import sys
import threading
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from tests import verified_sessions  # noqa: E402  (sign-ins give their second factor, as in conftest)

verified_sessions.install()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)

from agencies.models import User  # noqa: E402
from contacts.models import Contact  # noqa: E402
from contacts.tests.test_import import GOOD  # noqa: E402
from mash.locks import named_lock  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
manager = User.objects.get(username="manager")
client = Client(SERVER_NAME="localhost")
client.force_login(manager)


def upload():
    return client.post("/contacts/import/", {"file": SimpleUploadedFile("ppn.csv", GOOD, content_type="text/csv")})


response = upload()
assert response.status_code == 200, (response.status_code, response.content.decode()[:3000])
assert "2 contacts created, 0 skipped" in response.content.decode(), response.content.decode()
assert sorted(Contact.objects.values_list("force_reference", flat=True)) == ["PPN-001", "PPN-002"]
response = upload()
assert response.status_code == 200 and "0 contacts created, 2 skipped" in response.content.decode()
assert Contact.objects.count() == 2

# Two transactions taking one named lock: the second waits until the first commits.
events, errors = [], []
first_holds = threading.Event()


def first():
    try:
        with transaction.atomic():
            named_lock("sqlite-check")
            events.append("first locked")
            first_holds.set()
            time.sleep(1)
            events.append("first commits")
    except Exception as error:  # pragma: no cover - reported below
        errors.append(error)
    finally:
        connection.close()


def second():
    try:
        first_holds.wait(timeout=10)
        with transaction.atomic():
            named_lock("sqlite-check")
            events.append("second locked")
    except Exception as error:  # pragma: no cover - reported below
        errors.append(error)
    finally:
        connection.close()


threads = [threading.Thread(target=first), threading.Thread(target=second)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=30)
assert not errors, errors
assert events == ["first locked", "first commits", "second locked"], events
print("sqlite import ok")
