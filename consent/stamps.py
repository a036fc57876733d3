"""What a contact's consent panel is drawn from, for keeping it drawn (mash.polling.part): any change to the contact's
consent records, their flags, its sharing decisions or its referrer's anonymity raises the "consent:<reference>"
scope's version after the commit. Writes that bypass save() (QuerySet.update, bulk_create, raw SQL) must raise it
themselves with stamp_bump(consent_scope(reference))."""

from django.db.models.signals import post_delete, post_save

from mash.polling import stamp_bump


def consent_scope(reference: str) -> str:
    return f"consent:{reference}"


def _changed(sender, instance, **kwargs) -> None:
    from contacts.models import Contact

    try:
        reference = instance.contact.reference  # nearly always on the row already (the services pass the contact)
    except Contact.DoesNotExist:  # being destroyed with its contact (retention): nothing left to draw
        return
    stamp_bump(consent_scope(reference))


def connect() -> None:
    from .models import BasisFlag, ConsentRecord, ReferrerAnonymity, SharingDecision

    for model in (BasisFlag, ConsentRecord, ReferrerAnonymity, SharingDecision):
        post_save.connect(_changed, sender=model, dispatch_uid=f"consent.stamps.save.{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"consent.stamps.delete.{model.__name__}")
