"""What contacts' pages are drawn from, for their refreshes (mash.polling): any change to a contact, the people on
it, its screening, ratings or outcome raises the "contacts" scope's version after the commit.

Writes that bypass save() (QuerySet.update, bulk_create, raw SQL) raise it themselves with stamp_bump(STAMP).
"""

from django.db.models.signals import post_delete, post_save

from mash.polling import stamp_bump

STAMP = "contacts"


def _changed(sender, **kwargs) -> None:
    stamp_bump(STAMP)


def connect() -> None:
    from .models import Contact, ContactSubject, Outcome, Person, Rating, Screening

    for model in (Contact, ContactSubject, Outcome, Person, Rating, Screening):
        post_save.connect(_changed, sender=model, dispatch_uid=f"contacts.stamps.save.{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"contacts.stamps.delete.{model.__name__}")
