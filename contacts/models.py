from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from mash.deadlines import Clocked

from .codes import Channel, ContactState, ReferralSource, SubjectRole


class Person(models.Model):
    """Someone named on a contact: a child (born or unborn) or an adult."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(expected_date_of_birth__isnull=True),
                name="person_born_or_expected_not_both",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_date_of_birth is not None


class ReferenceCounter(models.Model):
    """The last contact number issued in a year: rows are locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Contact(Clocked):
    reference = models.CharField(max_length=16, unique=True)
    received_at = models.DateTimeField()
    channel = models.CharField(max_length=32, choices=Channel.choices)
    referrer_name = models.CharField(max_length=200)
    referrer_role = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referral_source = models.CharField("referral source (CIN code)", max_length=2, choices=ReferralSource.choices)
    concern = models.TextField()
    state = models.CharField(max_length=32, choices=ContactState.choices, default=ContactState.AWAITING_SCREENING)
    assigned_screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_contacts"
    )
    restricted = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The form's one-time key: a double submit finds the contact the first submit made.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    people = models.ManyToManyField(Person, through="ContactSubject", related_name="contacts")
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The work queues: one state, soonest deadline first.
            models.Index(fields=["state", "due_at", "id"], name="contact_queue_state_due"),
            # Running clocks, read by the deadline sweep.
            models.Index(fields=["due_at"], condition=Q(met_at__isnull=True), name="contact_clock_running"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gt=models.F("clock_started_at")),
                name="contact_due_after_start",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("contacts:detail", args=[self.reference])


class ContactSubject(models.Model):
    """A person named on a contact, in a role. One row per child per contact is what Ofsted counts."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="subject_of")
    role = models.CharField(max_length=32, choices=SubjectRole.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["contact", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "person"], name="subject_once_per_contact"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()}) on {self.contact}"
