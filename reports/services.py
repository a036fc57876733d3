"""Writes for reports: a contact becoming a referral, a referral ending with no further action, the national
returns asked for and downloaded."""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.codes import DisclosureBasis
from consent.services import disclosures_record_many
from contacts.codes import CHILD_ROLES, OutcomeKind
from mash.audit import audit_record
from mash.errors import DomainError

from . import annex_a, cin, exports, rules
from .actions import ReportAction
from .models import ExportJob, ExportKind, ExportState, Referral

User = get_user_model()


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


NO_REFERRALS = "There are no referrals in this census year: there is nothing to return"
KEY_MISSING = "This form has expired: open the national returns page again and start the export from there"
NOT_READY = "This file is not ready to download"
FILE_GONE = "This file has been deleted (files are kept for a day): start the export again"
# Where a downloaded return goes, as the manager says: the file leaving the MASH is a disclosure of every child in
# it, to the body the return is for.
STAYS = "mash"
LEAVES = "outside"
RECIPIENTS = {ExportKind.ANNEX_A: "Ofsted (inspectors: the Annex A lists)",
              ExportKind.CIN_CENSUS: "The Department for Education (the children in need census)"}
DESTINATION_MISSING = "Select who the file is for"


def _export_parameters(kind: str, *, start=None, end=None, year=None) -> dict:
    """The request, checked (reports.rules), as the job keeps it."""
    if kind == ExportKind.ANNEX_A:
        start, end = rules.period_clean(start=start, end=end)
        return {"start": start.isoformat(), "end": end.isoformat()}
    if kind == ExportKind.CIN_CENSUS:
        year = rules.census_year_clean(year)
        census = cin.CensusYear(year)
        if not Referral.objects.filter(referral_date__gte=census.start,
                                       referral_date__lte=census.reference_date).exists():
            raise DomainError(NO_REFERRALS, field="year")
        return {"year": year}
    raise ValueError(f"unknown export {kind!r}")


def export_start(*, actor, kind: str, request_key: str, **asked) -> tuple[ExportJob, bool]:
    """Queue a national return to be made in the background; returns (the job, whether this call made it).

    Idempotent: the same form sent again (its one-time `request_key`) finds the job it started, and so does asking
    again for the same return while one for it is still being made. The worker is sent the job once the row has
    committed (a worker never looks for a job that is not there yet)."""
    if not request_key or len(request_key) > 64:
        raise DomainError(KEY_MISSING)
    parameters = _export_parameters(kind, **asked)
    try:
        with transaction.atomic():
            # Two submissions of one form race here: the row lock on the person makes the second wait and find the
            # first (on SQLite, whose writes are one at a time, the unique key below catches it).
            User.objects.select_for_update().filter(pk=actor.pk).first()
            existing = ExportJob.objects.filter(requested_by=actor, request_key=request_key).first() or next(
                (job for job in ExportJob.objects.filter(requested_by=actor, kind=kind,
                                                         state__in=[ExportState.QUEUED, ExportState.RUNNING])
                 if job.parameters == parameters), None)
            if existing is not None:
                return existing, False
            job = ExportJob.objects.create(kind=kind, requested_by=actor, request_key=request_key,
                                           parameters=parameters)
            audit_record(actor=actor, action=ReportAction.EXPORT_STARTED, changes={
                "export": job.pk, "kind": kind, **parameters, "summary": f"Asked for {job}"})
            transaction.on_commit(lambda: send_export(job.pk), robust=True)
    except IntegrityError:
        return ExportJob.objects.get(requested_by=actor, request_key=request_key), False
    return job, True


def send_export(job_id: int) -> None:
    """Ask a worker to make the job (a message naming it; the job row says whether it still needs making).
    Sent by name: the web process needs no import of the worker's modules."""
    from celery import current_app

    current_app.send_task(EXPORT_TASK, args=[job_id], queue=settings.CELERY_TASK_DEFAULT_QUEUE)


EXPORT_TASK = "reports.tasks.export_run"


def export_download(*, actor, job: ExportJob, destination: str) -> ExportJob:
    """A manager takes the file: audited every time, and when they say it leaves the MASH, a disclosure of every
    child in it to the body the return is for (one per contact, consent's ledger), in the same transaction. The
    caller sends the file only once this has committed."""
    if destination not in (STAYS, LEAVES):
        raise DomainError(DESTINATION_MISSING, field="destination")
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.state == ExportState.EXPIRED:
            raise DomainError(FILE_GONE)
        if job.state != ExportState.DONE or not exports.file_path(job).is_file():
            raise DomainError(NOT_READY)
        disclosed = 0
        if destination == LEAVES:
            p = job.parameters
            if job.kind == ExportKind.ANNEX_A:
                rows = annex_a.disclosed_rows(annex_a.Period(date.fromisoformat(p["start"]),
                                                             date.fromisoformat(p["end"])))
                fields = ["person.la_child_id", "person.sex", "person.ethnicity", "person.date_of_birth",
                          "contact.received_at", "contact.referral_source", "referral"]
            else:
                rows = cin.disclosed_rows(cin.CensusYear(p["year"]))
                fields = ["person", "referral"]
            disclosed = disclosures_record_many(
                actor=actor, rows=rows, summary=f"{job.get_kind_display()}, {job.describe()}",
                basis=DisclosureBasis.STATUTORY_RETURN, field_names=fields, to_person=RECIPIENTS[job.kind])
        action = (ReportAction.ANNEX_A_DOWNLOADED if job.kind == ExportKind.ANNEX_A
                  else ReportAction.CIN_CENSUS_DOWNLOADED)
        audit_record(actor=actor, action=action, changes={
            "export": job.pk, **job.parameters, **job.counts,
            "to": RECIPIENTS[job.kind] if destination == LEAVES else "the MASH only", "disclosures": disclosed,
            "summary": f"Downloaded {job}" + (f" for {RECIPIENTS[job.kind]}" if destination == LEAVES else "")})
    return job


def performance_download_record(*, actor, table: str, start, end) -> None:
    """Who took a table of the performance figures away, and for which period (the figures are counts, but a
    partner's are their agency's)."""
    audit_record(actor=actor, action=ReportAction.DASHBOARD_DOWNLOADED,
                 changes={"table": table, "start": start.isoformat(), "end": end.isoformat()})
