"""Who is asking, read once for each version of it rather than on every request.

Every page needs the signed-in user, the second factor their session gave (django-otp's device), their roles and
their permissions: five queries (the user, the device, the groups, the user's and the groups' permissions) and a
sixth for the agency named in the header (and a seventh for the unread count beside "Notifications", kept
under the version of "inbox:<id>" by mash.notify). Here they are kept in the cache under the versions of two scopes
(mash.Stamp): "user:<id>" (the user's row, groups, own permissions and devices) and "roles" (what each group
grants, and the agencies), so a request reads them with one indexed query on the versions and a cache read.

The versions are what makes this safe with any cache, a shared Redis or one per process: an entry is never
invalidated, it is simply never asked for again once a version rises. A version rises in the transaction that
changes the rows (not after it, as the pages' versions do), so the new version and the new rows are committed
together: nobody can read the new version and then the old rows. What raises them:

- any save or delete of a user, and a change to their groups or own permissions (signals);
- `QuerySet.update` of users, which sends no signal: the service that does it calls `user_changed`;
- any save or delete of a second-factor device (each verification saves one);
- a group's permissions changing, a group saved or deleted, an agency saved ("roles").

And on every request, whatever the cache says: the session must still exist (signed out, idle or past its absolute
lifetime: no user), and its password hash must match the user's (a password changed elsewhere signs it out), as
Django's own `get_user` checks. Anything unexpected (another authentication backend, a hash that does not match)
goes through Django's `get_user`, uncached.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

ROLES = "roles"
INBOX = "inbox:{}"  # a user's notifications: the unread count in the header (mash.notify.unread_count)
CACHE_SECONDS = 600
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def user_scope_of(user_id) -> str:
    return f"user:{user_id}"


def inbox_scope_of(user_id) -> str:
    return INBOX.format(user_id)


# --- versions raised --------------------------------------------------------------------------------------------


def bump(*keys: str) -> None:
    """Raise these scopes' versions now, in the transaction making the change (see the module's docstring)."""
    from .polling import _bump_now

    _bump_now(tuple(sorted(set(keys))))


def user_changed(user_id) -> None:
    """A user's row changed without a save() (QuerySet.update): what is cached about them is stale."""
    bump(user_scope_of(user_id))


def _user_saved(sender, instance, **kwargs) -> None:
    user_changed(instance.pk)


def _user_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        user_changed(instance.pk)
    elif pk_set:
        bump(*(user_scope_of(pk) for pk in pk_set))


def _device_changed(sender, instance, **kwargs) -> None:
    user_changed(instance.user_id)


def _roles_changed(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        bump(ROLES)


def connect() -> None:
    """Connect the signals that raise the versions (MashConfig.ready)."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from django_otp.models import Device

    user_model = get_user_model()
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="mash.principal.user_saved")
    post_delete.connect(_user_saved, sender=user_model, dispatch_uid="mash.principal.user_deleted")
    m2m_changed.connect(_user_m2m_changed, sender=user_model.groups.through, dispatch_uid="mash.principal.groups")
    m2m_changed.connect(_user_m2m_changed, sender=user_model.user_permissions.through,
                        dispatch_uid="mash.principal.user_permissions")
    m2m_changed.connect(_roles_changed, sender=Group.permissions.through, dispatch_uid="mash.principal.group_perms")
    post_save.connect(_roles_changed, sender=Group, dispatch_uid="mash.principal.group_saved")
    post_delete.connect(_roles_changed, sender=Group, dispatch_uid="mash.principal.group_deleted")
    agency = user_model._meta.get_field("agency").related_model
    post_save.connect(_roles_changed, sender=agency, dispatch_uid="mash.principal.agency_saved")
    from guardian.models import UserObjectPermissionBase

    for model in apps.get_models():
        if issubclass(model, UserObjectPermissionBase):
            # A per-record grant (django-guardian: a restricted record opened to a named person) changes what they
            # may see: what was drawn for them before it is not what they see now.
            post_save.connect(_device_changed, sender=model, dispatch_uid=f"mash.principal.grant.{model._meta.label}")
            post_delete.connect(_device_changed, sender=model,
                                dispatch_uid=f"mash.principal.grant_deleted.{model._meta.label}")
        if issubclass(model, Device):
            post_save.connect(_device_changed, sender=model, dispatch_uid=f"mash.principal.device.{model._meta.label}")
            post_delete.connect(_device_changed, sender=model,
                                dispatch_uid=f"mash.principal.device_deleted.{model._meta.label}")


# --- reading the user ---------------------------------------------------------------------------------------------


def _keys(user_id, versions: dict[str, int], session_hash: str, device_id: str | None) -> tuple[str, str | None]:
    """The cache keys of a user and their session's device. The device's carries the session's password hash too,
    so it is only ever found beside the very user row it was read with (not one with the same id in another
    database that shares the cache: a restored backup, a parallel test run)."""
    tag = f"{user_id}:{versions[user_scope_of(user_id)]}:{versions[ROLES]}"
    device_key = f"mash.principal.device:{tag}:{session_hash[:20]}:{device_id}" if device_id and session_hash else None
    return f"mash.principal:{tag}", device_key


def _prime(user) -> None:
    """Read now what the request would read later, so the cached copy carries it: roles, permissions, agency."""
    from .access import user_roles

    user_roles(user)
    user.get_all_permissions()  # fills ModelBackend's _perm_cache, _user_perm_cache and _group_perm_cache
    _ = user.agency


def get_user(request):
    """The request's user, as django.contrib.auth.get_user returns it, from the cache while its versions stand."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from .polling import stamp_versions

    session = request.session
    user_model = auth.get_user_model()
    try:
        user_id = user_model._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValueError):
        return auth.get_user(request)
    if backend_path != MODEL_BACKEND or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    # With the versions the header's unread count is kept under (mash.notify.unread_count), and those of the page's
    # own scopes when it refreshes itself (mash.polling.poll_etag) or keeps parts drawn under them (mash.polling.part,
    # e.g. a contact page's panels): one query for them all.
    match = getattr(request, "resolver_match", None)
    scopes = getattr(match.func, "poll_scopes", None) if match is not None else None
    if callable(scopes):  # the scopes of one record's page (e.g. a contact's: its reference's)
        page_keys = list(scopes(request, *match.args, **match.kwargs))
    else:
        page_keys = list(scopes) if isinstance(scopes, (list, tuple)) else []
    versions = stamp_versions([user_scope_of(user_id), ROLES, inbox_scope_of(user_id), *page_keys])
    request.mash_versions = versions
    session_hash = session.get(HASH_SESSION_KEY) or ""
    user_key, device_key = _keys(user_id, versions, session_hash, session.get(DEVICE_ID_SESSION_KEY))
    found = cache.get_many([k for k in (user_key, device_key) if k])
    user = found.get(user_key)
    # Django's check, on every request: the session was made with the user's current password.
    if user is not None and session_hash and constant_time_compare(session_hash, user.get_session_auth_hash()):
        request.mash_device = (device_key, found.get(device_key) if device_key else None)
        return user
    user = auth.get_user(request)  # the database, and Django's own checks (it may end the session)
    if user.is_authenticated and user.pk == user_id:
        _prime(user)
        cache.set(user_key, user, CACHE_SECONDS)
        request.mash_device = (device_key, None)
    return user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """django.contrib.auth's, reading the user through `get_user` (the cache) on synchronous requests."""

    def process_request(self, request):
        super().process_request(request)

        def user():
            if not hasattr(request, "_cached_user"):
                request._cached_user = get_user(request)
            return request._cached_user

        request.user = SimpleLazyObject(user)


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's, reading the session's device from the cache under the user's versions (a device saved or
    deleted raises them). django-otp's own checks still apply: the device is the user's and confirmed."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            from django_otp import DEVICE_ID_SESSION_KEY

            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = self._cached_device(request, persistent_id) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user

    def _cached_device(self, request, persistent_id: str):
        key, device = getattr(request, "mash_device", (None, None))
        wanted = self._normalize_persistent_id(persistent_id)
        if device is not None and device.persistent_id == wanted:
            return device
        device = self._device_from_persistent_id(persistent_id)
        if key and device is not None:
            cache.set(key, device, CACHE_SECONDS)
        return device
