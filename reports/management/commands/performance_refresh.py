"""Bring the performance dashboard's summaries up to date (what beat does every PERFORMANCE_REFRESH_SECONDS), or,
with --all, rebuild every day (after a bulk load that wrote no audit rows, or a change of the closure days).

    manage.py performance_refresh [--all]
"""

import time

from django.core.management.base import BaseCommand

from reports import summaries


class Command(BaseCommand):
    help = "Bring the performance dashboard's summaries up to date (--all: rebuild every day)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="everything", help="rebuild every day")

    def handle(self, *args, everything: bool = False, **options):
        started = time.monotonic()
        if everything:
            rows = summaries.refresh_all()
            self.stdout.write(f"Rebuilt the performance figures: {rows:,} rows in "
                              f"{time.monotonic() - started:.1f} s")
        else:
            days = summaries.refresh()
            self.stdout.write(f"Refreshed the performance figures: {days:,} days recomputed in "
                              f"{time.monotonic() - started:.1f} s")
