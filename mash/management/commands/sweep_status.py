"""When the deadline sweep last ran and how long it took. Exits 1 when it is stale (for monitoring)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mash import deadlines


class Command(BaseCommand):
    help = "Show when the deadline sweep last ran and how long it took; exit 1 if it has not run recently."

    def add_arguments(self, parser):
        parser.add_argument("--run", action="store_true", help="run one sweep pass now, then report")

    def handle(self, *args, run=False, **options):
        if run:
            from mash.tasks import sweep_deadlines

            outcome = sweep_deadlines()
            self.stdout.write(f"Ran one pass: {outcome}")
        health = deadlines.sweep_health()
        last = health["last"]
        if last is None:
            raise CommandError("The deadline sweep has never run: start Celery beat and a worker.")
        self.stdout.write(
            f"Last ran {timezone.localtime(last.started_at):%Y-%m-%d %H:%M:%S} "
            f"({int(health['age'].total_seconds())} s ago), took {last.duration_ms} ms: "
            f"{last.warnings} warnings, {last.breaches} breaches, {last.second_level} escalated further, "
            f"{last.errors} errors. Runs every {health['interval_seconds']:g} s."
        )
        if health["stale"]:
            raise CommandError(
                f"STALE: no pass for more than {int(health['stale_after'].total_seconds())} s. "
                "Check that Celery beat and a worker are running."
            )
        self.stdout.write(self.style.SUCCESS("OK"))
