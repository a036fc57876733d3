"""Retention's lists: what a rule is about and when its period starts, and where a review stands."""

from django.db import models

from contacts.codes import OutcomeKind

# A rule for "" covers a closed contact whose outcome has no rule of its own.
OUTCOME_CHOICES = [("", "Any other outcome"), *OutcomeKind.choices]


class RecordKind(models.TextChoices):
    """What a rule keeps: a MASH contact, with everything recorded on it (screening, ratings, the outcome,
    consent, enquiries and agencies' returns, referrals) and the people named on it whom no other record needs."""

    CONTACT = "contact", "MASH contact"


class Trigger(models.TextChoices):
    CLOSED = "closed", "Years after the contact was closed"
    ADULTHOOD = "adulthood", "Years after the youngest child's 18th birthday (or the closure, if later)"


class ReviewState(models.TextChoices):
    DUE = "due", "Due for review"
    APPROVED = "approved", "Destruction approved: awaiting a second manager"
    KEPT = "kept", "Kept for longer"
