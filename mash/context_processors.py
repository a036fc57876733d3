from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from . import session_timeout, site
from .access import primary_role


def service(request):
    user = getattr(request, "user", None)
    # Signed in with a password but no code yet (mash.mfa): no navigation, as if signed out.
    verified = user is not None and user.is_authenticated and getattr(user, "is_verified", lambda: True)()
    role = primary_role(user) if verified else None
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    items = [
        {"href": reverse(item.url_name), "text": item.label, "current": item.url_name == current,
         "notifications": item.url_name == "notifications"}
        for item in site.navigation_for(role)
    ]
    box = site.search_for(role)
    # Not on the search page itself, which has its own box.
    search = {"href": reverse(box.url_name), "label": box.label, "hint": box.hint} if (
        box and current != box.url_name) else None
    if verified and user.is_staff:
        items.append({"href": reverse("admin:index"), "text": "Administration", "current": False})
    return {
        "council_name": settings.COUNCIL_NAME,
        "service_name": settings.SERVICE_NAME,
        "user_role": role,
        "nav_items": items,
        "site_search": search,
        "demo_mode": settings.DEMO_MODE,
        "poll_seconds": settings.POLL_SECONDS,
        # Only on pages that show the header: from the cache while the user's inbox is unchanged (mash.notify).
        "unread_notifications": SimpleLazyObject(lambda: _unread(request, user)),
        # The idle timeout, counted from this request (includes/session_timeout.html).
        "session_timeout_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "session_timeout_warning_seconds": settings.SESSION_TIMEOUT_WARNING_SECONDS,
        "session_expiry": SimpleLazyObject(session_timeout.expiry_json),
    }


def _unread(request, user) -> int:
    from .notify import unread_count

    return unread_count(user, getattr(request, "mash_versions", None)) if user is not None else 0
