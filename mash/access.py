"""Roles and the checks every view makes first.

Roles are Django groups carrying model permissions (set up by `agencies.roles`). Views check a
permission (403 for someone signed in without it); record getters scope by the user and raise 404
for an outsider, so nobody learns that a record exists.
"""

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


def user_roles(user) -> set[Role]:
    if not user.is_authenticated:
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


def require_perms(*perms: str):
    """View decorator: signed-in users without every permission get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
