"""seed_bench writes the people COPY-fast, so it computes the match keys itself: they must be what
contacts.identifiers.person_keys (and so Person.save) would store."""

import pytest
from django.core.management import call_command

from contacts import identifiers
from contacts.models import Contact, Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_seeded_people_carry_the_same_keys_as_person_save(settings):
    settings.BENCH_MODE = True
    call_command("seed_bench", contacts=40, reset=True)
    assert Contact.objects.count() == 40
    names = list(identifiers.person_keys(first_name="", last_name="", date_of_birth=None))
    for person in Person.objects.all():
        stored = {name: getattr(person, name) for name in names}
        assert stored == identifiers.person_keys(first_name=person.first_name, last_name=person.last_name,
                                                 date_of_birth=person.date_of_birth), person.pk
