"""Admin for the kernel's configuration (response windows, closure days) and its records (read-only)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from . import deadlines
from .errors import DomainError
from .models import ClosureDay, Escalation, ResponseWindow, SweepRun


class ReadOnly:
    """Admin mixin: records written only by services (audit, clocks, the sweep) are read here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


@admin.register(ResponseWindow)
class ResponseWindowAdmin(SimpleHistoryAdmin):
    """Saving a change adds the window's next version; the one it replaces stays for the clocks using it."""

    list_display = ["stage", "rating", "target", "target_unit", "limit", "unit", "second_level_minutes", "version",
                    "active", "effective_from"]
    list_filter = ["active", "stage", "rating", "unit"]
    fields = ["stage", "rating", "target", "target_unit", "limit", "unit", "day_start", "day_end",
              "second_level_minutes", "version", "active", "effective_from", "replaced_at"]
    readonly_fields = ["version", "active", "effective_from", "replaced_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        if not obj.active:
            return self.fields  # a replaced version is history
        return ["stage", "rating", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # clocks refer to versions; change a window instead

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        try:
            new = deadlines.window_revise(actor=request.user, window_id=obj.pk, values=values)
        except (DomainError, ValidationError) as error:
            self.message_user(request, str(getattr(error, "message", error)), messages.ERROR)
            return
        obj.pk, obj.version, obj.active, obj.effective_from = new.pk, new.version, True, new.effective_from
        self.message_user(
            request, f"Saved as version {new.version}: clocks already running keep the version they started on.",
            messages.INFO,
        )


@admin.register(ClosureDay)
class ClosureDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "reason"]
    date_hierarchy = "date"
    search_fields = ["reason"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "kind", "target_label", "stage", "rating", "deadline_at", "acknowledged_by",
                    "acknowledged_at"]
    list_filter = ["kind", "stage", "rating"]
    list_select_related = ["acknowledged_by"]
    search_fields = ["target_label"]
    date_hierarchy = "raised_at"


# Notifications are not in the admin (issue 13): their subjects and addresses are about people; each person reads
# their own on the notifications page.


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "duration_ms", "warnings", "breaches", "second_level", "errors", "hostname"]
    date_hierarchy = "started_at"
