from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from mash.access import require_perms
from mash.audit import audit_trail
from mash.errors import DomainError
from mash.models import AuditAction

from . import selectors, services
from .forms import ChildForm, ChildFormSet, ContactForm


def _answers_with_another_child(post):
    """'Add another child' without JavaScript: the same answers back, with one more blank child row."""
    form = ContactForm(initial={name: post.get(name) for name in ContactForm.base_fields})
    total = min(int(post.get("children-TOTAL_FORMS") or 1), ChildFormSet.max_num - 1)
    rows = [{name: post.get(f"children-{i}-{name}", "") for name in ChildForm.base_fields} for i in range(total)]
    return form, ChildFormSet(prefix="children", initial=[*rows, {}])


@require_http_methods(["GET", "POST"])
@require_perms("contacts.add_contact")
def contact_new(request):
    if request.method == "POST" and "add_child" in request.POST:
        form, formset = _answers_with_another_child(request.POST)
        return render(request, "contacts/contact_form.html", {"form": form, "formset": formset})

    if request.method == "POST":
        form = ContactForm(request.POST)
        formset = ChildFormSet(request.POST, prefix="children")
        if form.is_valid() and formset.is_valid():
            children = [f.to_input() for f in formset.forms if f.cleaned_data]
            try:
                contact = services.contact_create(
                    actor=request.user,
                    received_at=form.cleaned_data["received_at"],
                    channel=form.cleaned_data["channel"],
                    referrer_name=form.cleaned_data["referrer_name"],
                    referrer_role=form.cleaned_data["referrer_role"],
                    referrer_organisation=form.cleaned_data["referrer_organisation"],
                    referral_source=form.cleaned_data["referral_source"],
                    concern=form.cleaned_data["concern"],
                    children=children,
                    submission_key=form.cleaned_data.get("submission_key"),
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Contact {contact.reference} recorded. It is awaiting screening.")
                return redirect(contact)
        status = 400
    else:
        form = ContactForm()
        formset = ChildFormSet(prefix="children")
        status = 200
    return render(request, "contacts/contact_form.html", {"form": form, "formset": formset}, status=status)


@require_GET
@require_perms("contacts.view_contact")
def contact_queue(request):
    page = selectors.contact_queue(
        user=request.user, page=request.GET.get("page", 1), per_page=settings.QUEUE_PAGE_SIZE
    )
    template = "contacts/queue.html#queue" if request.htmx else "contacts/queue.html"
    return render(request, template, {"page": page})


@require_GET
def contact_detail(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    services.contact_record_view(actor=request.user, contact=contact)
    return render(
        request,
        "contacts/contact_detail.html",
        {"contact": contact, "trail": audit_trail(contact).exclude(action=AuditAction.CONTACT_VIEWED)[:50]},
    )
