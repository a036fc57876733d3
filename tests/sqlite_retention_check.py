"""Run by tests/test_retention_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

Retention on SQLite: the default rules are seeded; a family on a contact taken through every service (the same
builder as the PostgreSQL test) is listed by the beat job once past its rule, a legal hold stops its destruction,
and once the hold is lifted one manager approves and another confirms. Afterwards no text, character or JSON column
of any table holds their names, dates of birth, NHS number, address or the reference (but the destruction log's
one row, which holds the reference), and the audit keeps its rows, cleared (on SQLite there is no append-only
trigger to pass: the same code path runs).
"""

import os
import sys
from datetime import UTC, datetime

import django
import time_machine

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from tests import verified_sessions  # noqa: E402  (sign-ins give their second factor, as in conftest)

verified_sessions.install()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", verbosity=0)

from conftest import Personas  # noqa: E402
from mash.errors import DomainError  # noqa: E402
from mash.models import AuditEvent  # noqa: E402
from retention import services  # noqa: E402
from retention.models import DestructionLog, DestructionReview, RetentionRule  # noqa: E402
from retention.tests.helpers import family_with_everything, manager2, where_found  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
assert RetentionRule.objects.filter(outcome="strategy_s47", years=35).exists()  # the seeded defaults
personas = Personas()
family = family_with_everything(personas, Client(SERVER_NAME="localhost"))
words = family.words()
assert len(where_found(words[0])) > 3  # the reference is everywhere before

with time_machine.travel(datetime(2040, 1, 2, 12, tzinfo=UTC), tick=False):  # the child is 21 by then
    assert services.reviews_list_due() == 1
    review = DestructionReview.objects.get(contact=family.contact)
    services.review_approve(actor=personas.manager, review=review)
    hold = services.hold_place(actor=personas.manager, person=family.mother, reason="A claim.")
    second = manager2(personas)
    try:
        services.destruction_confirm(actor=second, review=review)
        raise AssertionError("a held record was destroyed")
    except DomainError as error:
        assert "legal hold" in error.message
    assert not DestructionLog.objects.exists() and where_found(words[0])
    services.hold_lift(actor=personas.manager, hold=hold, reason="Settled.")
    log = services.destruction_confirm(actor=second, review=review)

leftovers = {word: where_found(word, skip={"retention_destructionlog"}) for word in words}
assert not any(leftovers.values()), {w: h for w, h in leftovers.items() if h}
assert where_found(words[0]) == ["retention_destructionlog.reference"]
assert DestructionLog.objects.count() == 1 and log.reference == words[0]
assert AuditEvent.objects.filter(target_label="[destroyed]").count() > 10
assert AuditEvent.objects.filter(action="retention.destroyed", actor=second).count() == 1
print("sqlite retention ok")
