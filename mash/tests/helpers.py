"""Builders for deadline tests: contacts with a clock started at a chosen moment."""

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
