"""The idle timeout, as the person sees it: when their session ends, and a way to stay signed in.

A session lasts SESSION_IDLE_TIMEOUT_MINUTES after the person's own last request. Each full page says when
that is (`expires_in`, rendered into the page by includes/session_timeout.html), and static/js/timeout.js
warns SESSION_TIMEOUT_WARNING_SECONDS before it, GOV.UK-style, with a button to stay signed in (which posts to
`keep_alive`). Background refreshes (htmx polls) are not the person's requests: they neither re-render the
page nor, once polls stop extending the session, move the expiry.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST


def idle_timeout() -> timedelta:
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def expires_at(now: datetime | None = None) -> datetime:
    """When a session touched now ends if nothing else happens."""
    return (now or timezone.now()) + idle_timeout()


def expiry_json(now: datetime | None = None) -> dict:
    """What a script needs to count down: the end as a time, and as seconds from now (no clock skew)."""
    return {"expires_at": expires_at(now).isoformat(), "expires_in": int(idle_timeout().total_seconds())}


@require_POST
def keep_alive(request):
    """'Stay signed in': the person asked, so this request counts as their activity and the session starts
    its idle time again. (Signed out already: LoginRequiredMiddleware sends them to sign in.)"""
    request.session.modified = True
    return JsonResponse(expiry_json())


# --- the absolute lifetime, and pages no browser keeps ------------------------------------------------------------

SIGNED_IN_AT = "mash.signed_in_at"


def mark_signed_in(sender, request, user, **kwargs) -> None:
    """On every sign-in (user_logged_in): when this session began, for the absolute lifetime."""
    import time

    request.session[SIGNED_IN_AT] = int(time.time())


class AbsoluteLifetimeMiddleware:
    """However busy the person, a session ends SESSION_ABSOLUTE_HOURS after they signed in: signed out here, then
    sent to sign in by LoginRequiredMiddleware (a background refresh by HX-Redirect, as for the idle timeout). A
    session from before this rule has its start taken as now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib.auth import SESSION_KEY, logout

        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            began = session.get(SIGNED_IN_AT)
            if began is None:
                from .polling import is_background_poll

                if not is_background_poll(request):  # a refresh never saves the session (mash.polling)
                    session[SIGNED_IN_AT] = now
            elif now - began >= settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and private) on every response the app draws, so no page a person saw (a child's
    record, a queue) stays in a browser's or a proxy's cache after they sign out. Static files are served before
    this (whitenoise) and keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
