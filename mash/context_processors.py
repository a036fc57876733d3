from django.conf import settings
from django.urls import reverse

from .access import Role, primary_role

# Navigation per role: (url name, label).
NAVIGATION = {
    Role.SCREENER: [("contacts:queue", "Screening queue"), ("contacts:new", "Record a contact")],
    Role.MANAGER: [("contacts:queue", "Screening queue"), ("contacts:new", "Record a contact")],
    Role.PARTNER: [("enquiries:inbox", "Information requests")],
    Role.ADMIN: [],
}


def service(request):
    user = getattr(request, "user", None)
    role = primary_role(user) if user is not None else None
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    items = [
        {"href": reverse(name), "text": text, "current": name == current}
        for name, text in NAVIGATION.get(role, [])
    ]
    if user is not None and user.is_authenticated and user.is_staff:
        items.append({"href": reverse("admin:index"), "text": "Administration", "current": False})
    return {
        "council_name": settings.COUNCIL_NAME,
        "service_name": settings.SERVICE_NAME,
        "user_role": role,
        "nav_items": items,
        "demo_mode": settings.DEMO_MODE,
    }
