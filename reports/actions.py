"""The audit actions reports records, registered with the kernel's audit log."""

from django.db import models

from mash.audit import register_actions


class ReportAction(models.TextChoices):
    REFERRAL_RECORDED = "referral.recorded", "Became a referral"
    REFERRAL_NFA = "referral.nfa", "Referral ended with no further action"
    ANNEX_A_DOWNLOADED = "returns.annex_a", "Ofsted Annex A lists downloaded"
    CIN_CENSUS_DOWNLOADED = "returns.cin_census", "CIN census file downloaded"
    EXPORT_STARTED = "returns.export_started", "National return asked for"
    DASHBOARD_DOWNLOADED = "returns.dashboard_csv", "Performance figures downloaded"


register_actions(ReportAction)
