"""Seed the default retention rules (retention.defaults, from DOMAIN.md section 9). Admins change them in the admin,
with history."""

from django.db import migrations

from retention.defaults import retention_rules_ensure_default


def seed(apps, schema_editor):
    retention_rules_ensure_default(apps.get_model("retention", "RetentionRule"))


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_retention_rules_holds_reviews_log")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
