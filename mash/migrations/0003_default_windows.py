"""The default response windows and the escalation groups (admins change windows in the admin).

contact decision (any rating): target 6 working hours, limit 1 working day from receipt
BRAG response, from approval until the outcome:
    red    target 3 clock hours, limit 4 clock hours, second level after 30 minutes
    amber  target 24 clock hours, limit 36 clock hours
    green  target 8 working days, limit 10 working days
    blue   target 8 working days, limit 10 working days
information request (any rating): target 2 working days, limit 3 working days
Second level after 60 minutes unless said otherwise. Working hours 09:00-17:00.
"""

from decimal import Decimal

from django.db import migrations

WINDOWS = [
    ("contact_decision", "", Decimal(6), "working_hours", Decimal(1), "working_days", 60),
    ("brag_response", "red", Decimal(3), "", Decimal(4), "clock_hours", 30),
    ("brag_response", "amber", Decimal(24), "", Decimal(36), "clock_hours", 60),
    ("brag_response", "green", Decimal(8), "", Decimal(10), "working_days", 60),
    ("brag_response", "blue", Decimal(8), "", Decimal(10), "working_days", 60),
    ("information_request", "", Decimal(2), "", Decimal(3), "working_days", 60),
]
GROUPS = ["duty_manager", "service_manager"]


def seed(apps, schema_editor):
    ResponseWindow = apps.get_model("mash", "ResponseWindow")
    Group = apps.get_model("auth", "Group")
    for stage, rating, target, target_unit, limit, unit, second_level in WINDOWS:
        if not ResponseWindow.objects.filter(stage=stage, rating=rating, active=True).exists():
            ResponseWindow.objects.create(
                stage=stage, rating=rating, target=target, target_unit=target_unit, limit=limit, unit=unit,
                second_level_minutes=second_level,
            )
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("mash", "0002_deadlines"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
