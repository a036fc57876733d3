"""Admin for the kernel's configuration (response windows, closure days) and its records (read-only)."""

import datetime
import decimal

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from . import deadlines
from .audit import audit_record
from .errors import DomainError
from .models import AuditAction, ClosureDay, Escalation, ResponseWindow, SweepRun


def _plain(value):
    """A configuration value as the audit row keeps it: plain JSON, text cut at 200 characters."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | datetime.timedelta):
        return str(value)
    return str(value)[:200]


class AuditedConfigAdmin:
    """Admin mixin for configuration (agencies, teams, thresholds, windows, the calendar, consent lists...): every
    addition, change and deletion made in the admin writes an audit row in the admin's own transaction: who, which
    record, and for a change each changed field's value before and after (configuration only: no admin that
    carries a child's details uses this). Related many-to-many fields are named, not listed. An admin whose saving
    or deleting goes through a service overrides `config_save` / `config_delete`, not save_model / delete_model."""

    def config_save(self, request, obj, form, change):
        super().save_model(request, obj, form, change)

    def config_delete(self, request, obj):
        super().delete_model(request, obj)

    def save_model(self, request, obj, form, change):
        before = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk else None
        self.config_save(request, obj, form, change)
        if obj.pk is None:
            return  # refused (the subclass said why)
        fields = {}
        for name in form.changed_data:
            try:
                field = obj._meta.get_field(name)
            except FieldDoesNotExist:  # a form-only field: nothing stored
                continue
            if field.many_to_many:
                fields[name] = "changed"
            elif before is not None:
                fields[name] = [_plain(getattr(before, field.attname)), _plain(getattr(obj, field.attname))]
            else:
                fields[name] = [None, _plain(getattr(obj, field.attname))]
        audit_record(actor=request.user, action=AuditAction.CONFIG_CHANGED if change else AuditAction.CONFIG_ADDED,
                     target=obj, changes={"model": obj._meta.label_lower, "fields": fields})

    def delete_model(self, request, obj):
        self._audit_deleted(request, [obj])
        self.config_delete(request, obj)

    def delete_queryset(self, request, queryset):
        self._audit_deleted(request, list(queryset))
        super().delete_queryset(request, queryset)

    @staticmethod
    def _audit_deleted(request, objects):
        for obj in objects:
            audit_record(actor=request.user, action=AuditAction.CONFIG_DELETED, target=obj,
                         changes={"model": obj._meta.label_lower, "id": str(obj.pk)})


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
class ResponseWindowAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
    """Saving a change adds the window's next version; the one it replaces stays for the clocks using it (audited by
    deadlines.window_revise; an addition by AuditedConfigAdmin)."""

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
            super().save_model(request, obj, form, change)  # AuditedConfigAdmin: audited
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
class ClosureDayAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
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
