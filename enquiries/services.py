"""Writes for enquiries. Each service is one transaction: it locks what it changes, checks the rules (raising
DomainError on a field), changes the rows, starts or stops the request's clock, writes its audit row (with the
contact as the target, so the timeline shows it) and queues its notifications through the outbox.

E-mails to partners carry no names and no narrative: the contact's reference, the deadline, and "sign in".
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from consent import selectors as consent_selectors
from consent.services import disclosure_record
from contacts.codes import CHILD_ROLES, ContactState, OutcomeKind
from contacts.models import Contact, Person
from mash import deadlines, notify
from mash.access import Role, has_role
from mash.audit import audit_record
from mash.codes import Brag, Stage
from mash.deadlines import group_member_ids
from mash.errors import DomainError, Problems
from mash.rules import Choice, Text

from . import selectors
from .actions import EnquiryAction
from .codes import CONTRIBUTED_STATES, OPEN_REQUEST_STATES, EnquiryState, RequestState, ReturnStatus
from .models import AgencyReturn, Enquiry, InformationRequest

REASON = Text("reason", "Why the MASH is making enquiries", max_length=5000, rows=4,
              required_message="Enter why the MASH is making enquiries")
NEED_TO_KNOW = Text("need_to_know", "What the MASH needs to know", max_length=5000, rows=4,
                    required_message="Enter what the MASH needs to know")
QUESTION = Text("question", "Question for the agency", max_length=5000, rows=3,
                required_message="Enter the question for this agency")
WITHDRAW_REASON = Text("reason", "Why the request is withdrawn", max_length=2000, rows=3,
                       required_message="Enter why the request is withdrawn")
DECLINE_REASON = Text("reason", "Why the agency declines", max_length=2000, rows=3,
                      required_message="Enter why your agency declines the request")
CLOSE_REASON = Text("reason", "Why the enquiry is closed", max_length=2000, rows=3,
                    required_message="Enter why the enquiry is closed")
SECTION = Text("section", "Section", max_length=10000, required=False, rows=5)
BRAG_RATIONALE = Text("brag_rationale", "Why the agency takes this view", max_length=5000, rows=3,
                      required_message="Enter why your agency takes this view")
SENSITIVE = Text("sensitive", "Sensitive information (MASH managers only)", max_length=10000, required=False, rows=4)
CORRECTION_REASON = Text("correction_reason", "Why the return is corrected", max_length=2000, rows=2,
                         required_message="Enter why the return is corrected")
BRAG = Choice("brag", "Your agency's view", tuple(Brag.choices), required_message="Select your agency's BRAG view")


def _lock_contact(contact: Contact) -> Contact:
    return Contact.objects.select_for_update().get(pk=contact.pk)


def _lock_request(request: InformationRequest) -> InformationRequest:
    return (InformationRequest.objects.select_for_update(of=("self",)).select_related("enquiry__contact", "agency")
            .get(pk=request.pk))


def _refresh_next_due(enquiry_id) -> None:
    """The enquiry's soonest open deadline, for the board's order: after any change to a request's state or clock."""
    from django.db.models import OuterRef, Subquery

    soonest = (InformationRequest.objects.filter(enquiry=OuterRef("pk"), state__in=OPEN_REQUEST_STATES,
                                                 due_at__isnull=False).order_by("due_at").values("due_at")[:1])
    Enquiry.objects.filter(pk=enquiry_id).update(next_due_at=Subquery(soonest))


def _when(at) -> str:
    return f"{timezone.localtime(at):%d %B %Y at %H:%M}" if at else "no deadline"


def _partner_ids(agency_id) -> list[int]:
    from .apps import agency_partner_ids

    return agency_partner_ids(agency_id)


def _manager_ids() -> list[int]:
    return group_member_ids(settings.DEADLINE_MANAGER_GROUP)


def _tell(user_ids, *, kind: str, subject: str, body: str = "", link: str = "") -> None:
    ids = list(dict.fromkeys(i for i in user_ids if i))
    if ids:
        notify.notifications_queue(notify.Message(recipient_id=i, kind=kind, subject=subject, body=body, link=link)
                                   for i in ids)


def _audit(*, actor, action: str, request: InformationRequest | None = None, contact: Contact, summary: str,
           **changes) -> None:
    audit_record(actor=actor, action=action, target=contact,
                 changes={**({"request": request.pk, "agency": str(request.agency)} if request else {}),
                          **changes, "summary": summary})


def _must_be_partner_of(actor, request: InformationRequest) -> None:
    if not has_role(actor, Role.PARTNER) or actor.agency_id != request.agency_id:
        raise DomainError("Only a partner of the agency asked can do this")


def _must_be_manager(actor) -> None:
    if not has_role(actor, Role.MANAGER):
        raise DomainError("Only a MASH manager can do this")


def _must_be_open(request: InformationRequest) -> None:
    if request.state not in OPEN_REQUEST_STATES:
        raise DomainError(f"This request is {request.get_state_display().lower()}: nothing more can be done to it")


def paused_words(request: InformationRequest) -> str:
    """Why the agency must send nothing on a request whose basis was lost (`selectors.request_paused`): the words the
    service refuses with and the partner's pages explain with. Names nobody."""
    when = f"on {_when(request.basis_lost_at)}" if request.basis_lost_at else "since your agency answered"
    return (f"The basis on which your agency was asked changed {when}: send nothing (no return, no nil return, no "
            "correction) until the MASH tells you it has a new basis or withdraws the request")


def _must_have_basis(request: InformationRequest) -> None:
    if selectors.request_paused(request):
        raise DomainError(paused_words(request))


# --- opening an enquiry, asking agencies ------------------------------------------------------------------------


@dataclass(frozen=True)
class AskInput:
    """One agency to ask: its question and the people (ids of the contact's subjects) it concerns."""

    agency_id: int
    question: str
    people: tuple[int, ...]


def _contact_state_check(contact: Contact, problems: Problems) -> None:
    if contact.state == ContactState.CLOSED:
        problems.add(None, "The outcome of this contact has been decided: no enquiry can be opened")
    elif settings.ENQUIRY_NEEDS_APPROVED_RATING and not contact.rating:
        problems.add(None, "A MASH enquiry needs an approved rating: approve the rating first")


def _plan_requests(contact: Contact, asks: list[AskInput], problems: Problems, *, exclude_agency_ids=()) -> list:
    """Check each agency to ask against the signatories and the sharing position. Returns [(agency, question,
    people, basis, snapshot)]."""
    if not asks:
        problems.add("agencies", "Select at least one agency to ask")
        return []
    agency_ids = [a.agency_id for a in asks]
    if len(set(agency_ids)) != len(agency_ids):
        problems.add("agencies", "Select each agency once")
    subjects = {s.person_id: s for s in contact.subjects.select_related("person")}
    position = consent_selectors.sharing_position(
        contact, children=[s.person for s in subjects.values() if s.role in CHILD_ROLES])
    planned = []
    for ask in asks:
        agency_position = position.for_agency(ask.agency_id)
        field = f"question_{ask.agency_id}"
        if agency_position is None:
            problems.add("agencies", "Select agencies from the list: only active agencies that signed the "
                                     "information sharing agreement can be asked")
            continue
        agency = agency_position.agency
        if ask.agency_id in exclude_agency_ids:
            problems.add("agencies", f"{agency} has already been asked in this enquiry")
            continue
        question = QUESTION.check(ask.question, problems, field=field)
        people_field = f"people_{ask.agency_id}"
        people = list(dict.fromkeys(ask.people))
        if not people:
            problems.add(people_field, f"Select the people {agency} is asked about")
            continue
        if any(pk not in subjects for pk in people):
            problems.add(people_field, "Select people named on this contact")
            continue
        children = [pk for pk in people if subjects[pk].role in CHILD_ROLES]
        if not children:
            problems.add(people_field, f"Select at least one child for {agency} to be asked about")
            continue
        snapshot, first_basis = [], None
        for pk in children:
            child_position = agency_position.for_child(pk)
            if child_position.basis is None:
                what = "health information needs a basis: " if agency_position.is_health else ""
                problems.add(people_field, f"{agency} may not be asked about {subjects[pk].person}: "
                                           f"{what}{child_position.blocked}")
                continue
            first_basis = first_basis or child_position.basis
            snapshot.append({"person": pk, "name": str(subjects[pk].person), "kind": child_position.basis.kind,
                             "record": child_position.basis.record.pk, "text": str(child_position.basis),
                             "agency_text": _basis_words(child_position.basis)})
        if first_basis is None:
            continue
        planned.append((agency, question, [subjects[pk].person for pk in people], first_basis, snapshot))
    return planned


def _basis_words(basis) -> str:
    """The basis as the agency sees it: what kind and when, naming nobody the request does not name."""
    if basis.consent is not None:
        c = basis.consent
        return f"Consent given by the {c.get_capacity_display().lower()}, {timezone.localtime(c.obtained_at):%d %B %Y}"
    d = basis.decision
    return (f"A MASH manager's decision to share without consent ({d.reason_label}), "
            f"{timezone.localtime(d.decided_at):%d %B %Y}")


def _request_create(*, actor, enquiry: Enquiry, contact: Contact, agency, question: str, people: list[Person],
                    basis, snapshot: list, at) -> InformationRequest:
    request = InformationRequest(
        enquiry=enquiry, agency=agency, contact_reference=contact.reference, rating=contact.rating or "",
        question=question, basis_kind=basis.kind, consent_record=basis.consent, sharing_decision=basis.decision,
        basis_snapshot=snapshot, requested_by=actor, requested_at=at,
    )
    deadlines.clock_start(request, stage=Stage.INFORMATION_REQUEST, started_at=at, rating=request.rating)
    request.save()
    request.people.set(people)
    health = getattr(agency, "is_health", False)
    fields = ["request.question", "person.name", "person.date_of_birth", "person.address"]
    if health:
        fields.append("person.nhs_number")
    disclosure_record(
        actor=actor, contact=contact, about=people, to_agency=agency, basis=basis,
        summary="An information request: the question and the named people's identifying details",
        field_names=fields, content=question,
    )
    _audit(actor=actor, action=EnquiryAction.REQUEST_SENT, request=request, contact=contact,
           summary=f"Information request sent to {agency}, due {_when(request.due_at)}",
           people=[p.pk for p in people], due_at=request.due_at.isoformat())
    _tell(_partner_ids(agency.pk), kind="information_request",
          subject=f"A new information request {contact.reference} is due by {_when(request.due_at)}",
          body=f"A new information request {contact.reference} is due by {_when(request.due_at)}. "
               "Sign in to see it.",
          link=request.get_partner_url())
    return request


def enquiry_open(*, actor, contact: Contact, reason: str, need_to_know: str, asks: list[AskInput]) -> Enquiry:
    """A manager opens a MASH enquiry on a contact and asks each chosen agency its own question."""
    _must_be_manager(actor)
    problems = Problems()
    reason = REASON.check(reason, problems)
    need_to_know = NEED_TO_KNOW.check(need_to_know, problems)
    with transaction.atomic():
        contact = _lock_contact(contact)
        _contact_state_check(contact, problems)
        if Enquiry.objects.filter(contact=contact, state=EnquiryState.OPEN).exists():
            problems.add(None, "This contact already has an open enquiry: add agencies to it")
        planned = _plan_requests(contact, list(asks), problems)
        problems.raise_if_any()
        at = timezone.now()
        try:
            with transaction.atomic():
                enquiry = Enquiry.objects.create(contact=contact, reason=reason, need_to_know=need_to_know,
                                                 opened_by=actor, opened_at=at)
        except IntegrityError as error:  # a second manager got there first
            raise DomainError("This contact already has an open enquiry: add agencies to it") from error
        _audit(actor=actor, action=EnquiryAction.ENQUIRY_OPENED, contact=contact, enquiry=enquiry.pk,
               summary=f"MASH enquiry opened: {reason}", agencies=[a.name for a, *_ in planned])
        for agency, question, people, basis, snapshot in planned:
            _request_create(actor=actor, enquiry=enquiry, contact=contact, agency=agency, question=question,
                            people=people, basis=basis, snapshot=snapshot, at=at)
        _refresh_next_due(enquiry.pk)
    return enquiry


def enquiry_add_requests(*, actor, enquiry: Enquiry, asks: list[AskInput]) -> list[InformationRequest]:
    """Ask more agencies in an open enquiry."""
    _must_be_manager(actor)
    problems = Problems()
    with transaction.atomic():
        contact = _lock_contact(enquiry.contact)
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.state != EnquiryState.OPEN:
            raise DomainError("This enquiry is closed")
        _contact_state_check(contact, problems)
        asked = set(enquiry.requests.values_list("agency_id", flat=True))
        planned = _plan_requests(contact, list(asks), problems, exclude_agency_ids=asked)
        problems.raise_if_any()
        at = timezone.now()
        made = [_request_create(actor=actor, enquiry=enquiry, contact=contact, agency=agency, question=question,
                                people=people, basis=basis, snapshot=snapshot, at=at)
                for agency, question, people, basis, snapshot in planned]
        _refresh_next_due(enquiry.pk)
        return made


def _close_request(request: InformationRequest, *, state: str, actor, reason: str, at) -> None:
    request.state = state
    request.closed_by = actor
    request.closed_at = at
    request.closed_reason = reason
    if request.clock_running:
        deadlines.clock_stop(request, at=at)
    request.save()
    _refresh_next_due(request.enquiry_id)


def request_withdraw(*, actor, request: InformationRequest, reason: str) -> InformationRequest:
    """A manager withdraws a request (with a reason); the agency's partners are told."""
    _must_be_manager(actor)
    problems = Problems()
    reason = WITHDRAW_REASON.check(reason, problems)
    problems.raise_if_any()
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_open(request)
        _close_request(request, state=RequestState.WITHDRAWN, actor=actor, reason=reason, at=timezone.now())
        contact = request.enquiry.contact
        _audit(actor=actor, action=EnquiryAction.REQUEST_WITHDRAWN, request=request, contact=contact,
               summary=f"Request to {request.agency} withdrawn: {reason}", reason=reason)
        _tell([request.assigned_to_id, *_partner_ids(request.agency_id)], kind="information_request_withdrawn",
              subject=f"Information request {contact.reference} withdrawn",
              body=f"The MASH has withdrawn information request {contact.reference}: nothing more is needed. "
                   "Sign in to see why.", link=request.get_partner_url())
    return request


SHORTEN_REASON = Text("reason", "Why this request is needed sooner", max_length=2000, rows=3,
                      required_message="Enter why this request is needed sooner")


def request_shorten(*, actor, request: InformationRequest, due_at, reason: str) -> InformationRequest:
    """A manager brings one request's deadline forward, with a reason; the agency's partners are told."""
    _must_be_manager(actor)
    problems = Problems()
    reason = SHORTEN_REASON.check(reason, problems)
    if due_at is None:
        problems.add("due_at", "Enter the new deadline")
    problems.raise_if_any()
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_open(request)
        now = timezone.now()
        if due_at <= now:
            problems.add("due_at", "The new deadline must be in the future")
        elif request.due_at is not None and due_at >= request.due_at:
            problems.add("due_at", f"The new deadline must be before the current one ({_when(request.due_at)})")
        problems.raise_if_any()
        before = request.due_at
        request.due_at = due_at
        if request.warn_at is not None and request.warn_at >= due_at:
            request.warn_at = None
        request.shortened_reason = reason
        request.save()
        _refresh_next_due(request.enquiry_id)
        contact = request.enquiry.contact
        _audit(actor=actor, action=EnquiryAction.REQUEST_SHORTENED, request=request, contact=contact,
               summary=f"Request to {request.agency} now due {_when(due_at)} (was {_when(before)}): {reason}",
               reason=reason, due_at=due_at.isoformat(), was=before.isoformat() if before else None)
        _tell([request.assigned_to_id, *_partner_ids(request.agency_id)], kind="information_request_shortened",
              subject=f"Information request {contact.reference} is now due by {_when(due_at)}",
              body=f"The MASH needs information request {contact.reference} sooner: it is now due by "
                   f"{_when(due_at)}. Sign in to see why.", link=request.get_partner_url())
    return request


# A chase within this long of the last one is refused: a second click (or a colleague's) sends no second reminder.
CHASE_INTERVAL = timedelta(minutes=15)


def request_chase(*, actor, request: InformationRequest) -> InformationRequest:
    """A manager chases a request: logged, and the agency's partners are told. At most once every CHASE_INTERVAL
    (checked under the request's row lock, so two clicks at once send one reminder); never while the request is
    paused (its basis lost: the agency was told to send nothing)."""
    _must_be_manager(actor)
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_open(request)
        now = timezone.now()
        if request.chased_at is not None and now < request.chased_at + CHASE_INTERVAL:
            last = timezone.localtime(request.chased_at)
            again = timezone.localtime(request.chased_at + CHASE_INTERVAL)
            raise DomainError(f"{request.agency} was chased at {last:%H:%M}; chase again after {again:%H:%M}")
        if selectors.request_paused(request):
            raise DomainError(f"The request to {request.agency} is paused: its basis was lost and the agency was "
                              "told to send nothing. Record a new basis or withdraw the request")
        request.chased_at = now
        request.save(update_fields=["chased_at"])
        contact = request.enquiry.contact
        _audit(actor=actor, action=EnquiryAction.REQUEST_CHASED, request=request, contact=contact,
               summary=f"Request to {request.agency} chased")
        _tell([request.assigned_to_id, *_partner_ids(request.agency_id)], kind="information_request_chased",
              subject=f"Reminder: information request {contact.reference} is due by {_when(request.due_at)}",
              body=f"The MASH is waiting for information request {contact.reference}, due by "
                   f"{_when(request.due_at)}. Sign in to answer it.", link=request.get_partner_url())
    return request


# --- the agency's side ------------------------------------------------------------------------------------------


def request_claim(*, actor, request: InformationRequest) -> InformationRequest:
    """A partner takes a request of their agency: it is theirs, in progress."""
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_partner_of(actor, request)
        _must_be_open(request)
        if request.assigned_to_id == actor.pk:
            return request
        if request.assigned_to_id is not None:
            raise DomainError(f"{request.assigned_to} already has this request: ask them to give it to you")
        request.assigned_to = actor
        request.assigned_at = timezone.now()
        request.state = RequestState.IN_PROGRESS
        request.save()
        _audit(actor=actor, action=EnquiryAction.REQUEST_CLAIMED, request=request,
               contact=request.enquiry.contact, summary=f"{actor} ({request.agency}) claimed the request")
    return request


def request_give(*, actor, request: InformationRequest, to_user_id) -> InformationRequest:
    """A partner gives a request of their agency to a colleague in the same agency, who is told."""
    from django.contrib.auth import get_user_model

    problems = Problems()
    colleague = None
    with contextlib.suppress(TypeError, ValueError):
        colleague = get_user_model().objects.filter(pk=int(to_user_id), is_active=True).first()
    if colleague is None or colleague.agency_id != actor.agency_id or not has_role(colleague, Role.PARTNER):
        problems.add("to_user", "Select a colleague in your agency")
    problems.raise_if_any()
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_partner_of(actor, request)
        _must_be_open(request)
        request.assigned_to = colleague
        request.assigned_at = timezone.now()
        request.state = RequestState.IN_PROGRESS
        request.save()
        contact = request.enquiry.contact
        _audit(actor=actor, action=EnquiryAction.REQUEST_GIVEN, request=request, contact=contact,
               summary=f"{actor} gave the request to {colleague} ({request.agency})", to=colleague.pk)
        if colleague.pk != actor.pk:
            _tell([colleague.pk], kind="information_request_given",
                  subject=f"Information request {contact.reference} given to you, due by {_when(request.due_at)}",
                  body=f"{actor} gave you information request {contact.reference}. Sign in to see it.",
                  link=request.get_partner_url())
    return request


def request_view_record(*, actor, request: InformationRequest) -> None:
    """A partner opened a request page (it shows children's details): audited."""
    audit_record(actor=actor, action=EnquiryAction.REQUEST_VIEWED, target=request,
                 changes={"summary": f"{actor} ({request.agency}) viewed the request"})


def _return_check(*, headings: list[str], sections: dict, brag: str, brag_rationale: str, sensitive: str,
                  submit: bool, problems: Problems) -> tuple[list[dict], str, str, str]:
    cleaned = []
    for index, heading in enumerate(headings):
        text = SECTION.check(sections.get(heading, ""), problems, field=f"section_{index}")
        cleaned.append({"heading": heading, "text": text})
    known = set(sections) - set(headings)
    if known:
        problems.add(None, "Answer under the headings of the form")
    if submit:
        brag = BRAG.check(brag, problems)
        brag_rationale = BRAG_RATIONALE.check(brag_rationale, problems)
        if not any(s["text"] for s in cleaned):
            problems.add("section_0", "Enter what your agency knows under at least one heading, or make a nil "
                                      "return if it knows nothing")
    else:
        brag = Choice("brag", BRAG.label, BRAG.choices, required=False, required_message="").check(brag, problems)
        brag_rationale = Text("brag_rationale", BRAG_RATIONALE.label, max_length=5000,
                              required=False).check(brag_rationale, problems)
    sensitive = SENSITIVE.check(sensitive, problems)
    return cleaned, brag, brag_rationale, sensitive


def return_save(*, actor, request: InformationRequest, headings: list[str], sections: dict, brag: str = "",
                brag_rationale: str = "", sensitive: str = "", submit: bool = False,
                correction_reason: str = "") -> AgencyReturn:
    """A partner saves their agency's return as a draft, or submits it (then it is never changed: a correction is
    a new version, with a reason). Submitting stops the request's clock and tells the manager who asked."""
    problems = Problems()
    cleaned, brag, brag_rationale, sensitive = _return_check(
        headings=headings, sections=sections, brag=brag, brag_rationale=brag_rationale, sensitive=sensitive,
        submit=submit, problems=problems)
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_partner_of(actor, request)
        correcting = request.state == RequestState.RETURNED
        if not correcting:
            _must_be_open(request)
        elif not submit:
            problems.add(None, "A correction is submitted, not saved as a draft")
        if correcting:
            correction_reason = CORRECTION_REASON.check(correction_reason, problems)
        problems.raise_if_any()
        if submit:
            _must_have_basis(request)
        at = timezone.now()
        if request.assigned_to_id is None:
            request.assigned_to, request.assigned_at = actor, at
        draft = request.returns.select_for_update().filter(status=ReturnStatus.DRAFT).first()
        latest = request.returns.filter(status=ReturnStatus.SUBMITTED).order_by("-version").first()
        version = (latest.version + 1) if latest else 1
        agency_return = draft or AgencyReturn(request=request, version=version)
        agency_return.version = version
        agency_return.sections = cleaned
        agency_return.brag = brag
        agency_return.brag_rationale = brag_rationale
        agency_return.sensitive = sensitive
        agency_return.saved_by = actor
        agency_return.saved_at = at
        contact = request.enquiry.contact
        if not submit:
            agency_return.save()
            if request.state == RequestState.REQUESTED:
                request.state = RequestState.IN_PROGRESS
            request.save()
            _audit(actor=actor, action=EnquiryAction.RETURN_SAVED, request=request, contact=contact,
                   summary=f"{request.agency}'s return saved as a draft")
            return agency_return
        agency_return.status = ReturnStatus.SUBMITTED
        agency_return.submitted_by = actor
        agency_return.submitted_at = at
        agency_return.correction_reason = correction_reason if correcting else ""
        agency_return.save()
        request.state = RequestState.RETURNED
        if request.clock_running:
            deadlines.clock_stop(request, at=at)
        request.save()
        _refresh_next_due(request.enquiry_id)
        action = EnquiryAction.RETURN_CORRECTED if correcting else EnquiryAction.RETURN_SUBMITTED
        words = f"corrected ({correction_reason})" if correcting else "submitted"
        _audit(actor=actor, action=action, request=request, contact=contact, brag=brag,
               version=agency_return.version, sensitive=bool(sensitive),
               summary=f"{request.agency}'s return {words}, with a {Brag(brag).label} view")
        _tell([request.enquiry.opened_by_id], kind="agency_return",
              subject=f"{contact.reference}: {request.agency} returned information ({Brag(brag).label} view)",
              link=request.get_absolute_url())
    return agency_return


def nil_return(*, actor, request: InformationRequest) -> AgencyReturn:
    """A partner says, in one step, that their agency knows nothing."""
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_partner_of(actor, request)
        _must_be_open(request)
        _must_have_basis(request)
        at = timezone.now()
        request.returns.filter(status=ReturnStatus.DRAFT).delete()
        agency_return = AgencyReturn.objects.create(
            request=request, version=1, status=ReturnStatus.SUBMITTED, nil=True, saved_by=actor, saved_at=at,
            submitted_by=actor, submitted_at=at)
        request.state = RequestState.NIL_RETURN
        if request.assigned_to_id is None:
            request.assigned_to, request.assigned_at = actor, at
        deadlines.clock_stop(request, at=at)
        request.save()
        _refresh_next_due(request.enquiry_id)
        contact = request.enquiry.contact
        _audit(actor=actor, action=EnquiryAction.NIL_RETURN, request=request, contact=contact,
               summary=f"{request.agency}: nothing known (nil return)")
        _tell([request.enquiry.opened_by_id], kind="agency_return",
              subject=f"{contact.reference}: {request.agency} knows nothing (nil return)",
              link=request.get_absolute_url())
    return agency_return


def request_decline(*, actor, request: InformationRequest, reason: str) -> InformationRequest:
    """A partner declines a request, with a reason; the manager who asked and the MASH managers are told at once."""
    problems = Problems()
    reason = DECLINE_REASON.check(reason, problems)
    problems.raise_if_any()
    with transaction.atomic():
        request = _lock_request(request)
        _must_be_partner_of(actor, request)
        _must_be_open(request)
        _close_request(request, state=RequestState.DECLINED, actor=actor, reason=reason, at=timezone.now())
        contact = request.enquiry.contact
        _audit(actor=actor, action=EnquiryAction.REQUEST_DECLINED, request=request, contact=contact,
               summary=f"{request.agency} declined the request: {reason}", reason=reason)
        _tell([request.enquiry.opened_by_id, *_manager_ids()], kind="information_request_declined",
              subject=f"{contact.reference}: {request.agency} declined the information request",
              body=f"{request.agency} declined: {reason}", link=request.get_absolute_url())
    return request


def sensitive_read_record(*, actor, agency_return: AgencyReturn) -> None:
    """A manager read a return's sensitive section: audited, every time."""
    if not has_role(actor, Role.MANAGER):
        raise DomainError("Only a MASH manager may read the sensitive section")
    request = agency_return.request
    _audit(actor=actor, action=EnquiryAction.SENSITIVE_VIEWED, request=request, contact=request.enquiry.contact,
           summary=f"{actor} read the sensitive section of {request.agency}'s return", agency_return=agency_return.pk)


# --- closing: the outcome, and feedback to every agency that contributed ------------------------------------------


def _withdraw_open(enquiry: Enquiry, *, actor, reason: str, at) -> list[InformationRequest]:
    withdrawn = []
    contact = enquiry.contact
    for request in (enquiry.requests.select_for_update(of=("self",)).select_related("agency")
                    .filter(state__in=OPEN_REQUEST_STATES)):
        _close_request(request, state=RequestState.WITHDRAWN, actor=actor, reason=reason, at=at)
        _audit(actor=actor, action=EnquiryAction.REQUEST_WITHDRAWN, request=request, contact=contact,
               summary=f"Request to {request.agency} withdrawn: {reason}", reason=reason)
        _tell([request.assigned_to_id, *_partner_ids(request.agency_id)], kind="information_request_withdrawn",
              subject=f"Information request {contact.reference} withdrawn",
              body=f"The MASH has withdrawn information request {contact.reference}: nothing more is needed.",
              link=request.get_partner_url())
        withdrawn.append(request)
    return withdrawn


@dataclass(frozen=True)
class AgencyFeedback:
    """One contributing agency's feedback: the basis it is sent on, or why it is not sent (its basis lost: for the
    MASH's eyes, naming who withdrew or refused)."""

    request: InformationRequest
    basis: consent_selectors.Basis | None
    why_not: str = ""

    @property
    def told(self) -> bool:
        return self.basis is not None


@dataclass(frozen=True)
class FeedbackPlan:
    """What closing an enquiry or deciding the outcome sends the agencies that contributed, composed in one place
    (`_feedback_plan`): the outcome page and the close page preview exactly this, and the services send exactly
    this. Each told agency's active partners get `subject` and `body`; a disclosure records `content`."""

    subject: str
    body: str
    content: str
    fields: tuple[str, ...]
    agencies: tuple[AgencyFeedback, ...]

    @property
    def told(self) -> list[AgencyFeedback]:
        return [a for a in self.agencies if a.told]

    @property
    def not_told(self) -> list[AgencyFeedback]:
        return [a for a in self.agencies if not a.told]

    def not_told_audit(self) -> list[dict]:
        return [{"request": a.request.pk, "agency": str(a.request.agency), "why": a.why_not} for a in self.not_told]

    def not_told_words(self) -> str:
        return "; ".join(f"{a.request.agency} ({a.why_not})" for a in self.not_told)


def _feedback_plan(*, contact: Contact, requests, subject: str, body: str, content: str, fields) -> FeedbackPlan:
    """For each request (a contribution not yet told), the basis it can be told on now: the one it was asked on
    while it stands, else a new one (a consent, or a manager's decision to share) covering the agency and every
    child it was asked about. An agency whose basis was lost and not replaced is not told. Writes nothing; the
    contact's sharing position is read once."""
    requests = list(requests)
    position = consent_selectors.sharing_position(contact) if requests else None
    agencies = []
    for request in requests:
        now = selectors.basis_now(request, position=position)
        why = "" if now.basis is not None else "; ".join(now.missing)
        agencies.append(AgencyFeedback(request=request, basis=now.basis, why_not=why))
    return FeedbackPlan(subject=subject, body=body, content=content, fields=tuple(fields), agencies=tuple(agencies))


def _feedback(*, actor, contact: Contact, plan: FeedbackPlan, at) -> FeedbackPlan:
    """Send `plan`: to each agency it tells, a disclosure on its basis now and a message to its partners."""
    for item in plan.told:
        request = item.request
        disclosure_record(actor=actor, contact=contact, about=list(request.people.all()), to_agency=request.agency,
                          basis=item.basis, summary="Feedback on the enquiry the agency contributed to",
                          field_names=list(plan.fields), content=plan.content)
        _tell(_partner_ids(request.agency_id), kind="enquiry_outcome", subject=plan.subject, body=plan.body,
              link=request.get_partner_url())
        request.outcome_told_at = at
        request.save(update_fields=["outcome_told_at"])
    return plan


def _contributed(queryset, *, lock: bool):
    queryset = queryset.filter(state__in=CONTRIBUTED_STATES, outcome_told_at__isnull=True).select_related(
        "agency", "consent_record", "sharing_decision").order_by("agency__name", "pk")
    return queryset.select_for_update(of=("self",)) if lock else queryset


CLOSE_REASON_PLACEHOLDER = "[the reason you give, word for word]"


def enquiry_close_plan(*, enquiry: Enquiry, reason: str = CLOSE_REASON_PLACEHOLDER, lock: bool = False) -> FeedbackPlan:
    """What closing `enquiry` with `reason` tells the agencies that contributed (the close page shows it with the
    placeholder for the reason). Writes nothing."""
    contact = enquiry.contact
    return _feedback_plan(
        contact=contact, requests=_contributed(enquiry.requests.all(), lock=lock),
        subject=f"Information request {contact.reference}: the enquiry has closed",
        body=f"The MASH closed the enquiry {contact.reference} you contributed to: {reason}. Thank you.",
        content=reason, fields=["enquiry.close_reason"])


def enquiry_close(*, actor, enquiry: Enquiry, reason: str) -> Enquiry:
    """A manager closes an enquiry before the outcome: open requests are withdrawn (each agency told), and every
    agency that contributed is told the enquiry has closed and why, unless its basis was lost (the audit says which
    and why)."""
    _must_be_manager(actor)
    problems = Problems()
    reason = CLOSE_REASON.check(reason, problems)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock_contact(enquiry.contact)
        enquiry = Enquiry.objects.select_for_update().select_related("contact").get(pk=enquiry.pk)
        if enquiry.state != EnquiryState.OPEN:
            raise DomainError("This enquiry is already closed")
        at = timezone.now()
        _withdraw_open(enquiry, actor=actor, reason=f"The enquiry was closed: {reason}", at=at)
        enquiry.state, enquiry.closed_by, enquiry.closed_at = EnquiryState.CLOSED, actor, at
        enquiry.next_due_at = None  # nothing of it open any more
        enquiry.close_reason = reason
        enquiry.save()
        plan = _feedback(actor=actor, contact=contact, plan=enquiry_close_plan(enquiry=enquiry, reason=reason,
                                                                                lock=True), at=at)
        not_told = f"; not told: {plan.not_told_words()}" if plan.not_told else ""
        _audit(actor=actor, action=EnquiryAction.ENQUIRY_CLOSED, contact=contact, enquiry=enquiry.pk,
               summary=f"MASH enquiry closed: {reason} ({len(plan.told)} agencies told{not_told})", reason=reason,
               told=[str(a.request.agency) for a in plan.told], not_told=plan.not_told_audit())
    return enquiry


def _lead_words(*, receiving_team=None, allocated_worker=None) -> str:
    if allocated_worker is not None:
        return f"the child's allocated social worker ({allocated_worker.agency})"
    if receiving_team is not None:
        return str(receiving_team)
    return "no service (no further involvement from children's social care)"


def outcome_feedback_plan(*, contact: Contact, kind: str, receiving_team=None, allocated_worker=None,
                          lock: bool = False) -> FeedbackPlan:
    """What deciding outcome `kind` (a contacts.codes.OutcomeKind) tells the agencies that returned information (or
    made a nil return) on any enquiry of the contact and were not told yet: what was decided and who leads, never
    other agencies' information. The outcome page previews exactly this; `enquiry_outcome_feedback` sends it.
    Writes nothing."""
    label = OutcomeKind(kind).label
    lead = _lead_words(receiving_team=receiving_team, allocated_worker=allocated_worker)
    return _feedback_plan(
        contact=contact,
        requests=_contributed(InformationRequest.objects.filter(enquiry__contact=contact), lock=lock),
        subject=f"Outcome of information request {contact.reference}",
        body=f"Thank you for your information on {contact.reference}. The MASH decided: {label}. Who leads: {lead}.",
        content=f"The MASH decided: {label}. Who leads: {lead}.", fields=["outcome.kind", "outcome.lead"])


def outcome_open_requests(contact: Contact) -> list[InformationRequest]:
    """The requests still open on the contact: deciding the outcome withdraws them (each agency told)."""
    return list(InformationRequest.objects.filter(enquiry__contact=contact, state__in=OPEN_REQUEST_STATES)
                .select_related("agency").order_by("agency__name", "pk"))


def enquiry_outcome_feedback(*, actor, contact: Contact, outcome, receiving_team=None, allocated_worker=None) -> int:
    """The contact's outcome was decided (inside its transaction): open requests are withdrawn (each agency told),
    the open enquiry closes, and the contributing agencies are told the outcome (`outcome_feedback_plan`), each
    feedback with its disclosure; an agency whose basis was lost is not told, and the audit says which and why.
    Returns how many agencies were told."""
    at = timezone.now()
    kind = outcome.get_kind_display()
    for enquiry in contact.enquiries.select_for_update().filter(state=EnquiryState.OPEN):
        _withdraw_open(enquiry, actor=actor, reason="The outcome was decided", at=at)
        enquiry.state, enquiry.closed_by, enquiry.closed_at = EnquiryState.CLOSED, actor, at
        enquiry.next_due_at = None  # nothing of it open any more
        enquiry.close_reason = f"Outcome decided: {kind}"
        enquiry.save()
    plan = _feedback(actor=actor, contact=contact, at=at, plan=outcome_feedback_plan(
        contact=contact, kind=outcome.kind, receiving_team=receiving_team, allocated_worker=allocated_worker,
        lock=True))
    if plan.agencies:
        not_told = f"; not told: {plan.not_told_words()}" if plan.not_told else ""
        _audit(actor=actor, action=EnquiryAction.OUTCOME_SHARED, contact=contact,
               summary=f"The outcome ({kind}) was shared with {len(plan.told)} contributing agencies{not_told}",
               told=[str(a.request.agency) for a in plan.told], not_told=plan.not_told_audit())
    return len(plan.told)


def requests_basis_lost(*, actor, contact: Contact, lost) -> int:
    """Consent was withdrawn or refused: flag each request in flight that was asked on a basis now lost, and tell
    its agency's partners to stop (the managers are told by consent)."""
    pairs = {(item.agency.pk, item.child.pk) for item in lost}
    if not pairs:
        return 0
    at = timezone.now()
    flagged = 0
    for request in (InformationRequest.objects.select_for_update(of=("self",)).select_related("agency")
                    .filter(enquiry__contact=contact, state__in=OPEN_REQUEST_STATES)
                    .prefetch_related("people")):
        if not any((request.agency_id, p.pk) in pairs for p in request.people.all()):
            continue
        request.basis_lost_at = at
        request.save(update_fields=["basis_lost_at"])
        _audit(actor=actor, action=EnquiryAction.BASIS_LOST, request=request, contact=contact,
               summary=f"The basis for the request to {request.agency} was withdrawn: flagged")
        _tell([request.assigned_to_id, *_partner_ids(request.agency_id)], kind="information_request_paused",
              subject=f"Information request {contact.reference}: stop, the basis has changed",
              body="The basis on which your agency was asked has changed. Do not send anything until the MASH "
                   "tells you. Sign in to see the request.", link=request.get_partner_url())
        flagged += 1
    return flagged

