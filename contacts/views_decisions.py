"""What the decision pages (screening, the manager's decision, the outcome) show besides their forms: the facts
the decision is made on, the rating guidance, the suggestion from the criteria, and the person's draft."""

from django import forms
from django.shortcuts import render

from mash.forms import initial_from_data

from . import guidance, rules, selectors, services
from .codes import ContactState, RatingDecision
from .forms import RatingDecisionForm, ReturnForm, ScreeningForm
from .views_drafts import draft_context


def facts(contact, user=None) -> dict:
    """The facts every decision page shows (contacts/_facts.html), the history scoped to `user`."""
    return {"history": selectors.history_at_a_glance(contact, user=user), "pending": selectors.pending_rating(contact)}


def screening_page(request, contact, document, *, form=None, status=200, suggest=False):
    """The screening form with the facts, the rating guidance and the criteria's suggestion. Every drawing of it
    (the first, a form shown again with its errors, the suggestion step) is an audited look at the contact.

    `form` None: a fresh form, filled from the person's draft if they kept one. `suggest`: the "Suggest a rating"
    step without JavaScript: the answers come back unjudged, with the suggested level and rating chosen where the
    screener has not chosen one.
    """
    services.contact_record_view(actor=request.user, contact=contact, page="screening")
    hints = guidance.rating_hints(document)
    returned = (contact.ratings.filter(decision=RatingDecision.RETURNED).select_related("decided_by")
                .order_by("-decided_at").first() if contact.returned_to_screener else None)
    drafting = draft_context(request, "screening", contact, restore=form is None and not suggest)
    if suggest:
        initial = initial_from_data(ScreeningForm, request.POST)
        form = ScreeningForm(initial=initial, document=document, rating_hints=hints)
        criteria = request.POST.getlist("criteria")
    elif form is None:
        data = drafting["draft_data"]
        initial = initial_from_data(ScreeningForm, data) if data is not None else None
        criteria = data.getlist("criteria") if data is not None else []
        if data is None and returned is not None:
            initial, criteria = _screened_before(contact, returned, document)
        form = ScreeningForm(initial=initial, document=document, rating_hints=hints)
    else:
        form.fields["proposed_brag"].widget.hints = hints
        criteria = form.data.getlist("criteria")
    suggestion = guidance.criteria_suggestion(document, criteria)
    if suggest and suggestion is not None:
        form.initial.setdefault("level", str(suggestion.level.pk))
        if suggestion.brag:
            form.initial.setdefault("proposed_brag", suggestion.brag)
    return render(request, "contacts/screen.html", {
        "contact": contact, "form": form, "document": document, "suggestion": suggestion,
        "criteria_map": guidance.criteria_map(document), **facts(contact, request.user), **drafting,
        "returned": returned,
    }, status=status)


def _screened_before(contact, returned, document) -> tuple[dict, list[str]]:
    """A returned contact's screening form starts from what was proposed (the manager's comments above it), so the
    screener changes what was asked rather than typing it all again. The history is checked again; criteria only
    from the same version of the threshold document."""
    screening = getattr(contact, "screening", None)
    if screening is None:
        return {}, []
    same = document is not None and screening.threshold_document_id == document.pk
    criteria = [str(pk) for pk in screening.criteria.values_list("pk", flat=True)] if same else []
    initial = {"worries": screening.worries, "working_well": screening.working_well,
               "needs_to_happen": screening.needs_to_happen, "danger_statements": screening.danger_statements,
               "recommendation": screening.recommendation, "differs_reason": screening.differs_reason,
               "proposed_brag": returned.proposed_brag, "rationale": returned.rationale,
               **({"level": str(screening.level_id), "criteria": criteria} if same else {})}
    return initial, criteria


class WithdrawRevisionForm(forms.Form):
    reason = rules.REVISION_WITHDRAW_REASON.form_field()


def decide_page(request, contact, pending, *, form=None, return_form=None, withdraw_form=None, status=200):
    """The manager's decision: the facts and the screener's analysis, the proposed rating, and both forms (each
    filled from the manager's own draft when the page opens afresh). Audited, however it is drawn."""
    services.contact_record_view(actor=request.user, contact=contact, page="decide")
    hints = guidance.rating_hints(selectors.active_threshold_document())
    decide_drafts = draft_context(request, "decide", contact, restore=form is None)
    return_drafts = draft_context(request, "return", contact, restore=return_form is None)
    if form is None:
        data = decide_drafts["draft_data"]
        form = RatingDecisionForm(initial=initial_from_data(RatingDecisionForm, data) if data is not None else None,
                                  proposed=pending.proposed_brag, rating_hints=hints)
    form.fields["brag"].widget.hints = hints
    if return_form is None:
        data = return_drafts["draft_data"]
        return_form = ReturnForm(initial=initial_from_data(ReturnForm, data) if data is not None else None)
    return render(request, "contacts/decide.html", {
        "contact": contact, "pending": pending, "form": form, "return_form": return_form,
        "own": pending.proposed_by_id == request.user.pk, "with_screening": True, **facts(contact, request.user),
        "revision": contact.state == ContactState.AWAITING_OUTCOME,
        "withdraw_form": withdraw_form or WithdrawRevisionForm(),
        "decide_drafts": decide_drafts, "return_drafts": return_drafts,
    }, status=status)
