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
