"""Retention and destruction by policy (issue 13).

A council's schedule is a RetentionRule per record kind and outcome (an admin sets them; the defaults come from
DOMAIN.md section 9). A beat job lists the closed contacts past their rule as DestructionReviews; one manager
approves a destruction and a second confirms it (four eyes), unless a LegalHold is on the contact or on anyone
named on it. Destruction removes the record and leaves one DestructionLog row, which holds no personal data.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .codes import OUTCOME_CHOICES, RecordKind, ReviewState, Trigger


class RetentionRule(models.Model):
    """How long one kind of record with one outcome is kept, and why (the council's documented rationale)."""

    record_kind = models.CharField(max_length=16, choices=RecordKind.choices, default=RecordKind.CONTACT)
    outcome = models.CharField(max_length=32, choices=OUTCOME_CHOICES, blank=True,
                               help_text="The contact's outcome; “Any other outcome” covers those without a rule.")
    trigger = models.CharField("the period starts", max_length=16, choices=Trigger.choices)
    years = models.PositiveSmallIntegerField(help_text="Whole years, from when the period starts.")
    rationale = models.TextField(
        help_text="Why this period: the council's schedule, the law or guidance it follows (shown to managers "
                  "reviewing a record, and recorded with each destruction).")
    active = models.BooleanField(default=True, help_text="An inactive rule lists nothing for review.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["record_kind", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["record_kind", "outcome"], name="retention_rule_once_per_outcome",
                                    violation_error_message="There is already a rule for this kind and outcome."),
            models.CheckConstraint(condition=Q(years__gte=1) & Q(years__lte=150), name="retention_rule_years"),
        ]

    def __str__(self):
        return f"{self.get_record_kind_display()}, {self.get_outcome_display().lower()}: {self.describe()}"

    def describe(self) -> str:
        if self.trigger == Trigger.ADULTHOOD:
            return f"{self.years} years after the youngest child turns 18 (or the closure, if later)"
        return f"{self.years} years after closure"


class LegalHold(models.Model):
    """Nothing about this contact, or about this person (every contact naming them), may be destroyed while the
    hold stands: litigation, an inquiry (such as IICSA's moratorium), a subject access request in progress."""

    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    person = models.ForeignKey("contacts.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["contact"], condition=Q(lifted_at__isnull=True), name="hold_active_contact"),
            models.Index(fields=["person"], condition=Q(lifted_at__isnull=True), name="hold_active_person"),
        ]
        constraints = [
            models.CheckConstraint(condition=(Q(contact__isnull=False) & Q(person__isnull=True))
                                  | (Q(contact__isnull=True) & Q(person__isnull=False)),
                                   name="hold_on_contact_or_person"),
            models.CheckConstraint(condition=~Q(reason=""), name="hold_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | (Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="hold_lifted_has_who_and_why"),
        ]

    def __str__(self):
        return f"Legal hold {self.pk}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class DestructionReview(models.Model):
    """A closed contact past its retention rule, listed by the beat job for managers to review."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(help_text="When the rule's period ended.")
    listed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.DUE)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    kept_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    kept_at = models.DateTimeField(null=True, blank=True)
    keep_reason = models.TextField(blank=True)
    keep_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # The managers' list: reviews waiting, oldest due first; the job's look for kept ones coming due again.
            models.Index(fields=["due_on", "id"], condition=~Q(state="kept"), name="review_waiting"),
            models.Index(fields=["keep_until"], condition=Q(state="kept"), name="review_kept_until"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(state="approved") | (Q(approved_by__isnull=False)
                                                                    & Q(approved_at__isnull=False)),
                                   name="review_approved_has_who"),
            models.CheckConstraint(condition=~Q(state="kept") | (Q(kept_by__isnull=False) & ~Q(keep_reason="")
                                                                & Q(keep_until__isnull=False)),
                                   name="review_kept_has_who_why_until"),
        ]

    def __str__(self):
        return f"Retention review {self.pk}"


class DestructionLog(models.Model):
    """What was destroyed, under which rule, approved and confirmed by whom, and when. No personal data: the
    record's reference and counts of what went, never a name."""

    record_kind = models.CharField(max_length=16, choices=RecordKind.choices)
    reference = models.CharField(max_length=16)
    outcome = models.CharField(max_length=32, choices=OUTCOME_CHOICES, blank=True)
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    rule_text = models.CharField("the rule as applied", max_length=300)
    closed_on = models.DateField(null=True, blank=True)
    due_on = models.DateField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    destroyed_at = models.DateTimeField()
    # How many rows of each kind went, and how many audit rows were cleared of personal data.
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-destroyed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["record_kind", "reference"], name="destruction_once_per_record"),
            # Four eyes: whoever approved a destruction never confirms it.
            models.CheckConstraint(condition=~Q(confirmed_by=F("approved_by")), name="destruction_four_eyes"),
        ]
        # The log is kept for good: append-only in the database (PostgreSQL), as the audit is.
        triggers = [
            pgtrigger.Protect(name="destruction_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        # Not the reference: an audit row names its target by this, and the reference stays only here.
        return f"Destruction {self.pk}"
