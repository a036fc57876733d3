"""Who may do what: the roles, and the checks every view makes first.

Roles are Django groups carrying model permissions. Each app says which of its permissions each role holds
(`grant`, from its AppConfig.ready); `sync_roles` keeps the groups in step after every migrate.

The conventions every app follows:
- a view's first line is an access getter or a decorator from here;
- a record getter scopes by the user and raises 404 for anyone who may not see the record (an outsider never
  learns that it exists): `get_object_or_404(<selector>(user), ...)`;
- someone who may see a page but not do this gets 403 (`require_role`, `require_perms`, `deny_unless`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied


class Role(StrEnum):
    SCREENER = "screener"
    MANAGER = "manager"
    PARTNER = "partner"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "screener": "Screening social worker",
            "manager": "MASH manager",
            "partner": "Agency partner",
            "admin": "Administrator",
        }[self.value]


# The order decides a user's main role when they hold several.
ROLE_ORDER = [Role.MANAGER, Role.SCREENER, Role.ADMIN, Role.PARTNER]
# The social workers and managers of the hub itself: they see contacts; partners see only what is asked of them.
MASH_ROLES = frozenset({Role.SCREENER, Role.MANAGER})


def user_roles(user) -> set[Role]:
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_mash_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        user._mash_roles = cached
    return cached


def primary_role(user) -> Role | None:
    roles = user_roles(user)
    return next((role for role in ROLE_ORDER if role in roles), None)


def has_role(user, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def is_mash_staff(user) -> bool:
    """A screener or manager of the hub."""
    return bool(user_roles(user) & MASH_ROLES)


def deny_unless(allowed: bool) -> None:
    """403 unless `allowed`: for someone who may see the record but not do this to it."""
    if not allowed:
        raise PermissionDenied


def require_role(*roles: Role):
    """View decorator: signed-in users without one of these roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            deny_unless(has_role(request.user, *roles))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_perms(*perms: str):
    """View decorator: signed-in users without every permission get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            deny_unless(request.user.has_perms(perms))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- each role's permissions, granted by the apps that own them -------------------------------------------

_GRANTS: dict[Role, set[str]] = {role: set() for role in Role}


def grant(role: Role, perms: Iterable[str]) -> None:
    """Give `role` these permissions ("<app_label>.<codename>"). Apps call it from their AppConfig.ready."""
    _GRANTS[role].update(perms)


def role_permissions(role: Role) -> set[str]:
    return set(_GRANTS[role])


def sync_roles(**kwargs) -> None:
    """Make each role's group hold exactly the permissions granted to it (run after every migrate). A
    permission whose app is not migrated yet is skipped; the next migrate adds it."""
    from django.contrib.auth.models import Group, Permission

    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in sorted(_GRANTS[role]):
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
