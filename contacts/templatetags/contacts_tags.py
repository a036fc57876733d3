"""Template helpers for contacts: codes shown with their names."""

from django import template

from contacts.codes import PresentingFactor

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
