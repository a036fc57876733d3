"""What retention shows on other apps' pages, for managers: the legal holds in force on a contact (or on anyone
named on it) and on a person, and a form to place one. Registered with `mash.site.add_panel` from
RetentionConfig.ready, so contacts imports nothing of retention."""

from django.db.models import Q
from django.urls import reverse

from mash.access import Role, has_role

from .models import LegalHold


def _active():
    return LegalHold.objects.filter(lifted_at__isnull=True).select_related("placed_by").order_by("placed_at", "id")


def contact_panel(request, contact) -> dict | None:
    if not has_role(request.user, Role.MANAGER):
        return None
    holds = list(_active().filter(Q(contact=contact) | Q(person__subject_of__contact=contact)))
    return {"holds": holds, "reference": contact.reference, "place_url": reverse("retention:holds"),
            "holds_url": reverse("retention:holds")}


def person_panel(request, person) -> dict | None:
    if not has_role(request.user, Role.MANAGER):
        return None
    return {"holds": list(_active().filter(person=person)), "person": person,
            "place_url": reverse("retention:hold_person", args=[person.pk]), "holds_url": reverse("retention:holds")}
