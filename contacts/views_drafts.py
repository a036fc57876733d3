"""Saving and discarding a draft of a long form (contacts.drafts), and what the form pages need to show one.

"Save draft" is an ordinary submit button whose formaction is `draft_save`: without JavaScript the answers are
saved and the person comes back to the form, which shows them again. static/js/drafts.js posts to the same
address while the person types, asking for JSON.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mash.access import deny_unless
from mash.errors import DomainError
from mash.session_timeout import expiry_json

from . import drafts, selectors

# The page each form is on.
FORM_PAGES = {"contact": "contacts:new", "screening": "contacts:screen", "decide": "contacts:decide",
              "return": "contacts:decide", "outcome": "contacts:outcome"}


def _target(request, form: str, reference: str | None):
    """The form and the contact a draft is about, with the access checks every view makes first: an unknown form
    or a contact the person may not see is 404; a form they may not submit is 403."""
    spec = drafts.DRAFT_FORMS.get(form)
    if spec is None or spec.about_contact != (reference is not None):
        raise Http404("No such form")
    contact = selectors.get_contact_for_user(request.user, reference) if reference is not None else None
    deny_unless(request.user.has_perm(spec.perm))
    return spec, contact


def form_page(form: str, contact=None) -> str:
    return reverse(FORM_PAGES[form], args=[contact.reference] if contact is not None else [])


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@require_POST
def draft_save(request, form: str, reference: str | None = None):
    _, contact = _target(request, form, reference)
    try:
        draft = drafts.draft_save(actor=request.user, form=form, contact=contact, data=request.POST)
    except DomainError as error:
        if _wants_json(request):
            return JsonResponse({"error": error.message}, status=400)
        return render(request, "contacts/draft_not_saved.html",
                      {"message": error.message, "back": form_page(form, contact)}, status=400)
    saved = timezone.localtime(draft.saved_at)
    if _wants_json(request):
        return JsonResponse({"saved_at": saved.isoformat(), "saved_at_text": f"{saved:%H:%M}", **expiry_json()})
    messages.success(request, f"Draft saved at {saved:%H:%M}. Only you can see it. It is here when you come back "
                              "to this page, until you submit the form or discard the draft.")
    return redirect(form_page(form, contact), permanent=False)


@require_POST
def draft_discard(request, form: str, reference: str | None = None):
    _, contact = _target(request, form, reference)
    if drafts.draft_discard(actor=request.user, form=form, contact=contact):
        messages.success(request, "Draft discarded.")
    return redirect(form_page(form, contact))


def draft_context(request, form: str, contact=None, *, restore: bool = True) -> dict:
    """What a form page needs about its draft: the addresses its buttons post to, and the person's own draft
    (`draft`, with `draft_data` to fill the form from) when `restore`."""
    args = [form, contact.reference] if contact is not None else [form]
    context = {
        "draft_form": form,
        "draft_save_url": reverse("contacts:draft_save" if contact is not None else "contacts:draft_save_new",
                                  args=args),
        "draft_discard_url": reverse("contacts:draft_discard" if contact is not None
                                     else "contacts:draft_discard_new", args=args),
        "draft": None,
        "draft_data": None,
    }
    if restore:
        draft = drafts.draft_for(user=request.user, form=form, contact=contact)
        if draft is not None:
            context.update(draft=draft, draft_data=drafts.draft_data(draft))
    return context
