"""Run by tests/test_search_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

Finding a child on SQLite: a name alone (a first name or a surname), a name with a date of birth, "Surname, First
name", Hughs for Hughes (migration 0021's keys), each read through an index (EXPLAIN QUERY
PLAN: no scan of the people table).
"""

import os
import sys
from datetime import date

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)

from agencies.models import User  # noqa: E402
from contacts import search  # noqa: E402
from contacts.models import Person  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
screener = User.objects.get(username="screener")


def person(first, last, born):
    return Person.objects.create(first_name=first, last_name=last, date_of_birth=born)


def found(text):
    return [(r.person, r.exact) for r in search.people_search(user=screener, text=text).results]


ruby = person("Ruby", "Wright", date(2017, 5, 2))
zara = person("Zara", "Khan", date(2016, 1, 20))
hughes = person("Ava", "Hughes", date(2015, 3, 7))
tom_ruby = person("Tom", "Ruby", date(2014, 1, 1))

assert found("Ruby") == [(tom_ruby, True), (ruby, True)], found("Ruby")
assert found("Ruby 2/5/2017") == [(ruby, True)]
assert found("Khan, Zara") == [(zara, True)]
assert found("Zara Khan") == [(zara, True)]
assert found("Hughs") == [(hughes, False)]

for text in ("Ruby", "Ruby 2/5/2017", "Khan, Zara", "Zara Khan", "Hughs", "Ava Hughes", "A Hughes"):
    with CaptureQueriesContext(connection) as queries:
        search.people_search(user=screener, text=text)
    sql = next(q["sql"] for q in queries.captured_queries if 'FROM "contacts_person"' in q["sql"]
               and "ORDER BY" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = [row[-1] for row in cursor.fetchall()]
    assert not any(step.startswith("SCAN contacts_person") for step in plan), (text, plan)

print("sqlite search ok")
