"""The daily work: the queues (triage at a glance), a screener's own work, and owning a contact (assign to me,
a manager giving it to a named screener, taking it over with a reason). Queues and boards refresh themselves,
cheaply when nothing changed (mash.polling)."""

import hashlib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mash import polling
from mash.access import Role, deny_unless, has_role, is_mash_staff, require_perms
from mash.deadlines.registry import STAMP as CLOCKS
from mash.errors import DomainError
from mash.forms import run_service
from mash.polling import polled

from . import rules, selectors, services
from .codes import ContactState
from .forms import QueueFilterForm
from .stamps import STAMP as CONTACTS

# What the queues are drawn from: contacts (and their people, ratings...), and the clocks' marks.
QUEUE_SCOPES = (CONTACTS, CLOCKS)


class WorkQueueFilterForm(QueueFilterForm):
    owner = forms.ChoiceField(label="Owner", required=False, choices=[
        ("", "Anyone"), ("mine", "My contacts"), ("unassigned", "Unassigned")],
        error_messages={"invalid_choice": "Select whose contacts to show from the list"})
    field_order = ["owner", "brag", "state", "screener", "overdue", "repeat"]


def _tabs(request):
    tabs = [("contacts:mine", "My work"), ("contacts:queue", "Awaiting screening"),
            ("contacts:returned", "Returned to me")]
    if request.user.has_perm("contacts.decide_rating"):
        tabs.append(("contacts:manager_queue", "Approvals and outcomes"))
    return tabs


def _queue(request, *, title, states, order="due", returned_tab=False):
    form = WorkQueueFilterForm(request.GET or None, states=states, screeners=selectors.mash_screeners())
    filters = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = form.cleaned_data
        else:
            status = 400
    if returned_tab:
        filters = {**filters, "returned_to": request.user}
    query = request.GET.copy()
    query.pop("page", None)
    can_take = request.user.has_perm("contacts.add_screening")

    def draw() -> str:
        page = selectors.contact_queue(user=request.user, states=states, filters=filters, order=order,
                                       page=request.GET.get("page", 1), per_page=settings.QUEUE_PAGE_SIZE)
        count = page.paginator.count
        services.contacts_listed(actor=request.user, contacts=page.object_list, queue=title)
        return render_to_string("contacts/_queue_region.html", {
            "page": page, "caption": f"{count:,} contact{'s' if count != 1 else ''}", "query": query.urlencode(),
            "can_take": can_take}, request)

    html = polling.region(request, "queue", draw)
    if request.htmx:
        return HttpResponse(html, status=status)
    context = {"region": mark_safe(html), "filters": mark_safe(_filters(request, form)),  # noqa: S308
               "filter_form": form, "title": title, "tabs": _tabs(request)}
    return render(request, "contacts/queue.html", context, status=status)


def _filters(request, form) -> str:
    """The filter form, drawn once a minute for each address (its choices, the screeners, change rarely; what
    is chosen, and any error, is in the address): its GOV.UK selects cost more to draw than the page around."""
    key = "mash.filters:" + hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    html = cache.get(key) if settings.POLL_REGION_CACHE_SECONDS else None
    if html is None:
        filtered = any(v for k, v in form.data.items() if k != "page") if form.is_bound else False
        html = render_to_string("contacts/_queue_filters.html", {"filter_form": form, "filtered": filtered}, request)
        cache.set(key, html, min(60, settings.POLL_REGION_CACHE_SECONDS))
    return html


@require_GET
@polled(QUEUE_SCOPES, allowed=is_mash_staff)
@require_perms("contacts.view_contact")
def contact_queue(request):
    return _queue(request, title="Awaiting screening", states=selectors.SCREENER_STATES)


@require_GET
@polled(QUEUE_SCOPES, allowed=is_mash_staff)
@require_perms("contacts.add_screening")
def returned_queue(request):
    return _queue(request, title="Returned to me", states=selectors.SCREENER_STATES, returned_tab=True)


@require_GET
@polled(QUEUE_SCOPES, allowed=lambda user: has_role(user, Role.MANAGER))
@require_perms("contacts.decide_rating")
def manager_queue(request):
    return _queue(request, title="Approvals and outcomes", states=selectors.MANAGER_STATES, order="urgency")


@require_GET
@polled(QUEUE_SCOPES, allowed=is_mash_staff)
@require_perms("contacts.add_screening")
def my_work(request):
    """A screener's home: their own contacts in every open state."""
    def draw() -> str:
        work = selectors.my_work(user=request.user)
        services.contacts_listed(actor=request.user, queue="My work",
                                 contacts=[*work.returned, *work.screening, *work.approval, *work.outcome])
        return render_to_string("contacts/_my_work_region.html", {"work": work, "can_take": True}, request)

    html = polling.region(request, "my_work", draw)
    if request.htmx:
        return HttpResponse(html)
    return render(request, "contacts/my_work.html", {"region": mark_safe(html), "tabs": _tabs(request)})  # noqa: S308


# --- owning a contact ---------------------------------------------------------------------------------------------


def _next(request, fallback: str) -> str:
    """Where to go after a button on a queue or page: the `next` it sent, if it is ours, else `fallback`."""
    wanted = request.POST.get("next", "")
    # a path of this site only: redirect() would take any other word for a view's name (NoReverseMatch, a 500)
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                                   require_https=request.is_secure()):
        return wanted
    return fallback


@require_POST
def contact_take(request, reference: str):
    """Assign to me: a screener takes a contact nobody has (from a queue, the contact page or the screening page)."""
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.add_screening"))
    try:
        services.contact_assign(actor=request.user, contact=contact, screener=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(contact)
    messages.success(request, f"{contact.reference} is yours: nobody else can screen it.")
    return redirect(_next(request, contact.get_absolute_url()))


class AssignForm(forms.Form):
    screener = forms.ModelChoiceField(
        label="Who should work on this contact?", queryset=None, required=False, empty_label="Select a screener",
        error_messages={"invalid_choice": rules.ASSIGNEE_NOT_STAFF})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screener"].queryset = selectors.mash_screeners()


@require_http_methods(["GET", "POST"])
def contact_assign(request, reference: str):
    """A manager gives a contact to a named screener (or manager) of the MASH."""
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.decide_rating"))
    form = AssignForm(request.POST or None, initial={"screener": contact.assigned_screener_id})
    status = 200
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.contact_assign, actor=request.user, contact=contact,
                                           screener=form.cleaned_data["screener"]):
            messages.success(request,
                             f"{contact.reference} given to {form.cleaned_data['screener']}, who has been told.")
            return redirect(contact)
        status = 400
    elif contact.state == ContactState.CLOSED:
        messages.info(request, "This contact is closed: nobody needs to work on it.")
        return redirect(contact)
    return render(request, "contacts/assign.html", {"contact": contact, "form": form}, status=status)


class TakeOverForm(forms.Form):
    reason = rules.TAKE_OVER_REASON.form_field()


@require_http_methods(["GET", "POST"])
def contact_take_over(request, reference: str):
    """A screener takes over a contact a colleague has, saying why (audited; the colleague is told)."""
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.add_screening"))
    form = TakeOverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.contact_take_over, actor=request.user, contact=contact,
                                           reason=form.cleaned_data["reason"]):
            messages.success(request, f"You have taken over {contact.reference}; {contact.assigned_screener} has "
                                      "been told.")
            return redirect(reverse("contacts:screen", args=[contact.reference]))
        status = 400
    elif contact.assigned_screener_id in (None, request.user.pk) or contact.state != ContactState.AWAITING_SCREENING:
        return redirect(contact)
    return render(request, "contacts/take_over.html", {"contact": contact, "form": form}, status=status)
