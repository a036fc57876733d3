"""Builders for deadline tests: contacts with a clock started at a chosen moment."""

import contextlib
from collections import Counter
from datetime import datetime
from decimal import Decimal

from contacts.tests.factories import make_contact
from mash import deadlines


def clocked_contact(actor, *, started_at: datetime, stage="brag_response", rating="red", **fields):
    """A contact (made by the real service) whose clock is restarted on (stage, rating) at `started_at`."""
    contact = make_contact(actor)
    for name, value in fields.items():
        setattr(contact, name, value)
    deadlines.clock_start(contact, stage=stage, rating=rating, started_at=started_at)
    contact.save()
    return contact


def shorten_window(stage="brag_response", rating="red", *, limit=Decimal("0.001"), target=None, **values):
    """Replace the active window with a version whose limit is `limit` clock hours (0.001 h = 3.6 s)."""
    window = deadlines.window_for(stage, rating)
    return deadlines.window_revise(
        actor=None, window_id=window.pk, values={"limit": limit, "target": target, "unit": "clock_hours",
                                                 "target_unit": "", **values},
    )


def times_told(recipient, kind: str, contacts) -> Counter:
    """How often `recipient` was told of each contact's escalation of `kind`: in a message of its own, or
    named in a digest (the sweep sends one when someone is due more than NOTIFICATION_DIGEST_AFTER)."""
    from mash.models import Notification

    told = Counter({c.reference: 0 for c in contacts})
    for notification in Notification.objects.filter(recipient=recipient, kind__startswith=f"escalation.{kind}"):
        told.update(c.reference for c in contacts if c.reference in notification.subject + notification.body)
    return told


@contextlib.contextmanager
def broken_for(row, callable_name: str):
    """Within the block, the sweep's registration for `row`'s model fails on `row` in `callable_name`
    ("label", "url", "rating" or "responsible"), as an app's bug would."""
    model = type(row)
    working = getattr(deadlines.registration_for(model), callable_name)

    def broken(record, *args):
        if record.pk == row.pk:
            raise RuntimeError("broken row")
        return working(record, *args)

    with deadlines.registration_replaced(model, **{callable_name: broken}):
        yield
