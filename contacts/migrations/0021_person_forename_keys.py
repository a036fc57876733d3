"""A first name alone is searched for (contacts.search: "Ruby" is a first name or a surname): the first name's sound
keys lead an index each, as the surname's lead theirs. The Metaphone key now hears the "gh" after "u" as silent
(Hughs finds Hughes, contacts.identifiers.name_phonetic): the keys of the people whose names have it are made
again."""

from django.db import migrations, models


def remake_keys(apps, schema_editor):
    from contacts.identifiers import name_phonetic

    Person = apps.get_model("contacts", "Person")
    affected = models.Q(surname_key__contains="ugh") | models.Q(forename_key__contains="ugh")
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
        ("contacts", "0020_rating_revision_withdrawn"),
    ]

    operations = [
        migrations.RunPython(remake_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["forename_sound"], name="person_forename_sound"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["forename_phonetic"], name="person_forename_phonetic"),
        ),
    ]
