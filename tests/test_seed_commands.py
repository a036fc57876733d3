"""The seeding commands people run by hand (`make run` seeds the demo, `make bench` the benchmarks) still work: a
command nothing ran could break unseen (seed_bench once failed to import after a refactor)."""

import pytest
from django.core.management import call_command

from contacts.models import Contact, ContactSubject, Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_bench_builds_a_small_data_set(personas):
    call_command("seed_bench", contacts=300, reset=True, seed=3)
    assert Contact.objects.count() == 300
    assert ContactSubject.objects.count() >= 300 and Person.objects.exists()
    # Open contacts have running clocks on windows that exist; closed ones are stopped.
    running = Contact.objects.filter(met_at__isnull=True)
    assert running.exists() and not running.filter(clock_window__isnull=True).exists()
    # Match keys were computed as Person.save() would have.
    person = Person.objects.order_by("pk").first()
    surname_key = person.surname_key
    person.save()
    assert Person.objects.get(pk=person.pk).surname_key == surname_key
