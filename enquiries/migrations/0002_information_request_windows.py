"""The response windows of information requests per rating (issue 10): Red 3 clock hours (warn at 2), Amber 24
clock hours (warn at 18), Green and Blue 5 working days (warn at 4). The any-rating window (mash 0003) stays for a
contact with no rating. Admins change them in the admin (a new version each time)."""

from decimal import Decimal

from django.db import migrations

WINDOWS = [
    ("red", Decimal(2), Decimal(3), "clock_hours", 30),
    ("amber", Decimal(18), Decimal(24), "clock_hours", 60),
    ("green", Decimal(4), Decimal(5), "working_days", 60),
    ("blue", Decimal(4), Decimal(5), "working_days", 60),
]


def seed(apps, schema_editor):
    ResponseWindow = apps.get_model("mash", "ResponseWindow")
    for rating, target, limit, unit, second_level in WINDOWS:
        if not ResponseWindow.objects.filter(stage="information_request", rating=rating, active=True).exists():
            ResponseWindow.objects.create(stage="information_request", rating=rating, target=target, limit=limit,
                                          unit=unit, second_level_minutes=second_level)


class Migration(migrations.Migration):
    dependencies = [
        ("enquiries", "0001_enquiries_requests_returns"),
        ("mash", "0008_stamp"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
