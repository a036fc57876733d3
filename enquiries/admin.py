from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mash.admin import AuditedConfigAdmin

from .models import ReturnHeading


@admin.register(ReturnHeading)
class ReturnHeadingAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
    """The headings of a return per agency kind (police: incidents, intelligence, ...). Until any is set for a
    kind, the defaults in enquiries.codes.DEFAULT_HEADINGS are used."""

    list_display = ("agency_kind", "heading", "position", "active")
    list_filter = ("agency_kind", "active")
