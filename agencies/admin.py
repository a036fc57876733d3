from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Team, User


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "isa_signatory", "active"]
    list_filter = ["kind", "isa_signatory", "active"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "agency", "receives_outcomes"]
    list_filter = ["agency", "receives_outcomes"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "team", "is_active"]
    list_filter = ["agency", "groups", "is_active"]
    list_select_related = ["agency", "team"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Agency", {"fields": ["agency", "team", "job_title"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "agency", "password1", "password2"]}),
    ]
