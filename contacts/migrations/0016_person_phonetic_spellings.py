"""The Metaphone key now hears "th" before "om"/"am" as "t" and drops the "p" of "mps"/"mpt" (Tomson finds Thompson,
contacts.identifiers.name_phonetic): the keys of the people whose names have either are made again."""

from django.db import migrations
from django.db.models import Q

SPELLINGS = ("thom", "tham", "mps", "mpt")


def remake_keys(apps, schema_editor):
    from contacts.identifiers import name_phonetic

    Person = apps.get_model("contacts", "Person")
    affected = Q()
    for part in ("surname_key", "forename_key"):
        for spelling in SPELLINGS:
            affected |= Q(**{f"{part}__contains": spelling})
    batch = []
    for person in Person.objects.filter(affected).only("id", "first_name", "last_name").iterator(chunk_size=2000):
        person.surname_phonetic = name_phonetic(person.last_name)
        person.forename_phonetic = name_phonetic(person.first_name)
        batch.append(person)
        if len(batch) == 2000:
            Person.objects.bulk_update(batch, ["surname_phonetic", "forename_phonetic"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["surname_phonetic", "forename_phonetic"])


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0015_clock_breach_pending"),
    ]

    operations = [
        migrations.RunPython(remake_keys, migrations.RunPython.noop),
    ]
