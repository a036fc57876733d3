import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from mash.access import Role
from mash.admin import AuditedConfigAdmin
from mash.errors import DomainError

from . import services
from .models import Agency, Team, User


@admin.register(Agency)
class AgencyAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "isa_signatory", "active"]
    list_filter = ["kind", "isa_signatory", "active"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
    list_display = ["name", "agency", "receives_outcomes"]
    list_filter = ["agency", "receives_outcomes"]
    search_fields = ["name"]


ROLE_CHOICES = [(role.value, role.label) for role in Role]


class RolesUserChangeForm(UserChangeForm):
    """The user's details, and their product roles (nothing else: no superuser flag, no raw permissions)."""

    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="What this person may do. An administrator manages the service in "
                                                "this admin; nobody changes their own roles.")

    class Meta(UserChangeForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email", "agency", "team", "job_title", "is_active"]

    def clean(self):
        cleaned = super().clean()
        agency, roles = cleaned.get("agency"), cleaned.get("roles")
        if agency is not None and roles is not None:
            try:  # also when only the agency changed: a screener moved to the police keeps no MASH role
                services.roles_fit(agency, [Role(value) for value in roles])
            except DomainError as error:
                self.add_error("roles", error.message)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = list(
                self.instance.groups.filter(name__in=[r.value for r in Role]).values_list("name", flat=True))


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    """Administrators manage users through the services in agencies.services, each change audited: roles from the
    product's list only, activation, a new password for someone who forgot theirs. The superuser flag, raw
    permissions and groups are not editable here; nobody edits their own roles or account; a break-glass
    superuser (createsuperuser) is changed only by a superuser."""

    form = RolesUserChangeForm
    list_display = ["username", "first_name", "last_name", "agency", "team", "is_active"]
    list_filter = ["agency", "groups", "is_active"]
    list_select_related = ["agency", "team"]
    readonly_fields = ["last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Agency", {"fields": ["agency", "team", "job_title"]}),
        ("Access", {"fields": ["roles", "is_active", "is_staff", "is_superuser"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "agency", "password1", "password2"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += ["is_active"]  # nobody deactivates themselves
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.pk == request.user.pk and "roles" in form.base_fields:
            # A copy: the field object is the declared one, shared by every form class built from it, and changing it
            # in place disabled everyone's roles for the rest of the process once an administrator opened their own.
            roles = copy.deepcopy(form.base_fields["roles"])
            roles.disabled = True
            roles.help_text = "You cannot change your own roles: ask another administrator."
            form.base_fields["roles"] = roles
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a break-glass account: view only
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                services.user_created(actor=request.user, user=obj)
            return
        was_active = User.objects.filter(pk=obj.pk).values_list("is_active", flat=True).get()
        wanted_active = obj.is_active
        obj.is_active = was_active  # changed only through the service, below
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            try:
                if "roles" in form.changed_data and not form.fields["roles"].disabled:
                    services.user_roles_set(actor=request.user, user=obj, roles=form.cleaned_data["roles"])
                if wanted_active != was_active:
                    services.user_active_set(actor=request.user, user=obj, active=wanted_active)
            except DomainError as error:
                transaction.set_rollback(True)
                messages.error(request, error.message)
                raise PermissionDenied(error.message) from error
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if not change:
            super().save_related(request, form, formsets, change)
            roles = form.cleaned_data.get("roles") or []
            if roles:
                services.user_roles_set(actor=request.user, user=form.instance, roles=roles)
            return
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(self, request, id, form_url=""):
        """A new password for someone else, through agencies.services.user_password_set (audited)."""
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user) or user.pk == request.user.pk:
            raise PermissionDenied
        if request.method == "POST":
            form = self.change_password_form(user, request.POST)
            if form.is_valid() and form.cleaned_data.get("usable_password", "true") != "false":
                try:
                    services.user_password_set(actor=request.user, user=user,
                                               password=form.cleaned_data["password1"])
                except DomainError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, f"Password changed for {user.get_username()}.")
                    from django.shortcuts import redirect
                    from django.urls import reverse

                    return redirect(reverse(f"{self.admin_site.name}:agencies_user_change", args=[user.pk]))
            elif request.POST.get("usable_password") == "false":
                raise PermissionDenied
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return super().user_change_password(request, id, form_url) if request.method != "POST" else (
            self._password_page(request, id, form_url))

    def _password_page(self, request, id, form_url):
        # Redraw the form with its errors (Django's view would save a valid form itself: not reached here).
        request.method = "GET"
        return super().user_change_password(request, id, form_url)
