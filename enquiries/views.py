"""The enquiry pages. Each view's first line is an access getter or a role check.

Partners (partner/...) see only their own agency's requests: another agency's request is 404, and nothing here
links to a contact or a person. The MASH side (enquiries/...) is for screeners (reading) and managers (acting);
partners get 404 for any MASH record there.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent import selectors as consent_selectors
from contacts import services as contact_services
from contacts.selectors import get_contact_for_user
from mash.access import Role, deny_unless, has_role, is_mash_staff, require_role
from mash.forms import run_service

from . import selectors, services
from .codes import OPEN_REQUEST_STATES, REQUEST_TAG_CLASS, RequestState
from .forms import AskForm, GiveForm, ReasonForm, ReturnForm, ShortenForm
from .panel import close_preview


def _posted(request):
    return request.POST if request.method == "POST" else None


def _act(http_request, service, **kwargs):
    """A one-button action (claim, nil return, chase): the service's refusal becomes a message on the next page."""
    form = forms.Form(data={})
    form.is_valid()  # bound and cleaned (of nothing), so the refusal can be added to it
    done = run_service(form, service, actor=http_request.user, **kwargs)
    if not done:
        messages.error(http_request, " ".join(form.non_field_errors()))
    return done


def _partner_only(request):
    """Partner pages: a partner (or, for a MASH record, 404 to everyone else)."""
    if not has_role(request.user, Role.PARTNER):
        raise Http404("No information request found")


# --- the partner portal -----------------------------------------------------------------------------------------


@require_GET
def partner_inbox(request):
    """A partner's start page: their agency's requests, soonest deadline first, with filters."""
    if has_role(request.user, Role.MANAGER):
        return redirect("enquiries:board")  # a digest of request escalations links here
    deny_unless(has_role(request.user, Role.PARTNER))
    show = request.GET.get("show", "open")
    show = show if show in selectors.INBOX_FILTERS else "open"
    state = request.GET.get("state", "")
    state = state if state in RequestState.values else ""
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    inbox = selectors.partner_inbox(request.user, show=show, state=state, page=page)
    for row in inbox.rows:
        row.tag_class = REQUEST_TAG_CLASS.get(row.state, "govuk-tag--grey")
    return render(request, "enquiries/inbox.html", {
        "agency": request.user.agency, "inbox": inbox, "filters": selectors.INBOX_FILTERS,
        "states": RequestState.choices, "filter_words": selectors.request_filter_words(show, state),
        "page_obj": inbox.page, "query": urlencode({"show": show, "state": state}),
    })


def _request_context(request, info_request):
    people = list(info_request.people.all())
    show_nhs = info_request.agency.kind == "health" or _is_health(info_request.agency)
    return {
        "req": info_request, "people": people, "show_nhs": show_nhs,
        "tag_class": REQUEST_TAG_CLASS.get(info_request.state, "govuk-tag--grey"),
        "is_open": info_request.state in OPEN_REQUEST_STATES,
        "mine": info_request.assigned_to_id == request.user.pk,
        "current": selectors.current_return(info_request),
        "draft": selectors.draft_return(info_request),
        **_paused(info_request),
    }


def _paused(info_request) -> dict:
    """Whether the agency must send nothing (its basis lost, no new one), and why in words naming nobody."""
    paused = selectors.request_paused(info_request)
    return {"paused": paused, "paused_words": services.paused_words(info_request) if paused else ""}


def _is_health(agency) -> bool:
    return consent_selectors.signatories().filter(pk=agency.pk, is_health=True).exists()


@require_GET
def partner_request(request, pk: int):
    """The request as its agency sees it: the question, the named people (minimum details), the deadline and the
    basis. MASH staff who follow a link here are sent on to their own view."""
    if is_mash_staff(request.user):
        info_request = selectors.get_request_for_staff(request.user, pk)
        return redirect(info_request.get_absolute_url())
    info_request = selectors.get_request_for_partner(request.user, pk)
    services.request_view_record(actor=request.user, request=info_request)
    context = _request_context(request, info_request)
    context["partner_view"] = True
    return render(request, "enquiries/partner_request.html", context)


@require_POST
def request_claim(request, pk: int):
    info_request = selectors.get_request_for_partner(request.user, pk)
    if _act(request, services.request_claim, request=info_request):
        messages.success(request, f"You have claimed information request {info_request.contact_reference}.")
    return redirect(info_request.get_partner_url())


@require_http_methods(["GET", "POST"])
def request_give(request, pk: int):
    info_request = selectors.get_request_for_partner(request.user, pk)
    form = GiveForm(_posted(request), colleagues=selectors.colleagues(request.user))
    context = {"req": info_request, "form": form}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.request_give, actor=request.user, request=info_request,
                                           to_user_id=form.cleaned_data["to_user"]):
            messages.success(request, "Request given to your colleague.")
            return redirect(info_request.get_partner_url())
        return render(request, "enquiries/give.html", context, status=400)
    return render(request, "enquiries/give.html", context)


@require_http_methods(["GET", "POST"])
def return_form(request, pk: int):
    """The return: a draft saved and changed, then submitted (read-only after; a correction is a new version)."""
    info_request = selectors.get_request_for_partner(request.user, pk)
    correcting = info_request.state == RequestState.RETURNED
    if not correcting and info_request.state not in OPEN_REQUEST_STATES:
        messages.info(request, f"This request is {info_request.get_state_display().lower()}.")
        return redirect(info_request.get_partner_url())
    paused = _paused(info_request)
    if correcting and paused["paused"]:
        messages.info(request, f"{paused['paused_words']}.")
        return redirect(info_request.get_partner_url())
    headings = selectors.headings_for(info_request.agency)
    draft = None if correcting else selectors.draft_return(info_request)
    # A draft comes back as it was saved; a correction starts from the latest version (the sensitive section too:
    # the agency wrote it), so nothing is lost unless the partner clears it.
    start = selectors.current_return(info_request) if correcting else draft
    initial = {}
    if start is not None:
        texts = {s["heading"]: s["text"] for s in start.sections}
        # A heading the admin has since retired keeps its text in a correction, under its own heading.
        headings = [*headings, *(h for h, text in texts.items() if text and h not in headings)]
        initial = {f"section_{i}": texts.get(h, "") for i, h in enumerate(headings)}
        initial.update(brag=start.brag, brag_rationale=start.brag_rationale, sensitive=start.sensitive)
    form = ReturnForm(_posted(request), headings=headings, correcting=correcting, initial=initial)
    context = {"req": info_request, "form": form, "correcting": correcting, "draft": draft, **paused}
    if request.method == "POST":
        submit = request.POST.get("action") == "submit" or correcting
        if form.is_valid() and run_service(form, services.return_save, actor=request.user, request=info_request,
                                           submit=submit, **form.service_inputs()):
            messages.success(request, "Return submitted: the MASH has been told." if submit else "Draft saved.")
            return redirect(info_request.get_partner_url())
        return render(request, "enquiries/return_form.html", context, status=400)
    return render(request, "enquiries/return_form.html", context)


@require_POST
def nil_return(request, pk: int):
    info_request = selectors.get_request_for_partner(request.user, pk)
    if _act(request, services.nil_return, request=info_request):
        messages.success(request, "Nil return made: the MASH has been told your agency knows nothing.")
    return redirect(info_request.get_partner_url())


@require_http_methods(["GET", "POST"])
def request_decline(request, pk: int):
    info_request = selectors.get_request_for_partner(request.user, pk)
    form = ReasonForm(_posted(request), rule=services.DECLINE_REASON)
    context = {"req": info_request, "form": form, "title": "Decline the request",
               "button": "Decline the request", "warning": True,
               "back": info_request.get_partner_url(),
               "lead": "The MASH manager is told at once, with your reason."}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.request_decline, actor=request.user,
                                           request=info_request, reason=form.cleaned_data["reason"]):
            messages.success(request, "Request declined: the MASH manager has been told.")
            return redirect(info_request.get_partner_url())
        return render(request, "enquiries/reason.html", context, status=400)
    return render(request, "enquiries/reason.html", context)


# --- the MASH side ----------------------------------------------------------------------------------------------


@require_GET
@require_role(Role.MANAGER)
def board(request):
    """Every open enquiry as a row of agencies, each request's state and time left, soonest deadline first."""
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    pager, enquiries = selectors.enquiry_board(request.user, page=page)
    for enquiry in enquiries:
        for r in enquiry.board_requests:
            r.tag_class = REQUEST_TAG_CLASS.get(r.state, "govuk-tag--grey")
    return render(request, "enquiries/board.html", {"enquiries": enquiries, "page_obj": pager})


def _ask_form(request, contact, asked=(), with_reason=True):
    position = consent_selectors.sharing_position(contact)
    subjects = list(contact.subjects.all())
    return AskForm(_posted(request), subjects=subjects, position=position, asked=asked, with_reason=with_reason)


def _open_page(request, contact, context, status=200):
    """Opening an enquiry or asking more agencies: the page lists the contact's people (audited)."""
    contact_services.contact_record_view(actor=request.user, contact=contact, page="enquiry")
    return render(request, "enquiries/open.html", context, status=status)


@require_http_methods(["GET", "POST"])
def enquiry_open(request, reference: str):
    contact = get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("enquiries.add_enquiry"))
    existing = selectors.open_enquiry_for(contact)
    if existing is not None and request.method == "GET":
        messages.info(request, "This contact already has an open enquiry: ask more agencies here.")
        return redirect("enquiries:ask", existing.pk)
    form = _ask_form(request, contact)
    context = {"contact": contact, "form": form, "rows": None}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.enquiry_open, actor=request.user, contact=contact,
                                           reason=form.cleaned_data["reason"],
                                           need_to_know=form.cleaned_data["need_to_know"], asks=form.asks()):
            messages.success(request, "Enquiry opened: each agency has been sent its request.")
            return redirect(f"{contact.get_absolute_url()}#enquiries")
        context["rows"] = form.bound_rows()
        return _open_page(request, contact, context, status=400)
    context["rows"] = form.bound_rows()
    return _open_page(request, contact, context)


@require_http_methods(["GET", "POST"])
def enquiry_ask(request, pk: int):
    enquiry = selectors.get_enquiry_for_user(request.user, pk)
    deny_unless(request.user.has_perm("enquiries.add_informationrequest"))
    contact = get_contact_for_user(request.user, enquiry.contact.reference)
    asked = set(enquiry.requests.values_list("agency_id", flat=True))
    form = _ask_form(request, contact, asked=asked, with_reason=False)
    context = {"contact": contact, "enquiry": enquiry, "form": form}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.enquiry_add_requests, actor=request.user,
                                           enquiry=enquiry, asks=form.asks()):
            messages.success(request, "Requests sent.")
            return redirect(f"{contact.get_absolute_url()}#enquiries")
        context["rows"] = form.bound_rows()
        return _open_page(request, contact, context, status=400)
    context["rows"] = form.bound_rows()
    return _open_page(request, contact, context)


@require_http_methods(["GET", "POST"])
def enquiry_close(request, pk: int):
    enquiry = selectors.get_enquiry_for_user(request.user, pk)
    deny_unless(request.user.has_perm("enquiries.change_enquiry"))
    form = ReasonForm(_posted(request), rule=services.CLOSE_REASON)
    back = f"{enquiry.contact.get_absolute_url()}#enquiries"
    context = {"form": form, "title": f"Close the enquiry on {enquiry.contact.reference}",
               "button": "Close the enquiry", "warning": True, "back": back, "caption": enquiry.contact.reference,
               "lead": "Requests still open are withdrawn, and each agency is told. The reason you give is sent "
                       "word for word to each agency that contributed.",
               "preview": close_preview(enquiry)}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.enquiry_close, actor=request.user, enquiry=enquiry,
                                           reason=form.cleaned_data["reason"]):
            messages.success(request, "Enquiry closed.")
            return redirect(back)
        return render(request, "enquiries/reason.html", context, status=400)
    return render(request, "enquiries/reason.html", context)


@require_GET
def staff_request(request, pk: int):
    """A request as the MASH sees it: question, people, basis, clock, and the agency's returns (the sensitive
    section behind its own, audited, link for managers)."""
    info_request = selectors.get_request_for_staff(request.user, pk)
    context = _request_context(request, info_request)
    context["returns"] = list(info_request.returns.filter(status="submitted").select_related("submitted_by")
                              .order_by("-version"))
    context["manager"] = has_role(request.user, Role.MANAGER)
    contact_services.contact_record_view(actor=request.user, contact=info_request.enquiry.contact,
                                         page=f"information request to {info_request.agency}")
    return render(request, "enquiries/staff_request.html", context)


@require_http_methods(["GET", "POST"])
def request_withdraw(request, pk: int):
    info_request = selectors.get_request_for_staff(request.user, pk)
    deny_unless(request.user.has_perm("enquiries.change_informationrequest"))
    form = ReasonForm(_posted(request), rule=services.WITHDRAW_REASON)
    context = {"req": info_request, "form": form, "title": f"Withdraw the request to {info_request.agency}",
               "button": "Withdraw the request", "warning": True, "back": info_request.get_absolute_url(),
               "caption": info_request.contact_reference, "lead": "The agency's partners are told."}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.request_withdraw, actor=request.user,
                                           request=info_request, reason=form.cleaned_data["reason"]):
            messages.success(request, "Request withdrawn: the agency has been told.")
            return redirect(info_request.get_absolute_url())
        return render(request, "enquiries/reason.html", context, status=400)
    return render(request, "enquiries/reason.html", context)


@require_http_methods(["GET", "POST"])
def request_shorten(request, pk: int):
    """A manager brings one request's deadline forward, with a reason."""
    info_request = selectors.get_request_for_staff(request.user, pk)
    deny_unless(request.user.has_perm("enquiries.change_informationrequest"))
    form = ShortenForm(_posted(request))
    context = {"req": info_request, "form": form}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.request_shorten, actor=request.user,
                                           request=info_request, due_at=form.cleaned_data["due_at"],
                                           reason=form.cleaned_data["reason"]):
            messages.success(request, "Deadline brought forward: the agency has been told.")
            return redirect(info_request.get_absolute_url())
        return render(request, "enquiries/shorten.html", context, status=400)
    return render(request, "enquiries/shorten.html", context)


@require_POST
def request_chase(request, pk: int):
    info_request = selectors.get_request_for_staff(request.user, pk)
    deny_unless(request.user.has_perm("enquiries.change_informationrequest"))
    if _act(request, services.request_chase, request=info_request):
        messages.success(request, f"{info_request.agency} chased.")
    return redirect(info_request.get_absolute_url())


@require_GET
def return_sensitive(request, pk: int):
    """The sensitive section of a return: MASH managers only, every read audited."""
    agency_return = selectors.get_return_for_staff(request.user, pk)
    deny_unless(has_role(request.user, Role.MANAGER))
    services.sensitive_read_record(actor=request.user, agency_return=agency_return)
    return render(request, "enquiries/sensitive.html", {"ret": agency_return, "req": agency_return.request})
