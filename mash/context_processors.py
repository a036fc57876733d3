from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from .access import Role, primary_role

# Navigation per role: (url name, label). Everyone with a role also gets "Notifications" (see below).
NAVIGATION = {
    Role.SCREENER: [("contacts:queue", "Screening queue"), ("contacts:new", "Record a contact"),
                    ("at_risk", "At risk")],
    Role.MANAGER: [("contacts:queue", "Screening queue"), ("contacts:manager_queue", "Approvals and outcomes"),
                   ("contacts:new", "Record a contact"), ("at_risk", "At risk")],
    Role.PARTNER: [("enquiries:inbox", "Information requests")],
    Role.ADMIN: [],
}
EVERYONE = [("notifications", "Notifications")]


def service(request):
    user = getattr(request, "user", None)
    role = primary_role(user) if user is not None else None
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    items = [
        {"href": reverse(name), "text": text, "current": name == current}
        for name, text in [*NAVIGATION.get(role, []), *(EVERYONE if role is not None else [])]
    ]
    if user is not None and user.is_authenticated and user.is_staff:
        items.append({"href": reverse("admin:index"), "text": "Administration", "current": False})
    return {
        "council_name": settings.COUNCIL_NAME,
        "service_name": settings.SERVICE_NAME,
        "user_role": role,
        "nav_items": items,
        "demo_mode": settings.DEMO_MODE,
        # One query, and only on pages that show the header.
        "unread_notifications": SimpleLazyObject(lambda: _unread(user)),
    }


def _unread(user) -> int:
    from .notify import unread_count

    return unread_count(user) if user is not None else 0
