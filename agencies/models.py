from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


class AgencyKind(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    HOUSING = "housing", "Housing"
    EARLY_HELP = "early_help", "Early help"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    OTHER = "other", "Other"


class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    # Signed the MASH information sharing agreement: only signatories receive information requests.
    isa_signatory = models.BooleanField("signed the information sharing agreement", default=False)
    secure_email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    # A receiving service for outcomes (e.g. Assessment team, Early help hub).
    receives_outcomes = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_unique_name_per_agency")]

    def __str__(self):
        return f"{self.name} ({self.agency})"


class User(AbstractUser):
    """A person who signs in. Every user belongs to exactly one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    REQUIRED_FIELDS = ["email", "agency"]

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.team_id is not None and self.agency_id is not None and self.team.agency_id != self.agency_id:
            # A team receives outcomes and case summaries for its agency: a member of another agency would read them.
            raise ValidationError({"team": f"Choose a team of {self.agency}: {self.team} belongs to another agency"})
