"""Contacts and referrals in the DfE's terms: the national returns (Ofsted's Annex A, the CIN census) are read from
these rows, not worked out by a mapping at export time."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.codes import OutcomeKind, ReferralSource


class PrimaryNeed(models.TextChoices):
    """CIN census PrimaryNeedCode."""

    N1 = "N1", "Abuse, neglect and exploitation"
    N2 = "N2", "Child's disability"
    N3 = "N3", "Parental disability or illness"
    N4 = "N4", "Family in acute stress"
    N5 = "N5", "Family dysfunction"
    N6 = "N6", "Socially unacceptable behaviour"
    N7 = "N7", "Low income"
    N8 = "N8", "Absent parenting"
    N9 = "N9", "Cases other than children in need"
    N0 = "N0", "Not stated"


class Referral(models.Model):
    """A contact that became a referral to children's social care, for one child named on it.

    Recorded in the same transaction as the outcome that sends the contact to statutory assessment (section 17
    or section 47, or another outcome the council's policy names: settings.REFERRAL_OUTCOMES), by
    `reports.receivers.outcome_referrals`. One row per child: the CIN census has a CINdetails per child per
    referral, and Annex A List 3 a row per child per referral.
    """

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey("contacts.Person", on_delete=models.PROTECT, related_name="referrals")
    # CINreferralDate: the day the contact became a referral (the outcome's date, Europe/London).
    referral_date = models.DateField()
    # ReferralSource: the contact's source, copied (a contact's source is what the referrer was).
    source = models.CharField("referral source (CIN code)", max_length=2, choices=ReferralSource.choices)
    route = models.CharField(max_length=32, choices=OutcomeKind.choices)
    # PrimaryNeedCode: N1 (abuse or neglect) for a section 47 route, where the concern is significant harm;
    # otherwise N0 (not stated) until the assessment says (the census needs one for a referral with further action).
    primary_need = models.CharField(max_length=2, choices=PrimaryNeed.choices, default="N0")
    # ReferralNFA: the referral ended with no further action (recorded by a manager when it does).
    nfa = models.BooleanField("ended with no further action", default=False)
    nfa_recorded_at = models.DateTimeField(null=True, blank=True)
    nfa_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    allocated_team = models.ForeignKey("agencies.Team", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    allocated_worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "person"], name="referral_once_per_child_per_contact"),
            models.CheckConstraint(condition=Q(nfa=False) | Q(nfa_recorded_at__isnull=False),
                                   name="referral_nfa_has_when"),
        ]
        indexes = [
            # The returns read a period of referrals; List 3 counts a child's referrals in the 12 months before.
            models.Index(fields=["referral_date"], name="referral_date"),
            models.Index(fields=["person", "referral_date"], name="referral_person_date"),
        ]
        permissions = [("export_returns", "Can download the national returns (Annex A, CIN census)"),
                       ("view_performance", "Can see the performance figures (a partner: their agency's only)")]

    def __str__(self):
        return f"Referral of {self.person} from {self.contact} on {self.referral_date:%d/%m/%Y}"


class ExportKind(models.TextChoices):
    ANNEX_A = "annex_a", "Ofsted Annex A lists (.xlsx)"
    CIN_CENSUS = "cin_census", "CIN census file (.xml)"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Deleted: kept only for a day"


class ExportJob(models.Model):
    """A national return made in the background (reports.tasks.export_run): who asked, for what, how far it has got,
    and the file once written (under settings.EXPORTS_DIR, named by the job). Downloading it is
    reports.services.export_download, which audits each download and records a disclosure of every child in it
    when the manager says the file leaves the MASH."""

    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The form's one-time key: the same form sent twice (a double click, a resend) finds the job it started.
    request_key = models.CharField(max_length=64)
    # What was asked: {"start": "2026-01-01", "end": "2026-06-30"} for Annex A, {"year": 2026} for the census.
    parameters = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # What the file holds once written ({"list1": 10, "list3": 2} or {"children": 3, "referrals": 4}).
    counts = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=200, blank=True)  # inside settings.EXPORTS_DIR
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Raised by the worker as rows are written: a job running with no heartbeat for a while lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["requested_by", "request_key"], name="export_job_once_per_form"),
            models.CheckConstraint(condition=~Q(state="done") | (Q(finished_at__isnull=False) & ~Q(file_name="")),
                                   name="export_job_done_has_file"),
        ]
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="export_job_requester")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.describe()})"

    def describe(self) -> str:
        """The period or census year asked for, in words."""
        from datetime import date

        p = self.parameters
        if self.kind == ExportKind.ANNEX_A:
            start, end = date.fromisoformat(p["start"]), date.fromisoformat(p["end"])
            return f"{start:%-d %B %Y} to {end:%-d %B %Y}"
        return f"census year {p['year'] - 1} to {p['year']}"

    @property
    def finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED, ExportState.EXPIRED)

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def download_name(self) -> str:
        p = self.parameters
        if self.kind == ExportKind.ANNEX_A:
            return f"annex-a-{p['start']}-to-{p['end']}.xlsx"
        return f"cin-census-{p['year']}-{settings.LA_CODE}.xml"

    @property
    def content_type(self) -> str:
        if self.kind == ExportKind.ANNEX_A:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "application/xml"


class DailyFigure(models.Model):
    """One count behind the performance dashboard: for one day (Europe/London), one figure and one key, the
    contacts from one CIN referral source (a partner's figures are their sources' rows) and from every source
    (source "*", what the MASH's own staff read) or, for information returns, one agency's (source "").

    Derived rows, kept by `reports.summaries` (the beat's refresh reads what the audit log says changed since the
    last one and recomputes those days; `manage.py performance_refresh --all` rebuilds every day). The dashboard
    sums a period's rows, so its cost grows with the days in the period, not with the contacts.
    """

    day = models.DateField()
    figure = models.CharField(max_length=16)
    key = models.CharField(max_length=32)
    source = models.CharField(max_length=2, blank=True)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    n = models.PositiveIntegerField()

    class Meta:
        # A period's rows of the sources a person may see: the MASH's staff read "*" (every source) and "" (returns,
        # breaches), a partner their own sources' and "" (their agency's returns).
        indexes = [models.Index(fields=["source", "day"], name="daily_figure_source_day")]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.figure} {self.key} {self.source or self.agency_id}: {self.n}"


class FiguresRefresh(models.Model):
    """The one row saying how far the performance summaries are up to date: audit events from `through` on are not
    read yet (less an overlap, for a transaction that committed late)."""

    through = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    days = models.PositiveIntegerField("days recomputed by the last refresh", default=0)

    def __str__(self):
        return f"Performance figures refreshed at {self.refreshed_at:%d/%m/%Y %H:%M}"
