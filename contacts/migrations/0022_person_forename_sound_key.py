"""A first name alone is found exactly before sounding alike (contacts.search): the first name's Soundex index
carries the exact key too, so that the exact first name is read from it without the whole sound group."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0021_person_forename_keys"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_forename_sound"),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["forename_sound", "forename_key"], name="person_forename_sound_key"),
        ),
    ]
