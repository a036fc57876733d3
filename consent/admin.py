"""Admin: the lists a council maintains, with history (lawful bases, reasons for sharing without consent, which
agency kinds count as health). The records themselves change only through consent.services (audit rows, the
position, flags): the admin does not show them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mash.admin import AuditedConfigAdmin

from .models import HealthKind, LawfulBasis, SharingReason


class NoDelete:
    """Past decisions point at these rows: deactivate one rather than delete it."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LawfulBasis)
class LawfulBasisAdmin(AuditedConfigAdmin, NoDelete, SimpleHistoryAdmin):
    list_display = ["name", "article_6", "special_category", "statutory_power", "active", "position"]
    list_filter = ["active"]
    search_fields = ["name", "article_6", "special_category", "statutory_power"]


@admin.register(SharingReason)
class SharingReasonAdmin(AuditedConfigAdmin, NoDelete, SimpleHistoryAdmin):
    list_display = ["label", "code", "overrides_confidentiality", "active", "position"]
    list_filter = ["active", "overrides_confidentiality"]


@admin.register(HealthKind)
class HealthKindAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
    list_display = ["kind"]
