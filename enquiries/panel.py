"""What enquiries shows on other apps' pages (registered with mash.site from EnquiriesConfig.ready): the enquiry
panel on the contact page (returns side by side, each agency's BRAG view beside the MASH rating), the returns on
the outcome page, and the enquiry events in a child's chronology."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from contacts.chronology import Event
from mash.access import Role, has_role, is_mash_staff

from . import selectors, services
from .codes import REQUEST_TAG_CLASS
from .models import InformationRequest


def _panel(request, contact) -> dict | None:
    if not is_mash_staff(request.user):
        return None
    enquiries = selectors.enquiries_for_contact(contact)
    for enquiry in enquiries:
        for r in enquiry.requests.all():
            r.tag_class = REQUEST_TAG_CLASS.get(r.state, "govuk-tag--grey")
            submitted = list(r.returns.all())
            r.current = submitted[0] if submitted else None
    open_enquiry = next((e for e in enquiries if e.state == "open"), None)
    manager = has_role(request.user, Role.MANAGER)
    screening = getattr(contact, "screening", None)  # read with the contact (None: not screened)
    needs_rating = settings.ENQUIRY_NEEDS_APPROVED_RATING and not contact.rating
    may_open = manager and open_enquiry is None and contact.state != "closed"
    return {
        "contact": contact,
        "enquiries": enquiries,
        "open_enquiry": open_enquiry,
        "manager": manager,
        "recommended": screening is not None and screening.recommendation == "enquiry" and open_enquiry is None
        and contact.state != "closed",
        "needs_rating": may_open and needs_rating,
        "open_url": reverse("enquiries:open", args=[contact.reference]) if may_open and not needs_rating else "",
    }


def contact_panel(request, contact):
    return _panel(request, contact)


def outcome_panel(request, contact):
    panel = _panel(request, contact)
    if panel is None or not panel["enquiries"]:
        return None
    return panel


def _partners(agency_ids) -> dict[int, list]:
    """The active partners of each agency (who a message to the agency reaches), by agency id. One query."""
    from django.contrib.auth import get_user_model

    by_agency: dict[int, list] = {pk: [] for pk in agency_ids}
    for user in (get_user_model().objects.filter(agency_id__in=list(by_agency), is_active=True,
                                                 groups__name=Role.PARTNER.value).order_by("pk")):
        by_agency[user.agency_id].append(user)
    return by_agency


def _feedback_preview(plan, *, withdrawn=()) -> dict | None:
    if not plan.agencies and not withdrawn:
        return None
    partners = _partners({a.request.agency_id for a in plan.told})
    return {"plan": plan, "withdrawn": list(withdrawn),
            "told": [{"agency": a.request.agency, "partners": partners[a.request.agency_id]} for a in plan.told],
            "not_told": plan.not_told}


def outcome_preview(contact, *, kind, receiving_team=None, **answers) -> dict | None:
    """On the outcome's "check what will be sent" page: what recording the outcome sends each contributing agency
    (composed by `services.outcome_feedback_plan`, which `enquiry_outcome_feedback` sends), who is not told and
    why, and the requests it withdraws."""
    plan = services.outcome_feedback_plan(contact=contact, kind=kind, receiving_team=receiving_team)
    return _feedback_preview(plan, withdrawn=services.outcome_open_requests(contact))


def close_preview(enquiry) -> dict | None:
    """On the close page: what closing tells each contributing agency (the reason word for word)."""
    from .codes import OPEN_REQUEST_STATES

    withdrawn = enquiry.requests.filter(state__in=OPEN_REQUEST_STATES).select_related("agency").order_by("agency__name")
    return _feedback_preview(services.enquiry_close_plan(enquiry=enquiry), withdrawn=list(withdrawn))


def enquiry_events(query):
    """Each request sent and each answer, about the children the request names. One query."""
    urls = {c.pk: (c.reference, c.get_absolute_url()) for c in query.contacts}
    requests = (InformationRequest.objects.filter(enquiry__contact_id__in=query.contact_ids,
                                                  people__in=query.person_ids)
                .select_related("agency", "enquiry", "requested_by", "closed_by").distinct())
    for r in requests:
        reference, url = urls[r.enquiry.contact_id]
        if query.within(r.requested_at):
            yield Event(at=r.requested_at, kind="enquiry", title=f"Information request sent to {r.agency}",
                        detail=r.question, by=str(r.requested_by), reference=reference, url=url)
        if r.closed_at and query.within(r.closed_at):
            yield Event(at=r.closed_at, kind="enquiry",
                        title=f"Information request {r.get_state_display().lower()}: {r.agency}",
                        detail=r.closed_reason, by=str(r.closed_by or ""), reference=reference, url=url, order=1)


