"""Import a CSV file of police notifications: all of it, or none of it (format: contacts/importing.py).

    python manage.py import_notifications notifications.csv --user manager

Prints every problem with its row number and exits non-zero if the file has any; otherwise prints progress
and "N contacts created, M skipped as already imported".
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contacts import importing
from mash.errors import DomainError


class Command(BaseCommand):
    help = "Import police notifications from a CSV file (all rows or none). Format: contacts/importing.py."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file")
        parser.add_argument("--user", required=True, help="username of the MASH manager importing the file")
        parser.add_argument("--progress-every", type=int, default=100, help="print progress every N notifications")

    def handle(self, *args, path, user, progress_every, **options):
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}")
        if not actor.has_perm("contacts.decide_rating"):
            raise CommandError(f"{user} is not a MASH manager: only managers may import notifications")
        try:
            with open(path, "rb") as file_obj:
                notifications, errors = importing.parse_notifications(file_obj)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        if errors:
            for error in errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path} has {len(errors)} problem(s): nothing was imported")
        self.stdout.write(f"{len(notifications)} notification(s) in {path}")
        every = max(progress_every, 1)

        def progress(done: int, total: int) -> None:
            if done % every == 0 or done == total:
                self.stdout.write(f"Processed {done} of {total} ({done * 100 // total}%)")

        try:
            result = importing.notifications_import(actor=actor, notifications=notifications, progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(
            f"{result.created} contacts created, {result.skipped} skipped as already imported"))
