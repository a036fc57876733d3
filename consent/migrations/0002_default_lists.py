"""Seed the starter lists (consent.defaults): lawful bases, reasons for sharing without consent, and which agency
kinds count as health. Councils edit them in the admin, with history."""

from django.db import migrations

from consent.defaults import health_kinds_ensure_default, lawful_bases_ensure_default, sharing_reasons_ensure_default


def seed(apps, schema_editor):
    lawful_bases_ensure_default(apps.get_model("consent", "LawfulBasis"))
    sharing_reasons_ensure_default(apps.get_model("consent", "SharingReason"))
    health_kinds_ensure_default(apps.get_model("consent", "HealthKind"))


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_consent_sharing_disclosures")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
