"""Writes for reports: a contact becoming a referral, and a referral ending with no further action."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contacts.codes import CHILD_ROLES, OutcomeKind
from mash.audit import audit_record
from mash.errors import DomainError

from . import annex_a, cin, rules
from .actions import ReportAction
from .models import Referral


def referral_outcomes() -> frozenset[str]:
    """The outcomes that make a contact a referral: statutory assessment (section 17, section 47) by default, and
    whatever else the council's policy says (settings.REFERRAL_OUTCOMES)."""
    return frozenset(settings.REFERRAL_OUTCOMES)


def referrals_record(*, actor, contact, outcome, receiving_team=None, allocated_worker=None) -> list[Referral]:
    """The contact became a referral: one row per child named on it. Called inside the outcome's transaction
    (reports.receivers), so an outcome is never recorded without its referrals. Nothing for other outcomes; a
    second call for the same contact adds nothing (the unique constraint and the check below)."""
    if outcome.kind not in referral_outcomes():
        return []
    with transaction.atomic():
        if Referral.objects.filter(contact=contact).exists():
            return list(Referral.objects.filter(contact=contact))
        day = timezone.localdate(outcome.decided_at)
        children = [s.person for s in contact.subjects.select_related("person", "person__allocated_worker")
                    if s.role in CHILD_ROLES]
        referrals = Referral.objects.bulk_create([
            Referral(contact=contact, person=child, referral_date=day, source=contact.referral_source,
                     route=outcome.kind, allocated_team=receiving_team,
                     primary_need="N1" if outcome.kind == OutcomeKind.STRATEGY_S47 else "N0",
                     allocated_worker=allocated_worker or child.allocated_worker)
            for child in children
        ])
        audit_record(actor=actor, action=ReportAction.REFERRAL_RECORDED, target=contact,
                     changes={"children": [c.pk for c in children], "route": outcome.kind,
                              "referral_date": day.isoformat(), "source": contact.referral_source,
                              "summary": f"Became a referral for {len(children)} "
                                         f"child{'ren' if len(children) != 1 else ''}"})
    return referrals


def referral_nfa_record(*, actor, referral: Referral) -> Referral:
    """The referral ended with no further action (ReferralNFA): a manager records it once."""
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.nfa:
            raise DomainError("This referral is already recorded as ending with no further action")
        referral.nfa, referral.nfa_recorded_at, referral.nfa_recorded_by = True, timezone.now(), actor
        referral.save(update_fields=["nfa", "nfa_recorded_at", "nfa_recorded_by"])
        audit_record(actor=actor, action=ReportAction.REFERRAL_NFA, target=referral.contact,
                     changes={"referral": referral.pk, "person": referral.person_id,
                              "summary": f"The referral of {referral.person} ended with no further action"})
    return referral


def annex_a_export(*, actor, start, end, target) -> annex_a.Written:
    """Write Ofsted's Annex A lists for the period to `target` and record who took them. Refuses a bad period
    (reports.rules.period_clean) before reading anything."""
    start, end = rules.period_clean(start=start, end=end)
    written = annex_a.annex_a_write(target, annex_a.Period(start, end))
    audit_record(actor=actor, action=ReportAction.ANNEX_A_DOWNLOADED, changes={
        "start": start.isoformat(), "end": end.isoformat(), "list1_rows": written.list1,
        "list3_rows": written.list3})
    return written


NO_REFERRALS = "There are no referrals in this census year: there is nothing to return"


def cin_census_export(*, actor, year, target) -> cin.Written:
    """Write the CIN census file (referral module) for the census year to `target`, and record who took it."""
    year = rules.census_year_clean(year)
    census = cin.CensusYear(year)
    if not Referral.objects.filter(referral_date__gte=census.start,
                                   referral_date__lte=census.reference_date).exists():
        raise DomainError(NO_REFERRALS, field="year")
    written = cin.cin_census_write(target, census)
    audit_record(actor=actor, action=ReportAction.CIN_CENSUS_DOWNLOADED, changes={
        "year": year, "children": written.children, "referrals": written.referrals})
    return written


def performance_download_record(*, actor, table: str, start, end) -> None:
    """Who took a table of the performance figures away, and for which period (the figures are counts, but a
    partner's are their agency's)."""
    audit_record(actor=actor, action=ReportAction.DASHBOARD_DOWNLOADED,
                 changes={"table": table, "start": start.isoformat(), "end": end.isoformat()})
