"""Seed the starter threshold document (contacts.defaults) so a new MASH can rate contacts on day one."""

from django.db import migrations

from contacts.defaults import threshold_document_ensure_default


def seed(apps, schema_editor):
    threshold_document_ensure_default(
        apps.get_model("contacts", "ThresholdDocument"),
        apps.get_model("contacts", "LevelOfNeed"),
        apps.get_model("contacts", "ThresholdCriterion"),
    )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_screening_rating_outcome")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
