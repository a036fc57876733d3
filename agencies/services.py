"""Managing users, as an administrator does it: only the product's roles, never the superuser flag or raw
permissions, never one's own roles or account; each change one transaction with its audit row."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from mash.access import MASH_ROLES, Role, has_role
from mash.audit import audit_record
from mash.errors import DomainError
from mash.principal import user_changed

from .actions import UserAction
from .models import Agency, AgencyKind, User


def _may_manage(actor: User, user: User, field: str | None = None) -> None:
    if not (actor.is_active and (has_role(actor, Role.ADMIN) or actor.is_superuser)):
        raise DomainError("Only an administrator manages users", field=field)
    if actor.pk == user.pk:
        raise DomainError("You cannot change your own roles or account: ask another administrator", field=field)
    if user.is_superuser and not actor.is_superuser:
        raise DomainError("This is a break-glass account: only the break-glass account may change it", field=field)


def roles_fit(agency: Agency, roles: Iterable[Role]) -> None:
    """Whether a person of `agency` may hold `roles`. The hub's screeners and managers read every contact: they are
    children's social care staff, and an agency partner (who sees only what is asked of their agency) is never also
    one of them."""
    roles = set(roles)
    if Role.PARTNER in roles and roles & MASH_ROLES:
        raise DomainError("An agency partner cannot also be a screener or MASH manager: those roles read every "
                          "contact, a partner only what is asked of their agency", field="roles")
    if roles & MASH_ROLES and agency.kind != AgencyKind.SOCIAL_CARE:
        raise DomainError(f"Only children's social care staff can be screeners or MASH managers: {agency} is "
                          f"{agency.get_kind_display().lower()}. Give them the agency partner role", field="roles")


def user_roles_set(*, actor: User, user: User, roles: Iterable[str]) -> set[Role]:
    """Give `user` exactly these product roles (other groups, such as duty rotas, are left alone). An administrator
    is staff (the Django admin); nobody is made a superuser here."""
    try:
        wanted = {Role(value) for value in roles}
    except ValueError as error:
        raise DomainError("Choose from the product's roles only", field="roles") from error
    _may_manage(actor, user, "roles")
    with transaction.atomic():
        user = User.objects.select_for_update().select_related("agency").get(pk=user.pk)
        roles_fit(user.agency, wanted)
        before = {Role(name) for name in user.groups.filter(name__in=[r.value for r in Role])
                  .values_list("name", flat=True)}
        if before != wanted:
            user.groups.remove(*Group.objects.filter(name__in=[r.value for r in before - wanted]))
            user.groups.add(*Group.objects.filter(name__in=[r.value for r in wanted - before]))
        is_staff = Role.ADMIN in wanted
        if user.is_staff != is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=is_staff)
            user_changed(user.pk)  # no save() signal: what is cached about them is read again (mash.principal)
        if before != wanted:
            audit_record(actor=actor, action=UserAction.ROLES_CHANGED, target=user,
                         changes={"before": sorted(before), "after": sorted(wanted)})
    user._mash_roles = None
    return wanted


def user_active_set(*, actor: User, user: User, active: bool) -> None:
    """Deactivate (or reactivate) an account: a deactivated user cannot sign in, and their sessions stop working."""
    _may_manage(actor, user, "is_active")
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk).exclude(is_active=active).update(is_active=active)
        if changed:
            user_changed(user.pk)  # their sessions stop working at once (mash.principal)
            audit_record(actor=actor, action=UserAction.ACTIVATED if active else UserAction.DEACTIVATED,
                         target=user)


def user_password_set(*, actor: User, user: User, password: str) -> None:
    """Set a new password for someone else (they forgot theirs). Not one's own (the person changes their own), not
    a break-glass account. The password never reaches the audit row."""
    _may_manage(actor, user, "password1")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(errors=[("password1", message) for message in error.messages]) from error
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, action=UserAction.PASSWORD_RESET, target=user)


def user_created(*, actor: User, user: User) -> None:
    audit_record(actor=actor, action=UserAction.CREATED, target=user,
                 changes={"username": user.username, "agency": user.agency_id})
