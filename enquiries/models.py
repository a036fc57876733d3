"""MASH enquiries: an Enquiry on a contact sends each partner agency its own InformationRequest (with its own
question, people and clock), which the agency answers with an AgencyReturn (or a nil return, or a decline).

The invariants are constraints: one open enquiry per contact, one request per agency per enquiry, and a submitted
return is never changed (on PostgreSQL a trigger refuses it whatever the code does; on SQLite the model's save()
and the services hold the rule).
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from mash.codes import Brag
from mash.deadlines import Clocked

from .codes import EnquiryState, RequestState, ReturnStatus


class Enquiry(models.Model):
    """A manager's MASH enquiry on a contact: why, and what the MASH needs to know."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="enquiries")
    reason = models.TextField("why the MASH is making enquiries")
    need_to_know = models.TextField("what the MASH needs to know")
    state = models.CharField(max_length=16, choices=EnquiryState.choices, default=EnquiryState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    # The soonest deadline of its requests still open (None: none open), kept by the services: the board's order.
    next_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["next_due_at"])

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "enquiries"
        indexes = [
            # The board: open enquiries, soonest deadline first.
            models.Index(fields=["next_due_at", "id"], condition=Q(state="open"), name="enquiry_board"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(state="open"),
                                    name="enquiry_one_open_per_contact"),
            models.CheckConstraint(condition=Q(state="open") | Q(closed_at__isnull=False),
                                   name="enquiry_closed_has_when"),
        ]

    def __str__(self):
        return f"Enquiry on {self.contact_id and self.contact.reference}"


class InformationRequest(Clocked):
    """What one agency is asked, about whom, on which basis, by when."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.PROTECT, related_name="requests")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="information_requests",
                               db_index=False)  # the inbox index leads with it
    # Copied when the request is made (neither changes): the sweep names and rates a request from its own row.
    contact_reference = models.CharField(max_length=16, editable=False)
    rating = models.CharField(max_length=8, choices=Brag.choices, blank=True)
    question = models.TextField()
    people = models.ManyToManyField("contacts.Person", related_name="+", blank=True)
    # The basis it is asked on, as it stood when asked: the record (consent or a manager's decision) and in words
    # for each child (the snapshot never changes, whatever happens to the record later).
    basis_kind = models.CharField(max_length=32)
    consent_record = models.ForeignKey("consent.ConsentRecord", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    sharing_decision = models.ForeignKey("consent.SharingDecision", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    basis_snapshot = models.JSONField(default=list)
    basis_lost_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.REQUESTED)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="assigned_requests", db_index=False)
    assigned_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    shortened_reason = models.TextField(blank=True)
    # Declined or withdrawn: who, when, why.
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    chased_at = models.DateTimeField(null=True, blank=True)
    outcome_told_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["warned_at", "breached_at"])

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "agency"], name="request_one_per_agency_per_enquiry"),
            models.CheckConstraint(
                condition=~Q(state__in=["declined", "withdrawn"]) | ~Q(closed_reason=""),
                name="request_declined_or_withdrawn_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gt=models.F("clock_started_at")),
                name="request_due_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(consent_record__isnull=True) & Q(sharing_decision__isnull=False))
            | (Q(consent_record__isnull=False) & Q(sharing_decision__isnull=True)),
                name="request_has_one_basis",
            ),
        ]
        indexes = [
            # The partner inbox: one agency's requests in a state, soonest deadline first.
            models.Index(fields=["agency", "state", "due_at", "id"], name="request_inbox"),
            models.Index(fields=["assigned_to", "state", "due_at"], name="request_assigned"),
            # Running clocks, read by the deadline sweep.
            models.Index(fields=["due_at"], condition=Q(met_at__isnull=True), name="request_clock_running"),
            # Clocks not yet breached: the sweep's limit query. Requests stay open long past their limit (a backlog
            # of breached ones), which the index above would make every pass step over.
            models.Index(fields=["due_at"], condition=Q(met_at__isnull=True, breached_at__isnull=True),
                         name="request_clock_breach_pending"),
            models.Index(
                fields=["warn_at"],
                condition=Q(met_at__isnull=True, warned_at__isnull=True, breached_at__isnull=True),
                name="request_clock_warn_pending",
            ),
        ]

    def __str__(self):
        return f"{self.contact_reference}: request to {self.agency}"

    @property
    def is_open(self) -> bool:
        return self.state in (RequestState.REQUESTED, RequestState.IN_PROGRESS)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("enquiries:request", args=[self.pk])

    def get_partner_url(self):
        from django.urls import reverse

        return reverse("enquiries:partner_request", args=[self.pk])


class ReturnHeading(models.Model):
    """A heading of the returns of one kind of agency (police: incidents, intelligence, ...), set by an admin.
    Until an admin sets any for a kind, `enquiries.codes.DEFAULT_HEADINGS` is used."""

    agency_kind = models.CharField(max_length=32)
    heading = models.CharField(max_length=100)
    hint = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agency_kind", "position", "heading"]
        constraints = [models.UniqueConstraint(fields=["agency_kind", "heading"], name="heading_once_per_kind")]

    def __str__(self):
        return f"{self.agency_kind}: {self.heading}"


SUBMITTED_RETURN_FROZEN = """
    RAISE EXCEPTION 'pgtrigger: a submitted agency return is never changed: submit a correction (% on %)',
        TG_OP, TG_TABLE_NAME;
"""


class AgencyReturn(models.Model):
    """What an agency knows, in one version. A draft is saved and changed by its agency; once submitted it is never
    changed (a correction is a new version with a reason)."""

    request = models.ForeignKey(InformationRequest, on_delete=models.PROTECT, related_name="returns")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    nil = models.BooleanField("nil return (nothing known)", default=False)
    sections = models.JSONField(default=list)  # [{"heading": ..., "text": ...}]
    brag = models.CharField("the agency's BRAG view", max_length=8, choices=Brag.choices, blank=True)
    brag_rationale = models.TextField(blank=True)
    # For MASH managers only (police intelligence, health detail); every read is audited.
    sensitive = models.TextField(blank=True)
    correction_reason = models.TextField(blank=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="return_version_once"),
            models.UniqueConstraint(fields=["request"], condition=Q(status="draft"), name="return_one_draft"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_by__isnull=False) & Q(submitted_at__isnull=False)),
                name="return_submitted_has_who_and_when",
            ),
            models.CheckConstraint(condition=Q(version=1) | ~Q(correction_reason=""),
                                   name="return_correction_has_reason"),
        ]
        triggers = [
            pgtrigger.Trigger(name="return_submitted_frozen", when=pgtrigger.Before, operation=pgtrigger.Update,
                              condition=pgtrigger.Condition("OLD.status = 'submitted'"),
                              func=SUBMITTED_RETURN_FROZEN),
            pgtrigger.Trigger(name="return_submitted_kept", when=pgtrigger.Before, operation=pgtrigger.Delete,
                              condition=pgtrigger.Condition("OLD.status = 'submitted'"),
                              func=SUBMITTED_RETURN_FROZEN),
        ]

    def __str__(self):
        return f"{self.request}: return v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        # SQLite has no trigger: the rule holds here too.
        if self.pk is not None and AgencyReturn.objects.filter(pk=self.pk, status=ReturnStatus.SUBMITTED).exists():
            raise ValueError("A submitted agency return is never changed: submit a correction")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == ReturnStatus.SUBMITTED:
            raise ValueError("A submitted agency return is never deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_submitted(self) -> bool:
        return self.status == ReturnStatus.SUBMITTED
