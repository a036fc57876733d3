"""The managers' retention pages: records due for review (approve, keep, or confirm another manager's approval),
and legal holds. Nothing here shows a name: a record is its reference, outcome and dates."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import selectors as contact_selectors
from mash.access import Role, deny_unless, has_role, require_role
from mash.audit import audit_record
from mash.errors import DomainError
from mash.forms import run_service

from . import rules, selectors, services
from .actions import RetentionAction
from .codes import ReviewState
from .models import DestructionReview

PAGE_SIZE = 25


class KeepForm(forms.Form):
    reason = rules.KEEP_REASON.form_field()
    # Parsed only: the service says what is wrong with it, with the reason's problem beside it.
    years = forms.CharField(label="Keep it for how many more years?", required=False, max_length=10,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}))


class HoldForm(forms.Form):
    reference = forms.CharField(label="Contact reference", max_length=32,
                                error_messages={"required": "Enter the reference of the contact to hold"})
    reason = rules.HOLD_REASON.form_field()


class LiftForm(forms.Form):
    lift_reason = rules.LIFT_REASON.form_field()


@require_GET
@require_role(Role.MANAGER)
def reviews(request):
    page = Paginator(selectors.reviews_waiting(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(actor=request.user, action=RetentionAction.REVIEWS_VIEWED,
                 changes={"page": page.number, "reviews": [r.pk for r in page.object_list]})
    return render(request, "retention/reviews.html", {
        "page": page, "destroyed": selectors.destructions_recent(),
        "holds": selectors.holds_active(request.user).count(),
    })


def _review_page(request, review, *, keep_form=None, status=200):
    contact = review.contact
    return render(request, "retention/review.html", {
        "review": review, "contact": contact, "outcome": getattr(contact, "outcome", None),
        "held": selectors.is_held(contact), "keep_form": keep_form or KeepForm(),
        "may_confirm": review.state == ReviewState.APPROVED and review.approved_by_id != request.user.pk,
    }, status=status)


def _review(request, pk) -> DestructionReview:
    """A review the user may see (a restricted contact's: only if granted it), or 404."""
    reviews = selectors.reviews_visible_to(request.user).select_related("contact", "contact__outcome", "rule",
                                                                        "approved_by", "kept_by")
    return get_object_or_404(reviews, pk=pk)


@require_GET
@require_role(Role.MANAGER)
def review(request, pk: int):
    found = _review(request, pk)
    audit_record(actor=request.user, action=RetentionAction.REVIEWS_VIEWED, target=found)
    return _review_page(request, found)


def _after(request, review, done) -> bool:
    try:
        done()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    return True


@require_POST
@require_role(Role.MANAGER)
def review_approve(request, pk: int):
    found = _review(request, pk)
    if _after(request, found, lambda: services.review_approve(actor=request.user, review=found)):
        messages.success(request, "Destruction approved: a second manager must confirm it.")
    return redirect("retention:review", pk=pk)


@require_POST
@require_role(Role.MANAGER)
def review_keep(request, pk: int):
    found = _review(request, pk)
    form = KeepForm(request.POST)
    if form.is_valid() and run_service(form, services.review_keep, actor=request.user, review=found,
                                       **form.cleaned_data):
        messages.success(request, "The record is kept: it will be listed for review again then.")
        return redirect("retention:reviews")
    return _review_page(request, found, keep_form=form, status=400)


@require_POST
@require_role(Role.MANAGER)
def destruction_confirm(request, pk: int):
    found = _review(request, pk)
    reference = found.contact.reference
    if _after(request, found, lambda: services.destruction_confirm(actor=request.user, review=found)):
        messages.success(request, f"{reference} was destroyed. The destruction log records it.")
        return redirect("retention:reviews")
    return redirect("retention:review", pk=pk)


@require_http_methods(["GET", "POST"])
@require_role(Role.MANAGER)
def holds(request):
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = contact_selectors.contacts_visible_to(request.user).filter(
            reference=form.cleaned_data["reference"].strip().upper()).first()
        if contact is None:
            form.add_error("reference", "No contact has that reference")
        elif run_service(form, services.hold_place, actor=request.user, contact=contact,
                         reason=form.cleaned_data["reason"]):
            messages.success(request, f"{contact.reference} is held: it cannot be destroyed until the hold is lifted.")
            return redirect("retention:holds")
    page = Paginator(selectors.holds_active(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # A hold's reason may name someone: looking is recorded.
    audit_record(actor=request.user, action=RetentionAction.HOLDS_VIEWED,
                 changes={"page": page.number, "holds": [h.pk for h in page.object_list]})
    return render(request, "retention/holds.html", {"form": form, "page": page, "lift_form": LiftForm()},
                  status=400 if form.errors else 200)


@require_POST
def hold_person(request, pk: int):
    """Hold a person (every contact naming them), from their page."""
    person = contact_selectors.get_person_for_user(request.user, pk)
    deny_unless(has_role(request.user, Role.MANAGER))
    reason = request.POST.get("reason", "")
    if _after(request, person, lambda: services.hold_place(actor=request.user, person=person, reason=reason)):
        messages.success(request, "The hold is placed: nothing naming this person is destroyed until it is lifted.")
    return redirect(person)


@require_POST
@require_role(Role.MANAGER)
def hold_lift(request, pk: int):
    hold = get_object_or_404(selectors.holds_active(request.user), pk=pk)
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the hold is lifted")
    elif _after(request, hold, lambda: services.hold_lift(actor=request.user, hold=hold,
                                                          reason=form.cleaned_data["lift_reason"])):
        messages.success(request, "The hold is lifted.")
    return redirect("retention:holds")
