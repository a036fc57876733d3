"""Reads for contacts. Each takes the requesting user and applies the access rules itself."""

from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from mash.access import Role, user_roles

from .codes import ContactState
from .models import Contact, ContactSubject

MASH_ROLES = {Role.SCREENER, Role.MANAGER}


def contacts_visible_to(user) -> QuerySet[Contact]:
    """MASH staff see contacts; restricted ones only with an explicit grant (issue: restricted records)."""
    if not user.is_authenticated or not (user_roles(user) & MASH_ROLES):
        return Contact.objects.none()
    return Contact.objects.filter(restricted=False)


def get_contact_for_user(user, reference: str) -> Contact:
    """The access getter every contact view calls first: outsiders get 404."""
    contact = (
        contacts_visible_to(user)
        .select_related("created_by", "assigned_screener")
        .prefetch_related(Prefetch("subjects", queryset=ContactSubject.objects.select_related("person")))
        .filter(reference=reference)
        .first()
    )
    if contact is None:
        raise Http404("No contact found")
    return contact


def contact_queue(*, user, state: str = ContactState.AWAITING_SCREENING, page: int | str = 1, per_page: int = 25):
    """One page of a work queue: soonest deadline first, so overdue contacts lead.

    Queries: the count, the page of contacts, the page's subjects with their people.
    """
    qs = (
        contacts_visible_to(user)
        .filter(state=state)
        .order_by("due_at", "id")
        .only(
            "id", "reference", "received_at", "referrer_name", "referrer_organisation", "channel",
            "state", "due_at", "warn_at", "met_at", "clock_stage",
        )
        .prefetch_related(
            Prefetch(
                "subjects",
                queryset=ContactSubject.objects.select_related("person").only(
                    "id", "contact_id", "role", "position",
                    "person__id", "person__first_name", "person__last_name",
                    "person__date_of_birth", "person__expected_date_of_birth",
                ),
            )
        )
    )
    paginator = Paginator(qs, per_page)
    return paginator.get_page(page)
