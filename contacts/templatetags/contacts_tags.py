"""Template helpers for contacts: codes shown with their names; for the queues, the first line of a concern, who
referred, what state the work is in."""

from django import template

from contacts.codes import ContactState, PresentingFactor, ReferralSource

register = template.Library()

FACTOR_LABELS = dict(PresentingFactor.choices)


@register.filter
def factor_labels(codes) -> list[str]:
    """CIN presenting factor codes with their names: ["3B Domestic violence: parent or carer", ...]. A code the
    list does not know (an older import) is shown as it is, never dropped."""
    return [FACTOR_LABELS.get(code, code) for code in (codes or [])]


@register.filter
def outcome_label(kind: str) -> str:
    from contacts.codes import OutcomeKind

    return OutcomeKind(kind).label if kind in OutcomeKind.values else kind



@register.filter
def first_line(text: str, length: int = 120) -> str:
    """The first line of a text (a concern), cut at a word to about `length` characters with an ellipsis."""
    line = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    if len(line) <= length:
        return line
    cut = line[:length].rsplit(" ", 1)[0].rstrip(",;:.-")
    return f"{cut}…"


@register.filter
def referrer_kind(code: str) -> str:
    """The kind of referrer from the CIN referral source, without its code ("2A Schools" -> "Schools")."""
    if code not in ReferralSource.values:
        return ""
    return ReferralSource(code).label.split(" ", 1)[1]


@register.filter
def pending_rating(contact):
    """The rating awaiting approval on a contact drawn by a queue (prefetched as `pending_ratings`), or None."""
    pending = getattr(contact, "pending_ratings", None)
    return pending[0] if pending else None


@register.simple_tag(takes_context=True)
def work_state(context, contact) -> str:
    """Where the work on a contact stands, in words a screener or manager acts on."""
    user = context.get("user")
    owner = contact.assigned_screener
    yours = owner is not None and user is not None and owner.pk == user.pk
    who = "you" if yours else (str(owner) if owner is not None else "")
    pending = pending_rating(contact)
    if contact.state == ContactState.AWAITING_SCREENING:
        if contact.returned_to_screener:
            return f"Returned to {who} with a manager's comments" if who else "Returned with a manager's comments"
        if owner is None:
            return "Waiting for a screener to take it"
        return "You are screening it" if yours else f"Being screened by {who}"
    if contact.state == ContactState.AWAITING_APPROVAL:
        brag = (pending.proposed_brag if pending else contact.proposed_rating).title()
        return f"{brag} proposed: a manager to approve it"
    if contact.state == ContactState.AWAITING_OUTCOME:
        if pending is not None or contact.proposed_rating:
            brag = (pending.proposed_brag if pending else contact.proposed_rating).title()
            return f"Change to {brag} proposed: a manager to approve it"
        return f"{contact.get_rating_display()} approved: a manager to decide the outcome"
    return contact.get_state_display()
