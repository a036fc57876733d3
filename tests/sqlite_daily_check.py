"""Run by tests/test_daily_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

The daily work on SQLite: finding a child (phonetic and date-swap keys, the migration's backfill), taking a
contact and screening it, the approvals queue's order (FilteredRelation, Least/Coalesce), the approval clock swept,
and a refresh that finds nothing new (the versions' upsert) answered 204.
"""

import os
import sys
from datetime import date, timedelta

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
call_command("seed_demo", contacts=0, verbosity=0)

from agencies.models import User  # noqa: E402
from contacts import search, services  # noqa: E402
from contacts.models import LevelOfNeed, Person, ThresholdCriterion  # noqa: E402
from contacts.services import SubjectInput, contact_create  # noqa: E402
from mash import deadlines  # noqa: E402
from mash.models import Escalation  # noqa: E402
from mash.polling import stamp_versions  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
screener, manager = User.objects.get(username="screener"), User.objects.get(username="manager")


def contact(first, last, born, **extra):
    return contact_create(actor=screener, received_at=timezone.now() - timedelta(hours=1), channel="phone",
                          referrer_name="Jo", referral_source="2A", concern="A concern.", consent_answer="given",
                          children=[SubjectInput(first_name=first, last_name=last, date_of_birth=born)], **extra)


green = contact("Ava", "Smith", date(2019, 4, 2))
red = contact("Leo", "Jones", date(2018, 5, 6))
urgent = contact("Mia", "Brown", date(2017, 1, 9), immediate_risk=True)

# Find a child: a name that sounds alike, a date with day and month swapped.
found = search.people_search(user=screener, text="Smyth 4/2/2019")
assert [(r.person.last_name, r.exact) for r in found.results] == [("Smith", False)], found.results
assert Person.objects.filter(surname_sound="S530", birth_key=date(2019, 2, 4)).count() == 1

# Take, screen, propose: the approvals queue puts immediate risk, then Red, first.
for one, brag in ((green, "green"), (red, "red"), (urgent, "blue")):
    # The level whose usual rating it is, so the rating needs no reason for differing from the suggestion.
    level = LevelOfNeed.objects.get(document__active=True, number={"red": 4, "green": 2, "blue": 1}[brag])
    services.contact_assign(actor=screener, contact=one, screener=screener)
    services.screening_submit(actor=screener, contact=one, worries="w", working_well="w", needs_to_happen="n",
                              history_checked=True, level=level, criteria=list(ThresholdCriterion.objects.filter(
                                  level=level)[:1]), proposed_brag=brag, rationale="r", recommendation="route")
client = Client(SERVER_NAME="localhost")
client.force_login(manager)
page = client.get("/contacts/manage/")
html = page.content.decode()
order = [html.index(c.reference) for c in (urgent, red, green)]
assert order == sorted(order), order

# The versions rose with the commits; an unchanged refresh is 204.
assert stamp_versions(["contacts"])["contacts"] > 0
poll = client.get("/contacts/manage/", headers={"HX-Request": "true", "MASH-Poll": "background",
                                                 "If-None-Match": page["ETag"]})
assert poll.status_code == 204, poll.status_code

# The contact page, kept drawn: its people's versions read with the access check in one statement (string keys made
# in SQL as contacts.stamps makes them); a change to the child shows at once.
from contacts.selectors import contact_page_scopes  # noqa: E402
from contacts.stamps import match_scopes, person_scope  # noqa: E402

child = green.subjects.get().person
child.nhs_number = "9434765919"
child.save()
_, people = contact_page_scopes(manager, green.reference)
keys = [person_scope(child.pk), *match_scopes(child.birth_key, child.nhs_number)]
assert sorted(people) == sorted(keys) and people == stamp_versions(keys) and 0 not in people.values(), people
assert "Ava Smith" in client.get(green.get_absolute_url()).content.decode()
child.first_name = "Avery"
child.save()
assert "Avery Smith" in client.get(green.get_absolute_url()).content.decode()

# The Red proposal's approval clock is swept.
assert deadlines.sweep(now=timezone.now() + timedelta(minutes=31)).breaches >= 1
assert Escalation.objects.filter(stage="rating_approval", rating="red", kind="breach").exists()
print("sqlite daily work ok")
