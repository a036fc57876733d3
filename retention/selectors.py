"""Reads for retention: which closed contacts are past their rule, what is held, the managers' lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from contacts.codes import CHILD_ROLES, ContactState
from contacts.models import Contact, ContactSubject
from contacts.selectors import visible_through

from .codes import RecordKind, ReviewState, Trigger
from .models import DestructionLog, DestructionReview, LegalHold, RetentionRule

ADULT_AGE = 18


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February: 28 February in a year that has none)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def active_holds_on(contact_ids) -> QuerySet[LegalHold]:
    """Holds in force on these contacts, or on anyone named on them."""
    return LegalHold.objects.filter(lifted_at__isnull=True).filter(
        Q(contact_id__in=contact_ids)
        | Q(person_id__in=ContactSubject.objects.filter(contact_id__in=contact_ids).values("person_id")))


def is_held(contact: Contact) -> bool:
    return active_holds_on([contact.pk]).exists()


def _held() -> Exists:
    return Exists(LegalHold.objects.filter(lifted_at__isnull=True).filter(
        Q(contact_id=OuterRef("pk"))
        | Q(person_id__in=ContactSubject.objects.filter(contact_id=OuterRef(OuterRef("pk"))).values("person_id"))))


def rule_for(outcome_kind: str) -> RetentionRule | None:
    rules = {r.outcome: r for r in RetentionRule.objects.filter(record_kind=RecordKind.CONTACT, active=True)}
    return rules.get(outcome_kind) or rules.get("")


def due_on(rule: RetentionRule, *, closed_on: date, youngest_born: date | None) -> date:
    """When a contact's retention under `rule` ends."""
    start = closed_on
    if rule.trigger == Trigger.ADULTHOOD and youngest_born is not None:
        start = max(start, years_after(youngest_born, ADULT_AGE))
    return years_after(start, rule.years)


def contact_due_on(contact: Contact, outcome_kind: str) -> tuple[RetentionRule | None, date | None]:
    """The rule that applies to a closed contact now, and when its period ends (None, None: no active rule)."""
    rule = rule_for(outcome_kind)
    if rule is None or contact.closed_at is None:
        return rule, None
    youngest = (ContactSubject.objects.filter(contact=contact, role__in=CHILD_ROLES).order_by()
                .aggregate(born=Max("person__date_of_birth"))["born"])
    return rule, due_on(rule, closed_on=timezone.localdate(contact.closed_at), youngest_born=youngest)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def due_contacts(*, today: date | None = None, limit: int = 500) -> list[tuple[Contact, RetentionRule, date]]:
    """Closed contacts past their rule, not held and not already listed: (contact, rule, when it fell due), the
    longest overdue first, at most `limit`. Two queries per active rule."""
    today = today or timezone.localdate()
    rules = list(RetentionRule.objects.filter(record_kind=RecordKind.CONTACT, active=True))
    with_own_rule = [r.outcome for r in rules if r.outcome]
    found = []
    for rule in rules:
        contacts = Contact.objects.filter(state=ContactState.CLOSED,
                                          closed_at__lt=_start_of(years_after(today, -rule.years) + timedelta(1)))
        contacts = (contacts.filter(outcome__kind=rule.outcome) if rule.outcome
                    else contacts.exclude(outcome__kind__in=with_own_rule))
        if rule.trigger == Trigger.ADULTHOOD:
            born_after = years_after(today, -(ADULT_AGE + rule.years))
            contacts = contacts.exclude(Exists(ContactSubject.objects.filter(
                contact_id=OuterRef("pk"), role__in=CHILD_ROLES).filter(
                Q(person__date_of_birth__gte=born_after) | Q(person__expected_date_of_birth__gte=born_after))))
        contacts = list(contacts.exclude(Exists(DestructionReview.objects.filter(contact_id=OuterRef("pk"))))
                        .exclude(_held()).order_by("closed_at", "id")[:limit])
        # The youngest child of the few found (not an aggregate over every closed contact before the limit).
        youngest = dict(ContactSubject.objects.filter(contact__in=contacts, role__in=CHILD_ROLES)
                        .order_by().values("contact_id").annotate(born=Max("person__date_of_birth"))
                        .values_list("contact_id", "born"))
        for contact in contacts:
            closed_on = timezone.localdate(contact.closed_at)
            found.append((contact, rule, due_on(rule, closed_on=closed_on, youngest_born=youngest.get(contact.pk))))
    found.sort(key=lambda row: (row[2], row[0].pk))
    return found[:limit]


def reviews_visible_to(user) -> QuerySet[DestructionReview]:
    """Reviews of the contacts `user` may see: a restricted contact's review only for those granted it (the one
    restricted-record filter, contacts.selectors.visible_through)."""
    return DestructionReview.objects.filter(visible_through(user, "contact"))


def reviews_waiting(user) -> QuerySet[DestructionReview]:
    """The managers' list: reviews due or approved, the longest due first. Each row names its record by
    reference, outcome and dates only."""
    return (reviews_visible_to(user).exclude(state=ReviewState.KEPT)
            .select_related("contact", "contact__outcome", "rule", "approved_by")
            .annotate(held=_held_review())
            .order_by("due_on", "id"))


def _held_review() -> Exists:
    return Exists(LegalHold.objects.filter(lifted_at__isnull=True).filter(
        Q(contact_id=OuterRef("contact_id"))
        | Q(person_id__in=ContactSubject.objects.filter(contact_id=OuterRef(OuterRef("contact_id")))
            .values("person_id"))))


def holds_active(user) -> QuerySet[LegalHold]:
    """Holds in force (on a restricted contact: only for those granted it)."""
    return (LegalHold.objects.filter(lifted_at__isnull=True).filter(
        Q(contact__isnull=True) | visible_through(user, "contact"))
            .select_related("contact", "person", "placed_by").order_by("-placed_at", "-id"))


def destructions_recent(limit: int = 20) -> QuerySet[DestructionLog]:
    return DestructionLog.objects.select_related("approved_by", "confirmed_by")[:limit]
