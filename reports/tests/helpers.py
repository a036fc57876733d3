"""Builders for the reports tests: contacts taken through the real services to an outcome."""

from contacts import services as contact_services
from contacts.models import LevelOfNeed, ThresholdCriterion
from contacts.tests.factories import make_contact


def screen_and_rate(personas, contact, *, brag="amber", decided_brag=None):
    """A recorded contact screened by the screener and its rating approved (or changed to `decided_brag`) by the
    manager."""
    level = LevelOfNeed.objects.get(document__active=True, number=3)
    contact_services.screening_submit(
        actor=personas.screener, contact=contact, worries="w", working_well="ww", needs_to_happen="n",
        history_checked=True, level=level, criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]),
        proposed_brag=brag, rationale="r", recommendation="route", differs_reason="Seen differently.")
    contact_services.rating_decide(actor=personas.manager, contact=contact, brag=decided_brag or brag,
                                   reason="Seen otherwise." if decided_brag else "")
    return contact


def decide(personas, contact, *, kind="s17_assessment", team=None, brag="amber"):
    """Screen, rate and give a recorded contact its outcome."""
    screen_and_rate(personas, contact, brag=brag)
    contact_services.outcome_decide(actor=personas.manager, contact=contact, kind=kind, rationale="Because.",
                                    summary="Summary for the team.", receiving_team=team)
    contact.refresh_from_db()
    return contact


def contact_awaiting_outcome(personas, *, brag="amber", **contact_kwargs):
    return screen_and_rate(personas, make_contact(personas.screener, **contact_kwargs), brag=brag)


def contact_to_outcome(personas, *, kind="s17_assessment", team=None, brag="amber", **contact_kwargs):
    """A contact recorded, screened, rated and given an outcome, each by the right persona."""
    return decide(personas, make_contact(personas.screener, **contact_kwargs), kind=kind, team=team, brag=brag)


def export_made(client, path: str, data: dict, *, request_key: str = "form-1"):
    """A manager's export started through its form (POST `path`), then made as the worker makes it (the task's
    body, in this process: reports.tasks.export_run). The job, made."""
    from reports import exports
    from reports.models import ExportJob

    response = client.post(path, {"request_key": request_key, **data})
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert exports.export_run(job.pk) == "done", job.error
    job.refresh_from_db()
    return job


def period_data(start, end) -> dict:
    return {"start-day": start.day, "start-month": start.month, "start-year": start.year, "end-day": end.day,
            "end-month": end.month, "end-year": end.year}
