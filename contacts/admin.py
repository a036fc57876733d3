from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mash.admin import ReadOnly

from .models import Contact, LevelOfNeed, Person, ThresholdCriterion, ThresholdDocument


class ReadOnlyAdmin(ReadOnly, SimpleHistoryAdmin):
    """Contacts and people change only through contacts.services (audit rows, clocks): the admin only reads."""


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["reference", "received_at", "state", "rating", "due_at", "assigned_screener", "referrer_name"]
    list_filter = ["state", "rating", "channel"]
    list_select_related = ["assigned_screener"]
    search_fields = ["=reference", "force_reference"]
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["last_name", "first_name", "date_of_birth", "postcode", "allocated_worker", "merged_into"]
    list_select_related = ["allocated_worker", "merged_into"]
    search_fields = ["=nhs_number", "surname_key"]
    show_full_result_count = False


class LevelOfNeedInline(admin.TabularInline):
    model = LevelOfNeed
    extra = 0


class ThresholdCriterionInline(admin.TabularInline):
    model = ThresholdCriterion
    extra = 0


@admin.register(ThresholdDocument)
class ThresholdDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "version", "published_on", "active"]
    list_filter = ["active"]
    inlines = [LevelOfNeedInline]


@admin.register(LevelOfNeed)
class LevelOfNeedAdmin(SimpleHistoryAdmin):
    list_display = ["document", "number", "name", "usual_rating"]
    list_filter = ["document"]
    list_select_related = ["document"]
    inlines = [ThresholdCriterionInline]


@admin.register(ThresholdCriterion)
class ThresholdCriterionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "text", "level"]
    list_filter = ["level__document"]
    list_select_related = ["level__document"]
    search_fields = ["code", "text"]
