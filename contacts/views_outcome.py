"""Deciding the outcome, in two steps: the decision, then a preview of exactly what the referrer and the receiving
team will be sent (`contacts.services.outcome_messages`, the same function that composes what is queued) and what
other apps send with it (`mash.site.previews`: the contributing agencies' feedback), to confirm or change. Works
without JavaScript: the answers travel in hidden inputs from the preview."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mash import site
from mash.access import deny_unless
from mash.errors import DomainError
from mash.forms import add_domain_errors, initial_from_data, run_service

from . import drafts, selectors, services
from .codes import ContactState
from .forms import OutcomeForm
from .views_decisions import facts
from .views_drafts import draft_context


def _form_page(request, contact, form, *, status=200, restore=False):
    services.contact_record_view(actor=request.user, contact=contact, page="outcome")
    drafting = draft_context(request, "outcome", contact, restore=restore)
    if restore and drafting["draft_data"] is not None:
        form = OutcomeForm(initial=initial_from_data(OutcomeForm, drafting["draft_data"]))
    return render(request, "contacts/outcome.html", {
        "contact": contact, "form": form, "with_screening": True, **facts(contact, request.user), **drafting,
        # What other apps put before the decision (e.g. the agencies' returns), each checking its own access.
        "panels": site.panels("outcome", request, contact),
    }, status=status)


def _preview_page(request, contact, form, sent, clean):
    services.contact_record_view(actor=request.user, contact=contact, page="outcome preview")
    team = form.cleaned_data.get("receiving_team")
    members = list(team.members.filter(is_active=True).order_by("pk")) if team is not None else []
    return render(request, "contacts/outcome_confirm.html", {
        "contact": contact, "form": form, "sent": sent, "team": team, "members": members,
        # What other apps send when the outcome is recorded (e.g. the contributing agencies' feedback), composed by
        # the code that sends it.
        "previews": site.previews("outcome", contact, kind=clean["kind"], receiving_team=clean["receiving_team"]),
    })


@require_http_methods(["GET", "POST"])
def outcome_decide(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.add_outcome"))
    if request.method == "GET":
        if contact.state != ContactState.AWAITING_OUTCOME:
            messages.info(request, "An outcome can be decided once the rating is approved.")
            return redirect(contact)
        return _form_page(request, contact, OutcomeForm(), restore=True)

    if "change" in request.POST:
        # Back from the preview to change the answers: shown again, not judged.
        return _form_page(request, contact, OutcomeForm(initial=initial_from_data(OutcomeForm, request.POST)))
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _form_page(request, contact, form, status=400)
    if "confirm" not in request.POST:
        # Step 1: check every rule, then show what will be sent. Nothing is written.
        try:
            clean = services.outcome_check(contact=contact, **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(error, form)
            return _form_page(request, contact, form, status=400)
        sent = services.outcome_messages(contact=contact, kind=clean["kind"], summary=clean["summary"],
                                         receiving_team=clean["receiving_team"])
        return _preview_page(request, contact, form, sent, clean)
    # Step 2: confirmed. The service checks every rule again and sends what the preview showed.
    if run_service(form, services.outcome_decide, actor=request.user, contact=contact, **form.cleaned_data):
        drafts.draft_discard(actor=request.user, form="outcome", contact=contact, submitted=True)
        messages.success(request, f"Outcome recorded. {contact.reference} is closed and the referrer is told.")
        return redirect(contact)
    return _form_page(request, contact, form, status=400)
