"""Reads for contacts. Each takes the requesting user and applies the access rules itself."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from mash.access import MASH_ROLES, is_mash_staff

from . import matching
from .codes import CHILD_ROLES, ContactState, RatingDecision
from .models import Contact, ContactSubject, Person, Rating, ThresholdDocument

SCREENER_STATES = [ContactState.AWAITING_SCREENING]
MANAGER_STATES = [ContactState.AWAITING_APPROVAL, ContactState.AWAITING_OUTCOME]


def contacts_visible_to(user) -> QuerySet[Contact]:
    """MASH staff see contacts; restricted ones only with an explicit grant (not yet built: none are restricted)."""
    if not is_mash_staff(user):
        return Contact.objects.none()
    return Contact.objects.filter(restricted=False)


def ratings_visible_to(user) -> QuerySet[Rating]:
    """The ratings on contacts the user may see (the at-risk board and escalations of approval clocks)."""
    return Rating.objects.filter(contact__in=contacts_visible_to(user))


def people_visible_to(user) -> QuerySet[Person]:
    if not is_mash_staff(user):
        return Person.objects.none()
    return Person.objects.all()


def get_contact_for_user(user, reference: str) -> Contact:
    """The access getter every contact view calls first: outsiders get 404."""
    contact = (
        contacts_visible_to(user)
        .select_related("created_by", "assigned_screener", "screening__level", "screening__threshold_document",
                        "outcome__receiving_team__agency", "outcome__decided_by", "screening__screened_by")
        .prefetch_related(
            Prefetch("subjects", queryset=ContactSubject.objects.select_related(
                "person__allocated_worker", "person__allocated_team")),
            Prefetch("ratings", queryset=Rating.objects.select_related("proposed_by", "decided_by", "level")),
            "screening__criteria",
        )
        .filter(reference=reference)
        .first()
    )
    if contact is None:
        raise Http404("No contact found")
    return contact


def get_person_for_user(user, pk: int) -> Person:
    person = people_visible_to(user).select_related("allocated_worker", "allocated_team", "merged_into").filter(
        pk=pk).first()
    if person is None:
        raise Http404("No person found")
    return person


def active_threshold_document() -> ThresholdDocument | None:
    return ThresholdDocument.objects.filter(active=True).first()


def pending_rating(contact: Contact) -> Rating | None:
    return next((r for r in contact.ratings.all() if r.decision == RatingDecision.PENDING), None)


@dataclass
class ChildHistory:
    subject: ContactSubject
    previous: list[ContactSubject] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.previous)


def history_at_a_glance(contact: Contact) -> list[ChildHistory]:
    """Each child's contacts in the 12 months before this one, with their outcomes. One query."""
    children = [s for s in contact.subjects.all() if s.role in CHILD_ROLES]
    rows = (
        ContactSubject.objects.filter(
            person_id__in=[s.person_id for s in children],
            contact__received_at__gt=contact.received_at - timedelta(days=365),
        )
        .exclude(contact_id=contact.pk)
        .select_related("contact", "contact__outcome")
        .order_by("-contact__received_at")
    )
    by_person: dict[int, list[ContactSubject]] = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    return [ChildHistory(subject=s, previous=by_person.get(s.person_id, [])) for s in children]


def match_candidates(contact: Contact, *, user) -> dict[int, list[matching.Candidate]]:
    """For each person on an open contact, others who may be the same person (shown, never merged)."""
    on_contact = tuple(s.person_id for s in contact.subjects.all())
    result = {}
    for subject in contact.subjects.all():
        p = subject.person
        found = matching.find_candidates(
            user=user, first_name=p.first_name, last_name=p.last_name, date_of_birth=p.date_of_birth,
            nhs_number=p.nhs_number, postcode=p.postcode, exclude_ids=on_contact,
        )
        if found:
            result[subject.person_id] = found
    return result


def mash_screeners():
    return get_user_model().objects.filter(groups__name__in=[role.value for role in MASH_ROLES],
                                           is_active=True).distinct().order_by("first_name", "last_name")


def contact_queue(*, user, states, filters: dict | None = None, page: int | str = 1, per_page: int = 25):
    """One page of a work queue: soonest deadline first, so overdue contacts lead.

    Queries: the count, the page of contacts, the page's subjects with their people.
    """
    filters = filters or {}
    qs = contacts_visible_to(user).filter(state__in=states)
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("brag"):
        qs = qs.filter(rating=filters["brag"])
    if filters.get("screener"):
        qs = qs.filter(assigned_screener=filters["screener"])
    if filters.get("overdue"):
        qs = qs.filter(due_at__lte=timezone.now(), met_at__isnull=True)
    if filters.get("repeat"):
        qs = qs.filter(repeat_flag=True)
    if filters.get("returned_to"):
        qs = qs.filter(returned_to_screener=True, assigned_screener=filters["returned_to"])
    qs = (
        qs.order_by("due_at", "id")
        .select_related("assigned_screener")
        .only(
            "id", "reference", "received_at", "referrer_name", "referrer_organisation", "channel",
            "state", "due_at", "warn_at", "met_at", "warned_at", "breached_at", "clock_stage", "rating",
            "repeat_flag", "returned_to_screener",
            "assigned_screener__id", "assigned_screener__first_name", "assigned_screener__last_name",
            "assigned_screener__username",
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
    return Paginator(qs, per_page).get_page(page)
