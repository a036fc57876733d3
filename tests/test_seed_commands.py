"""The seeding commands people run by hand (`make run` seeds the demo, `make bench` the benchmarks) still work: a
command nothing ran could break unseen (seed_bench once failed to import after a refactor)."""

import pytest
from django.core.management import call_command

from contacts.models import Contact, ContactSubject, Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_bench_builds_a_small_data_set(personas, settings):
    settings.BENCH_MODE = True
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


@pytest.mark.parametrize(("debug", "bench_mode", "name", "allowed"), [
    (False, False, "test_mash", False),  # no flag
    (False, True, "mash", False),  # a flag, but a database whose name does not say bench
    (True, False, "mash_live", False),
    (False, True, "mash_bench_pages", True),
    (True, False, "mash_bench", True),
])
def test_seed_bench_refuses_unless_a_flag_and_a_bench_database(settings, monkeypatch, debug, bench_mode, name,
                                                               allowed):
    from django.core.management.base import CommandError
    from django.db import connection

    from contacts.management.commands.seed_bench import refuse_unless_bench_database

    settings.DEBUG, settings.BENCH_MODE = debug, bench_mode
    monkeypatch.setitem(connection.settings_dict, "NAME", name)
    if allowed:
        refuse_unless_bench_database()
    else:
        with pytest.raises(CommandError):
            refuse_unless_bench_database()
    monkeypatch.undo()
    assert Contact.objects.count() == 0  # nothing was touched
