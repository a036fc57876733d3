from django import template
from django.utils.html import format_html

from contacts.codes import BRAG_TAG_CLASS, Brag

register = template.Library()


@register.simple_tag
def brag_tag(value: str):
    if not value:
        return ""
    return format_html('<strong class="govuk-tag {}">{}</strong>', BRAG_TAG_CLASS.get(value, ""), Brag(value).label)
