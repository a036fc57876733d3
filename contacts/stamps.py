"""What contacts' pages are drawn from, for their refreshes and the parts kept drawn (mash.polling), raised after
the commit of any change:

- "contacts": any change to a contact, the people on it, its screening, ratings or outcome (the queues, the board).
- "contact:<reference>": one contact's page: the contact, its people, screening, ratings, outcome and timeline (an
  audited step about it), and what other apps show on it and say changed (`contact_changed`: its enquiries, legal
  holds, referrals).
- "person:<id>": one person, and every contact naming them (a contact page's "history at a glance" of its
  children, their legal holds).
- "born:<month-day>" and "nhs:<7th to 9th digits>" of a person's match keys: everyone who could be a match for
  someone with that key (a person is only ever a match by the same NHS number or the same birth key:
  contacts.matching), raised for a person's keys before and after a change.

Writes that bypass save() (QuerySet.update, bulk_create, raw SQL) raise them themselves: stamp_bump(STAMP), and
`contact_changed(contact_id)` for the contact.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_init, post_save

from mash.polling import stamp_bump

STAMP = "contacts"


def contact_scope(reference: str) -> str:
    return f"contact:{reference}"


def person_scope(person_id: int) -> str:
    return f"person:{person_id}"


def match_scopes(birth_key, nhs_number: str) -> list[str]:
    """The scopes of everyone who could be a match for a person with these keys. No NHS number is written into a
    scope's name: only its 7th to 9th digits (a thousand buckets, about a thousand people each at a council's scale:
    nothing about anyone), as SQL can make it too (contacts.selectors.contact_page_scopes reads the versions with
    the contact)."""
    # The birth key's month and day only (no one's date of birth: 366 buckets), from a date or SQLite's ISO text.
    scopes = [f"born:{str(birth_key)[5:10]}"] if birth_key else []
    if nhs_number:
        scopes.append(f"nhs:{nhs_number[6:9]}")
    return scopes


def contact_changed(contact_id: int | None = None, *, person_id: int | None = None) -> None:
    """After the commit, raise the contact's page ("contact:<reference>") and the people named on it ("person:<id>":
    the history at a glance on every page naming them); for a person changed, the same for every contact naming
    them. Resolved once a transaction, in two small queries, for everything changed in it."""
    if contact_id is None and person_id is None:
        return
    pending = getattr(connection, "_mash_contacts_pending", None)
    if not (connection.in_atomic_block and pending is not None and any(
            func is pending[2] for _, func, _ in connection.run_on_commit)):
        pending = (set(), set(), _resolve_later())
        connection._mash_contacts_pending = pending
        transaction.on_commit(pending[2], robust=True)
    if contact_id is not None:
        pending[0].add(contact_id)
    if person_id is not None:
        pending[1].add(person_id)


def _resolve_later():
    def bump() -> None:
        from mash.polling import _bump_now

        from .models import Contact, ContactSubject

        contacts, people, _ = connection._mash_contacts_pending
        connection._mash_contacts_pending = None
        if people:
            contacts |= set(ContactSubject.objects.filter(person_id__in=people).values_list("contact_id", flat=True))
        rows = Contact.objects.filter(pk__in=contacts).order_by().values_list("reference", "subjects__person_id")
        scopes = {person_scope(p) for p in people}
        for reference, person in rows:
            scopes |= {contact_scope(reference), *([person_scope(person)] if person is not None else [])}
        if scopes:
            _bump_now(tuple(sorted(scopes)))

    return bump


def _changed(sender, **kwargs) -> None:
    stamp_bump(STAMP)


def _contact_saved(sender, instance, **kwargs) -> None:
    stamp_bump(STAMP, contact_scope(instance.reference))
    contact_changed(instance.pk)


def _part_saved(sender, instance, **kwargs) -> None:
    """A screening, rating, outcome or subject: its contact's page, and the people named on it."""
    stamp_bump(STAMP)
    contact_changed(instance.contact_id)


def _person_loaded(sender, instance, **kwargs) -> None:
    # The match keys it was read with (never a query: a deferred key is not in __dict__), raised too if it changes.
    instance._mash_match_keys = (instance.__dict__.get("birth_key"), instance.__dict__.get("nhs_number") or "")


def _person_saved(sender, instance, **kwargs) -> None:
    before = getattr(instance, "_mash_match_keys", (None, ""))
    stamp_bump(STAMP, *match_scopes(*before), *match_scopes(instance.birth_key, instance.nhs_number))
    contact_changed(person_id=instance.pk)  # their own scope, and the pages of the contacts naming them
    instance._mash_match_keys = (instance.birth_key, instance.nhs_number)


def _timeline(sender, instance, created, **kwargs) -> None:
    """An audited step about a contact is on its page's timeline (views and drafts are not: contacts.views)."""
    from django.contrib.contenttypes.models import ContentType

    from .actions import NOT_IN_TIMELINE
    from .models import Contact

    if created and instance.target_type_id is not None and instance.action not in NOT_IN_TIMELINE and (
            instance.target_type_id == ContentType.objects.get_for_model(Contact).pk):
        stamp_bump(contact_scope(instance.target_label))


def connect() -> None:
    from mash.models import AuditEvent

    from .models import Contact, ContactSubject, Outcome, Person, Rating, Screening

    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        signal.connect(_contact_saved, sender=Contact, dispatch_uid=f"contacts.stamps.{name}.Contact")
        signal.connect(_person_saved, sender=Person, dispatch_uid=f"contacts.stamps.{name}.Person")
        for model in (ContactSubject, Outcome, Rating, Screening):
            signal.connect(_part_saved, sender=model, dispatch_uid=f"contacts.stamps.{name}.{model.__name__}")
    post_init.connect(_person_loaded, sender=Person, dispatch_uid="contacts.stamps.init.Person")
    post_save.connect(_timeline, sender=AuditEvent, dispatch_uid="contacts.stamps.timeline")


def follow(model, contact_id_of) -> None:
    """Another app's records shown on a contact's page (its enquiries, legal holds, referrals): any save or delete of
    one raises that contact's page after the commit (`contact_id_of(instance)`: the contact it is about, or None)."""

    def changed(sender, instance, **kwargs) -> None:
        contact_changed(contact_id_of(instance))

    label = model._meta.label
    post_save.connect(changed, sender=model, dispatch_uid=f"contacts.stamps.follow.save.{label}", weak=False)
    post_delete.connect(changed, sender=model, dispatch_uid=f"contacts.stamps.follow.delete.{label}", weak=False)


def on_the_contact(reference: str) -> tuple[str, ...]:
    """A panel's scopes (mash.site.add_panel) when it is drawn from records its app `follow`s: the contact's own."""
    return ()
