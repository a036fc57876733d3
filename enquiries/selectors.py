"""Reads for enquiries. Every getter takes the user and scopes by them: a partner sees only the requests addressed
to their own agency (and never the contact); MASH staff see requests on the contacts they may see. Anyone else
gets 404, before anything is shown."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from consent import selectors as consent_selectors
from contacts.models import Contact, Person
from contacts.selectors import visible_through
from mash.access import Role, has_role, is_mash_staff

from .codes import DEFAULT_HEADINGS, GENERAL_HEADINGS, OPEN_REQUEST_STATES, RequestState, ReturnStatus
from .models import AgencyReturn, Enquiry, InformationRequest, ReturnHeading


def is_partner(user) -> bool:
    return has_role(user, Role.PARTNER) and not is_mash_staff(user)


def requests_visible_to(user) -> QuerySet[InformationRequest]:
    """MASH staff: the requests on contacts they may see. A partner: their own agency's requests. Others: none."""
    if is_mash_staff(user):
        return InformationRequest.objects.filter(
            visible_through(user, "enquiry__contact", model=InformationRequest))
    if has_role(user, Role.PARTNER) and getattr(user, "agency_id", None):
        return InformationRequest.objects.filter(agency_id=user.agency_id)
    return InformationRequest.objects.none()


def enquiries_visible_to(user) -> QuerySet[Enquiry]:
    if not is_mash_staff(user):
        return Enquiry.objects.none()
    return Enquiry.objects.filter(visible_through(user, "contact"))


def get_enquiry_for_user(user, pk: int) -> Enquiry:
    enquiry = enquiries_visible_to(user).select_related("contact", "opened_by", "closed_by").filter(pk=pk).first()
    if enquiry is None:
        raise Http404("No enquiry found")
    return enquiry


def _request_query(qs):
    return qs.select_related("enquiry__contact", "agency", "assigned_to", "requested_by", "closed_by",
                             "consent_record", "sharing_decision", "clock_window")


def get_request_for_staff(user, pk: int) -> InformationRequest:
    """A request as the MASH sees it: 404 for anyone outside the MASH (partners use `get_request_for_partner`)."""
    if not is_mash_staff(user):
        raise Http404("No information request found")
    request = _request_query(requests_visible_to(user)).filter(pk=pk).first()
    if request is None:
        raise Http404("No information request found")
    return request


def get_request_for_partner(user, pk: int) -> InformationRequest:
    """A request as its agency sees it: 404 for another agency's request, and for anyone who is not a partner."""
    if not has_role(user, Role.PARTNER) or not getattr(user, "agency_id", None):
        raise Http404("No information request found")
    request = (InformationRequest.objects.filter(pk=pk, agency_id=user.agency_id)
               .select_related("agency", "assigned_to", "clock_window", "consent_record", "sharing_decision")
               .prefetch_related("people").first())
    if request is None:
        raise Http404("No information request found")
    return request


def get_return_for_staff(user, pk: int) -> AgencyReturn:
    if not is_mash_staff(user):
        raise Http404("No return found")
    agency_return = (AgencyReturn.objects.filter(pk=pk, request__in=requests_visible_to(user),
                                                 status=ReturnStatus.SUBMITTED)
                     .select_related("request__agency", "request__enquiry__contact", "submitted_by").first())
    if agency_return is None:
        raise Http404("No return found")
    return agency_return


# --- the basis a request stands on now ------------------------------------------------------------------------


@dataclass(frozen=True)
class BasisNow:
    """Whether the MASH may still deal with an agency on a request (take its return, tell it the outcome): a current
    basis (consent or a manager's decision to share) for the agency and every child the request was asked about.

    `basis`: the one to record a disclosure on (the request's own while it still stands, else the current one); None
    when some child has none. `missing`: for each child without one, their name and why (for the MASH's eyes only:
    it names who withdrew or refused)."""

    basis: consent_selectors.Basis | None
    missing: tuple[str, ...] = ()

    @property
    def lost(self) -> bool:
        return self.basis is None


def request_children_ids(request: InformationRequest) -> list[int]:
    """The children the request was asked about, each on a basis (its snapshot, written when it was asked)."""
    return [b["person"] for b in request.basis_snapshot or [] if b.get("person") is not None]


def basis_now(request: InformationRequest, *, position: consent_selectors.SharingPosition | None = None) -> BasisNow:
    """The basis `request` stands on now, from the contact's sharing position (`position`, read for the request's
    contact and agency, or read here: four queries)."""
    children = request_children_ids(request)
    if position is None:
        position = consent_selectors.sharing_position(
            request.enquiry.contact, children=list(Person.objects.filter(pk__in=children)),
            agencies=list(consent_selectors.signatories().filter(pk=request.agency_id)))
    agency_position = position.for_agency(request.agency_id)
    if agency_position is None:
        return BasisNow(None, (f"{request.agency} is no longer an active signatory of the information sharing "
                               "agreement",))
    known = {c.child.pk: c for c in agency_position.children}
    stored = request.consent_record_id or request.sharing_decision_id
    bases, missing = [], []
    for pk in children:
        child_position = known.get(pk)
        if child_position is None:  # no longer a child on the contact
            missing.append(f"{next((b['name'] for b in request.basis_snapshot if b.get('person') == pk), pk)}: "
                           "no longer named as a child on the contact")
        elif child_position.basis is None:
            missing.append(f"{child_position.child}: {child_position.blocked}")
        else:
            bases.append(child_position.basis)
    if missing or not bases:
        return BasisNow(None, tuple(missing) or ("No child the request was asked about has a basis",))
    same = next((b for b in bases if b.kind == request.basis_kind and b.record.pk == stored), None)
    return BasisNow(same or bases[0])


def request_paused(request: InformationRequest) -> bool:
    """Whether the agency must send nothing on `request` (no return, no nil return, no correction): its basis was
    lost (`basis_lost_at`, flagged when consent was withdrawn or refused) and no new basis (a consent, or a manager's
    decision to share without it) covers the agency and every child it was asked about. A request answered before
    the loss is checked too (nothing flags it). No query for an open request never flagged."""
    if request.state in OPEN_REQUEST_STATES and request.basis_lost_at is None:
        return False
    if request.state not in (*OPEN_REQUEST_STATES, RequestState.RETURNED):
        return False
    return basis_now(request).lost


def headings_for(agency) -> list[str]:
    configured = list(ReturnHeading.objects.filter(agency_kind=agency.kind, active=True)
                      .values_list("heading", flat=True))
    return configured or DEFAULT_HEADINGS.get(agency.kind, GENERAL_HEADINGS)


def current_return(request: InformationRequest) -> AgencyReturn | None:
    """The latest submitted version, else None."""
    return (request.returns.filter(status=ReturnStatus.SUBMITTED).select_related("submitted_by")
            .order_by("-version").first())


def draft_return(request: InformationRequest) -> AgencyReturn | None:
    return request.returns.filter(status=ReturnStatus.DRAFT).first()


# --- the partner's inbox --------------------------------------------------------------------------------------

INBOX_FILTERS = ("open", "mine", "unassigned", "overdue", "all")
INBOX_PAGE = 50


@dataclass
class Inbox:
    rows: list
    total: int
    show: str
    state: str
    page: object = None


def partner_inbox(user, *, show: str = "open", state: str = "", page: int = 1) -> Inbox:
    """The agency's requests by time left, soonest deadline first: by default those still to answer; "mine" (the
    user's, open or not), "unassigned", "overdue", or "all" (open first, then answered, newest first); and a state.
    Two queries: the count and the page (with whoever has each request), on the agency's inbox index."""
    from django.core.paginator import Paginator

    qs = InformationRequest.objects.filter(agency_id=user.agency_id)
    order = ("due_at", "id")
    if show == "mine":
        qs = qs.filter(assigned_to=user)
    elif show == "unassigned":
        qs = qs.filter(assigned_to__isnull=True, state__in=OPEN_REQUEST_STATES)
    elif show == "overdue":
        qs = qs.filter(state__in=OPEN_REQUEST_STATES, due_at__lte=timezone.now())
    elif show == "all":
        qs = qs.annotate(closed=Case(When(state__in=OPEN_REQUEST_STATES, then=Value(0)), default=Value(1),
                                     output_field=IntegerField()))
        order = ("closed", "due_at", "id")
    elif not state:
        qs = qs.filter(state__in=OPEN_REQUEST_STATES)
    if state in RequestState.values:
        qs = qs.filter(state=state)
    qs = (qs.select_related("assigned_to")
          .only("id", "contact_reference", "state", "due_at", "warn_at", "met_at", "warned_at", "breached_at",
                "assigned_to__id", "assigned_to__first_name", "assigned_to__last_name", "assigned_to__username")
          .order_by(*order))
    pager = Paginator(qs, INBOX_PAGE).get_page(page)
    return Inbox(rows=list(pager.object_list), total=pager.paginator.count, show=show, state=state, page=pager)


# --- the manager's board ----------------------------------------------------------------------------------------


BOARD_PAGE = 25


def enquiry_board(user, *, page: int = 1):
    """The open enquiries the user may see, soonest open deadline first (`Enquiry.next_due_at`, kept by the
    services; none open last), a page at a time, each with its requests (agency, state, clock). Three queries: the
    count, the page with its contacts, their requests with agencies."""
    from django.core.paginator import Paginator
    from django.db.models import F

    qs = (enquiries_visible_to(user).filter(state="open").select_related("contact")
          .only("id", "state", "next_due_at", "opened_at", "contact__id", "contact__reference", "contact__rating")
          .order_by(F("next_due_at").asc(nulls_last=True), "id"))
    pager = Paginator(qs, BOARD_PAGE).get_page(page)
    enquiries = list(pager.object_list)
    by_id = {e.pk: e for e in enquiries}
    for e in enquiries:
        e.board_requests = []
    for r in (InformationRequest.objects.filter(enquiry_id__in=list(by_id)).select_related("agency")
              .only("id", "enquiry_id", "state", "due_at", "warn_at", "met_at", "warned_at", "breached_at",
                    "agency__id", "agency__name").order_by("agency__name", "id")):
        by_id[r.enquiry_id].board_requests.append(r)
    return pager, enquiries


def open_enquiry_for(contact: Contact) -> Enquiry | None:
    return contact.enquiries.filter(state="open").first()


def enquiries_for_contact(contact: Contact) -> list[Enquiry]:
    """The contact's enquiries with their requests and each request's submitted returns. Three queries."""
    returns = AgencyReturn.objects.filter(status=ReturnStatus.SUBMITTED).select_related("submitted_by").order_by(
        "-version")
    return list(contact.enquiries.select_related("opened_by", "closed_by").prefetch_related(
        Prefetch("requests", queryset=InformationRequest.objects.select_related("agency", "assigned_to")
                 .prefetch_related(Prefetch("returns", queryset=returns)).order_by("agency__name"))))


def request_filter_words(show: str, state: str) -> str:
    words = {"mine": "assigned to you", "unassigned": "nobody has claimed", "overdue": "overdue",
             "all": "answered or not"}.get(show, "")
    if state in RequestState.values:
        words = f"{words}, {RequestState(state).label.lower()}" if words else RequestState(state).label.lower()
    return words


def colleagues(user):
    """Partners of the user's agency (to give a request to)."""
    from django.contrib.auth import get_user_model

    return (get_user_model().objects.filter(agency_id=user.agency_id, is_active=True, groups__name=Role.PARTNER.value)
            .order_by("first_name", "last_name"))


