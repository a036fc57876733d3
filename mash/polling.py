"""Refreshes that cost nothing when nothing changed, and that are not a person.

Queues and boards refresh themselves with htmx every POLL_SECONDS. The polling element sends two headers
(`poll_headers` writes them): `MASH-Poll: background`, and `If-None-Match` with the version the page was drawn
from. The view's `@polled(keys)` decorator reads the versions of its scopes (one query on `mash.Stamp`'s primary
key) into an ETag of the user, the address and those versions; when it matches, it answers 204 No Content to
htmx (which then leaves the page alone: no swap, no focus moved) or 304 Not Modified to any other client, without
running the view. Otherwise the view draws the page as usual, with the ETag.

A scope's version is raised after each commit that changes it (`stamp_bump`, on commit, once a transaction):
apps bump their own scopes (contacts: "contacts" for any save of a contact, its people, ratings, screening or
outcome, and one contact's, one person's and one match key's own scopes for the pages kept drawn: contacts.stamps);
the kernel bumps "deadlines" for every save of a registered clocked model, each sweep batch and each acknowledged
breach, and "user:<id>" when a user's groups, devices or per-record grants change (an app that changes what a user
may see bumps it too).

A background poll is not a person: it never extends the session (SessionActivityMiddleware marks the session
for saving only on a person's own requests), so an idle session ends on time with a queue open. When the session
has ended, a poll sends the browser to the sign-in page (HX-Redirect) rather than drawing it inside the queue.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import quote_etag

POLL_HEADER = "MASH-Poll"
BACKGROUND = "background"


# --- versions ---------------------------------------------------------------------------------------------------


def _bump_now(keys: tuple[str, ...]) -> None:
    from .models import Stamp

    quote = connection.ops.quote_name
    table, key, version = quote(Stamp._meta.db_table), quote("key"), quote("version")
    # An upsert both databases speak (PostgreSQL, and SQLite from 3.24): one statement a scope. The names are the
    # model's, quoted; the scope is a parameter. A version rises to the microseconds since the epoch (or by one, if
    # that is not higher): a version raised in a transaction that then rolled back is never handed out again, so
    # nothing cached under it (mash.principal caches under versions raised in the changing transaction) can be
    # read for a later, different change.
    statement = (f"INSERT INTO {table} ({key}, {version}) VALUES (%s, %s) "  # noqa: S608
                 f"ON CONFLICT ({key}) DO UPDATE SET {version} = CASE WHEN {table}.{version} + 1 > %s "
                 f"THEN {table}.{version} + 1 ELSE %s END")
    with connection.cursor() as cursor:
        for key in keys:
            now = time.time_ns() // 1000
            cursor.execute(statement, [key, now, now, now])


def stamp_bump(*keys: str) -> None:
    """Raise the versions of these scopes once the current transaction commits (at once outside one), once per
    transaction and scope however often it is asked. After the commit, so a refresh that sees the new version
    also sees the change."""
    if changes_pending():
        connection._mash_stamps_pending[0].update(keys)
        return
    wanted: set[str] = set(keys)

    def bump() -> None:
        connection._mash_stamps_pending = None
        _bump_now(tuple(sorted(wanted)))

    connection._mash_stamps_pending = (wanted, bump)
    transaction.on_commit(bump, robust=True)


def changes_pending() -> bool:
    """Whether this connection's open transaction changed something whose scopes' versions are raised only at its
    commit: what it draws now must not be kept (nor served from what was kept) under the versions before it."""
    pending = getattr(connection, "_mash_stamps_pending", None)
    return connection.in_atomic_block and pending is not None and any(
        func is pending[1] for _, func, _ in connection.run_on_commit)


def stamp_versions(keys: Iterable[str]) -> dict[str, int]:
    """The current version of each scope (0 for one never bumped). One query."""
    from .models import Stamp

    keys = list(keys)
    found = dict(Stamp.objects.filter(key__in=keys).values_list("key", "version"))
    return {key: found.get(key, 0) for key in keys}


def user_scope(user) -> str:
    return f"user:{user.pk}"


# --- requests -----------------------------------------------------------------------------------------------------


def is_background_poll(request) -> bool:
    """A refresh the page asked for by itself (htmx polling), not something the person did."""
    return request.headers.get(POLL_HEADER) == BACKGROUND and request.headers.get("HX-Request") == "true"


def etag_for(user_id, path: str, versions: dict[str, int], device_id: str = "") -> str:
    """The version of what a page shows: signed (HMAC with the SECRET_KEY) over its user, the second factor their
    session gave, its address and its scopes' versions, so only the server can make one. It is given only with a
    page drawn after every access check (`polled`), and the user's scopes are among its versions ("user:<id>":
    their row, groups, devices; "roles": what the roles grant): one that still matches shows that this user passed
    those checks and that nothing they depend on has changed since. Quoted, as an ETag header carries it."""
    raw = "|".join([str(user_id or ""), path, device_id or "", *(f"{k}={v}" for k, v in sorted(versions.items()))])
    return quote_etag(salted_hmac("mash.polling.etag", raw, algorithm="sha256").hexdigest()[:24])


def _user_keys(user_id) -> list[str]:
    from .principal import ROLES, user_scope_of

    return [user_scope_of(user_id), ROLES]


def _versions(request, keys: list[str]) -> dict[str, int]:
    """The versions of `keys`: as read with the user this request (mash.principal), or in one query."""
    read = getattr(request, "mash_versions", None) or {}
    return {key: read[key] for key in keys} if all(key in read for key in keys) else stamp_versions(keys)


def poll_etag(request, keys: Iterable[str]) -> str:
    """The version of what `request` would draw (`etag_for`): one query, or none when the versions were read with
    the user this request (mash.principal reads the page's scopes with the user's own)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    keys = [*keys, *_user_keys(user.pk)] if signed_in else list(keys)
    device_id = request.session.get(DEVICE_ID_SESSION_KEY, "") if signed_in else ""
    versions = _versions(request, keys)
    return etag_for(user.pk if signed_in else "", request.get_full_path(), versions, device_id)


def polled(keys: Iterable[str] | Callable[..., Iterable[str]], *, allowed: Callable | None = None):
    """View decorator: answer an unchanged poll without running the view.

    Put it under the view's access checks; or above them with `allowed(user)`, a check of the same access that
    costs less (the user's roles, one query, rather than their permissions, two): an unchanged poll is answered
    only to a user it allows, and everything else goes through the view and its own checks.

    `keys` are the scopes the page draws from (or a callable taking the view's arguments that returns them).
    Every successful response of the view carries the ETag and is not cached; the view and its template find the
    ETag in `request.poll_etag` (`poll_attributes` puts it in the polling element's headers). An unchanged
    background poll is normally answered before any of this, by `UnchangedPollMiddleware` (the view's scopes are
    `poll_scopes` on the view).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            scopes = keys(request, *args, **kwargs) if callable(keys) else keys
            etag = poll_etag(request, scopes)
            permitted = allowed is None or allowed(request.user)
            if permitted and request.headers.get("If-None-Match") == etag:
                # htmx swaps a 304's empty body into the page; 204 is its "leave the page alone".
                response = HttpResponse(status=204) if request.headers.get("HX-Request") == "true" else (
                    HttpResponseNotModified())
            else:
                request.poll_etag = etag
                response = view(request, *args, **kwargs)
                if response.status_code not in (200, 400):
                    return response
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, ["HX-Request"])
            return response

        wrapped.poll_scopes = keys
        return wrapped

    return decorator


# --- drawing a refreshing region once a version and a minute ------------------------------------------------------


def _kept(key: str, draw: Callable[[], str]) -> str:
    """The HTML kept in the cache under `key`, drawn by `draw()` and kept for POLL_REGION_CACHE_SECONDS if missing.
    Drawn afresh, and not kept, while this connection's transaction holds changes not yet committed (their versions
    are raised at the commit)."""
    from django.core.cache import cache

    if changes_pending():
        return draw()
    html = cache.get(key)
    if html is None:
        html = draw()
        cache.set(key, html, settings.POLL_REGION_CACHE_SECONDS)
    return html


def region(request, name: str, draw: Callable[[], str]) -> str:
    """The HTML of a page's refreshing region, drawn by `draw()` at most once for each version of what it shows
    (the request's ETag: user, address, scopes' versions), each minute (the clocks' words count minutes) and each
    CSRF secret (its forms carry the token), then served from the cache for POLL_REGION_CACHE_SECONDS: a queue
    opened again, or by a refresh that found something new elsewhere in its scopes, costs a cache read."""
    import time

    from django.middleware.csrf import get_token

    get_token(request)
    etag = getattr(request, "poll_etag", "")
    if not etag or not settings.POLL_REGION_CACHE_SECONDS:
        return draw()  # 0: no region cache at all
    secret = hashlib.blake2b(request.META.get("CSRF_COOKIE", "").encode(), digest_size=8).hexdigest()
    key = f"mash.region:{name}:{etag.strip(chr(34))}:{int(time.time() // 60)}:{secret}"
    return _kept(key, draw)


def part(request, name: str, scopes: Iterable[str], draw: Callable[[], str], *, vary: str = "") -> str:
    """The HTML of a part of a page (e.g. a panel on a contact's page), drawn by `draw()` at most once for each version
    of what it is drawn from (`scopes`, and the user's own: their row, groups, roles), for each second factor and CSRF
    secret (its forms carry the token), then served from the cache for POLL_REGION_CACHE_SECONDS: the page opened
    again costs a cache read for that part. The versions come with the user's, read at the start of the request
    (mash.principal reads a page's `poll_scopes`), or in one query. `vary`: whatever else the part is drawn from that
    no scope's version covers (configuration read from the cache; the minute, for a part showing clocks). Nothing else
    in the part may depend on the time. Never kept, nor served from the cache, while this connection's transaction
    holds changes not yet committed (`changes_pending`)."""
    from django.middleware.csrf import get_token
    from django_otp import DEVICE_ID_SESSION_KEY

    get_token(request)
    if not settings.POLL_REGION_CACHE_SECONDS:
        return draw()
    user = request.user
    keys = [*scopes, *_user_keys(user.pk)]
    versions = _versions(request, keys)
    etag = etag_for(user.pk, f"{connection.settings_dict['NAME']}:{name}", versions,
                    request.session.get(DEVICE_ID_SESSION_KEY, ""))
    secret = hashlib.blake2b(f"{request.META.get('CSRF_COOKIE', '')}|{vary}".encode(), digest_size=8).hexdigest()
    key = f"mash.part:{name}:{etag.strip(chr(34))}:{secret}"
    return _kept(key, draw)


# --- middleware ---------------------------------------------------------------------------------------------------


class UnchangedPollMiddleware:
    """A background poll that finds nothing new is answered here, right after the session is read: 204 from the
    session and one query on the versions, before authentication, the second factor, the view and its access
    checks. Safe because the poll's If-None-Match must be an ETag the server signed (`etag_for`) for this user, this
    second factor, this address and the current versions of the page's scopes and of the user's own ("user:<id>":
    their row, groups and devices; "roles"). The server gives one only with a page drawn after every check, so a
    match means the user passed them and nothing they depend on has changed since. The session must still be
    signed in, with a second factor, within its absolute lifetime (mash.session_timeout). Anything else (no
    session, another address, a change, a person's own request) goes on through the usual way.

    Goes right after SessionMiddleware. Never saves the session: a background poll is not a person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        etag = request.headers.get("If-None-Match")
        if etag and request.method == "GET" and is_background_poll(request):
            response = self.unchanged(request, etag)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def unchanged(request, etag: str) -> HttpResponse | None:
        import time

        from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
        from django.urls import Resolver404, resolve
        from django_otp import DEVICE_ID_SESSION_KEY

        from .session_timeout import SIGNED_IN_AT

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        scopes = getattr(match.func, "poll_scopes", None)
        session = request.session
        user_id, device_id = session.get(SESSION_KEY), session.get(DEVICE_ID_SESSION_KEY)
        began = session.get(SIGNED_IN_AT)
        if scopes is None or not user_id or not device_id or not session.get(HASH_SESSION_KEY) or began is None:
            return None
        if time.time() - began >= settings.SESSION_ABSOLUTE_HOURS * 3600:
            return None
        scopes = scopes(request, *match.args, **match.kwargs) if callable(scopes) else scopes
        versions = stamp_versions([*scopes, *_user_keys(user_id)])
        if not constant_time_compare(etag_for(user_id, request.get_full_path(), versions, device_id), etag):
            return None
        response = HttpResponse(status=204)  # htmx's "leave the page alone"
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache, no-store"
        patch_vary_headers(response, ["HX-Request", "Cookie"])
        return response


class SessionActivityMiddleware:
    """Only a person's own requests keep their session alive (SESSION_SAVE_EVERY_REQUEST is off: this has the
    session saved, and so its idle expiry moved on, for a person's request, never for a background poll). A poll that
    finds the session ended is sent to sign in as a whole page (HX-Redirect), never drawn inside the queue.

    Goes right after SessionMiddleware, before authentication (whose sign-in redirect it rewrites for htmx)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_background_poll(request):
            self.touch(request.session)
        response = self.get_response(request)
        if request.headers.get("HX-Request") == "true" and response.status_code == 302:
            login = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").split("?")[0] == login:
                current = request.headers.get("HX-Current-URL", "")
                redirect = HttpResponse(status=204)
                redirect["HX-Redirect"] = response["Location"].split("?")[0] + (
                    f"?next={_path_of(current)}" if current else "")
                return redirect
        return response


    @staticmethod
    def touch(session) -> None:
        """A person's request moves a signed-in session's idle expiry on: saved (a write) at most once every
        SESSION_TOUCH_SECONDS, so a busy person does not cost a write a page, and the idle timeout holds to
        within that (a session ends between SESSION_COOKIE_AGE less SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE
        after the person's last request). A session nobody signed in to is left alone (no row made for it)."""
        import time

        from django.contrib.auth import SESSION_KEY

        if SESSION_KEY not in session:
            return
        now = int(time.time())
        if now - session.get(TOUCHED, 0) >= settings.SESSION_TOUCH_SECONDS:
            session[TOUCHED] = now


TOUCHED = "mash.touched"


def _path_of(url: str) -> str:
    from urllib.parse import quote, urlsplit

    parts = urlsplit(url)
    return quote(parts.path + (f"?{parts.query}" if parts.query else ""), safe="/")


def poll_attributes(request, url: str | None = None) -> str:
    """The htmx attributes of a polling element (escaped, for a template): fetch `url` (the page's own address)
    every POLL_SECONDS and swap it in, sending the background-poll header and the version drawn."""
    import json

    from django.utils.html import format_html

    headers = {POLL_HEADER: BACKGROUND}
    etag = getattr(request, "poll_etag", "")
    if etag:
        headers["If-None-Match"] = etag
    return format_html('hx-get="{}" hx-trigger="every {}s" hx-swap="outerHTML" hx-headers="{}"',
                       url or request.get_full_path(), settings.POLL_SECONDS, json.dumps(headers))
