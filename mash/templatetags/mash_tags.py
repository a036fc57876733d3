"""Template helpers for clocks: time left in words, and the status tag."""

from datetime import date, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from mash.codes import BRAG_TAG_CLASS, NO_RATING, NO_RATING_LABEL, Brag, brag_label

register = template.Library()


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rem = divmod(minutes, 60 * 24)
    hours, mins = divmod(rem, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins and not days:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return " ".join(parts) or "less than a minute"


@register.filter
def time_left(obj) -> str:
    """'3 hours 20 minutes left' or 'Overdue by 2 hours 5 minutes' for a clocked row."""
    left = obj.time_left()
    if left is None:
        return ""
    if left.total_seconds() <= 0:
        return f"Overdue by {_span(left)}"
    return f"{_span(left)} left"


def _loaded(obj, field: str):
    """A field's value if it was loaded; None if the query deferred it (no query per row for a tag)."""
    if field in obj.get_deferred_fields():
        return None
    return getattr(obj, field)


# Built in Python rather than by a template of their own: queues draw a few of each per row, on every refresh.
CLOCK_TAGS = {
    "breached": ("govuk-tag--red", "Breached"),
    "overdue": ("govuk-tag--red", "Overdue"),
    "warned": ("govuk-tag--orange", "Past target"),
    "warning": ("govuk-tag--orange", "Due soon"),
    "on_time": ("govuk-tag--green", "On time"),
}


@register.simple_tag
def clock_tag(obj):
    """The clock's status tag: Breached (recorded by the sweep), Overdue, Past target (warned), Due soon, On time."""
    status = obj.clock_status()
    if status == "overdue" and _loaded(obj, "breached_at") is not None:
        status = "breached"
    elif status == "warning" and _loaded(obj, "warned_at") is not None:
        status = "warned"
    if status not in CLOCK_TAGS:
        return ""
    css, label = CLOCK_TAGS[status]
    return format_html('<strong class="govuk-tag {}" data-clock-status="{}">{}</strong>', css, status, label)


@register.simple_tag
def rating_tag(rating: str, unrated: str = NO_RATING_LABEL):
    """A BRAG rating as a coloured tag; no rating yet is a grey tag saying `unrated` (nothing when that is "")."""
    if rating not in Brag.values:
        label, css = unrated, BRAG_TAG_CLASS[NO_RATING]
    else:
        label, css = brag_label(rating), BRAG_TAG_CLASS[rating]
    return format_html('<strong class="govuk-tag {}">{}</strong>', css, label) if label else ""


@register.filter
def duration_words(delta: timedelta | None) -> str:
    """A timedelta in words: '3 hours 20 minutes'."""
    if delta is None:
        return ""
    return _span(delta)


@register.filter
def age(person) -> str:
    """A child's age in years, or 'unborn'."""
    if person.date_of_birth is None:
        return "unborn" if person.expected_date_of_birth else ""
    today = timezone.localdate()
    born: date = person.date_of_birth
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years < 1:
        months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{years}"


@register.filter
def error_anchor(field) -> str:
    """The id an error summary links to for a field: for a GOV.UK date input, the first box in error (a missing
    month links to the Month box); otherwise the field's own input."""
    widget = field.field.widget
    parts = getattr(field.field, "error_parts", None)
    if getattr(widget, "govuk_date_input", False) and parts and parts[0] != widget.parts[0]:
        return f"{field.auto_id}-{parts[0]}"
    return field.id_for_label or field.auto_id


@register.filter
def get_item(mapping, key):
    """A dictionary's value by a key held in a variable: {{ labels|get_item:event.kind }}."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag(takes_context=True)
def poll_attributes(context, url: str | None = None):
    """The htmx attributes that make an element refresh itself cheaply (mash.polling)."""
    from mash.polling import poll_attributes as attributes

    return attributes(context["request"], url)
