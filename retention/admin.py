"""Admin: the retention schedule (a rule per record kind and outcome), with history; every change is audited
(retention.services.rule_save). Reviews, holds and the destruction log are managers' pages, not the admin's; the
log is shown read-only."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from mash.admin import ReadOnlyAdmin

from . import services
from .models import DestructionLog, RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(SimpleHistoryAdmin):
    list_display = ["record_kind", "outcome", "trigger", "years", "active"]
    list_filter = ["record_kind", "active", "trigger"]
    fields = ["record_kind", "outcome", "trigger", "years", "rationale", "active"]

    def has_delete_permission(self, request, obj=None):
        return False  # reviews and the destruction log name their rule: make it inactive instead

    def save_model(self, request, obj, form, change):
        try:
            services.rule_save(actor=request.user, rule=obj, changed=list(form.changed_data))
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)


@admin.register(DestructionLog)
class DestructionLogAdmin(ReadOnlyAdmin):
    list_display = ["destroyed_at", "record_kind", "reference", "rule_text", "approved_by", "confirmed_by"]
    list_filter = ["record_kind"]
    search_fields = ["reference"]
