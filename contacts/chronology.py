"""A child's chronology: every contact, rating, outcome and significant event about the child, across all the
contacts that name them, newest first; and the people linked to the child, drawn as a family network.

Other apps add their own events without contacts importing them (contacts imports neither enquiries nor consent):
from their AppConfig.ready they register a source,

    from contacts.chronology import Event, register_source

    def enquiry_events(query):            # query: ChronologyQuery (the user, the child, their contacts, dates)
        for enquiry in Enquiry.objects.filter(contact_id__in=query.contact_ids, opened_at__gte=...):
            yield Event(at=enquiry.opened_at, kind="enquiry", title="MASH enquiry opened", ...)

    register_source("enquiry", "MASH enquiries", enquiry_events, order=40)

A source makes one query (the page's query count is pinned), honours `query.date_from` / `query.date_to`, and
returns only what `query.user` may see: the contacts in the query are already those the user may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from mash.audit import audit_record
from mash.codes import brag_label

from .actions import ContactAction
from .codes import RatingDecision, SubjectRole
from .models import Contact, ContactSubject, Outcome, Person, Rating
from .selectors import visible_through

# --- events and the sources that make them ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing that happened about the child, at a time."""

    at: datetime
    kind: str  # the source's key: "contact", "rating", "outcome", ...
    title: str
    detail: str = ""
    by: str = ""
    reference: str = ""  # the contact it belongs to, if any
    url: str = ""
    brag: str = ""  # a rating, shown as its tag
    order: int = 0  # among events at the same time: higher is newer (a decision after its proposal)


@dataclass(frozen=True)
class ChronologyQuery:
    """What a source is asked: the events about `person_ids` on `contacts` (those `user` may see), between the
    dates (aware datetimes, from inclusive, to exclusive; None: open)."""

    user: object
    person_ids: tuple[int, ...]
    contacts: tuple[Contact, ...]
    date_from: datetime | None = None
    date_to: datetime | None = None

    @property
    def contact_ids(self) -> list[int]:
        return [c.pk for c in self.contacts]

    def within(self, at: datetime | None) -> bool:
        return at is not None and (self.date_from is None or at >= self.date_from) and (
            self.date_to is None or at < self.date_to)

    def range_filter(self, field_name: str) -> dict:
        """`filter(**query.range_filter("decided_at"))`: the date bounds as a queryset filter."""
        bounds = {}
        if self.date_from is not None:
            bounds[f"{field_name}__gte"] = self.date_from
        if self.date_to is not None:
            bounds[f"{field_name}__lt"] = self.date_to
        return bounds


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    events: Callable[[ChronologyQuery], Iterable[Event]]
    order: int


_SOURCES: dict[str, Source] = {}


def register_source(kind: str, label: str, events: Callable[[ChronologyQuery], Iterable[Event]], *,
                    order: int) -> None:
    """Add a kind of event to every child's chronology (and to its filters, as `label`)."""
    _SOURCES[kind] = Source(kind, label, events, order)


def sources() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.label))


# --- contacts' own sources ----------------------------------------------------------------------------------------


def _contact_events(query: ChronologyQuery) -> Iterable[Event]:
    """Each contact naming the child, dated when it was received. No query: the contacts are in hand."""
    for contact in query.contacts:
        if not query.within(contact.received_at):
            continue
        first_line = (contact.concern or "").strip().splitlines()[0] if contact.concern.strip() else ""
        source = contact.referrer_organisation or contact.get_referral_source_display()
        yield Event(
            at=contact.received_at, kind="contact", title=f"Contact received: {contact.get_channel_display()}",
            detail=(f"From {contact.referrer_name} ({source}). The child is named as "
                    f"{contact.child_role_label.lower()}. {first_line}").strip()
                   + (" Repeat contact." if contact.repeat_flag else ""),
            by=contact.referrer_name, reference=contact.reference, url=contact.get_absolute_url(),
        )


def _rating_events(query: ChronologyQuery) -> Iterable[Event]:
    """Each rating proposed, and each decision on one. One query."""
    urls = {c.pk: (c.reference, c.get_absolute_url()) for c in query.contacts}
    ratings = Rating.objects.filter(contact_id__in=query.contact_ids).select_related("proposed_by", "decided_by")
    for rating in ratings:
        reference, url = urls[rating.contact_id]
        if query.within(rating.proposed_at):
            yield Event(at=rating.proposed_at, kind="rating",
                        title=f"Rating proposed: {brag_label(rating.proposed_brag)}", detail=rating.rationale,
                        by=str(rating.proposed_by), reference=reference, url=url, brag=rating.proposed_brag)
        if rating.decision != RatingDecision.PENDING and query.within(rating.decided_at):
            title = {
                RatingDecision.APPROVED: f"Rating approved: {brag_label(rating.decided_brag)}",
                RatingDecision.CHANGED: f"Rating changed by a manager to {brag_label(rating.decided_brag)}",
                RatingDecision.RETURNED: "Screening returned to the screener",
            }[rating.decision]
            yield Event(at=rating.decided_at, kind="rating", title=title, detail=rating.decision_reason,
                        by=str(rating.decided_by), reference=reference, url=url, brag=rating.decided_brag, order=1)


def _outcome_events(query: ChronologyQuery) -> Iterable[Event]:
    """Each outcome decided. One query."""
    outcomes = Outcome.objects.filter(contact_id__in=query.contact_ids, **query.range_filter("decided_at"))
    urls = {c.pk: (c.reference, c.get_absolute_url()) for c in query.contacts}
    for outcome in outcomes.select_related("decided_by", "receiving_team__agency"):
        reference, url = urls[outcome.contact_id]
        team = f" To {outcome.receiving_team}." if outcome.receiving_team else ""
        yield Event(at=outcome.decided_at, kind="outcome", title=f"Outcome: {outcome.get_kind_display()}",
                    detail=f"{outcome.rationale}{team}", by=str(outcome.decided_by), reference=reference, url=url,
                    order=2)


def _significant_events(query: ChronologyQuery) -> Iterable[Event]:
    """Deadlines missed on the child's contacts, and records of the child merged. Two queries."""
    from mash.models import AuditEvent, Escalation, EscalationKind

    urls = {c.pk: (c.reference, c.get_absolute_url()) for c in query.contacts}
    escalations = Escalation.objects.filter(
        target_type=ContentType.objects.get_for_model(Contact), target_id__in=query.contact_ids,
        kind__in=[EscalationKind.BREACH, EscalationKind.SECOND_LEVEL],
    ).select_related("acknowledged_by")
    for escalation in escalations:
        # A breach is dated when the limit passed; a further escalation when it was raised.
        at = escalation.deadline_at if escalation.kind == EscalationKind.BREACH else escalation.raised_at
        if not query.within(at):
            continue
        reference, url = urls[escalation.target_id]
        acknowledged = (f" Acknowledged by {escalation.acknowledged_by}: {escalation.acknowledgement_note}"
                        if escalation.acknowledged_by else "")
        yield Event(at=at, kind="significant", title=f"{escalation.get_stage_display()} deadline missed" if
                    escalation.kind == EscalationKind.BREACH else "Missed deadline escalated further",
                    detail=f"{escalation.get_kind_display()}.{acknowledged}", by="The deadline sweep",
                    reference=reference, url=url)
    merges = AuditEvent.objects.filter(
        action=ContactAction.PERSON_MERGED, target_type=ContentType.objects.get_for_model(Person),
        target_id__in=[str(pk) for pk in query.person_ids], **query.range_filter("at"),
    ).select_related("actor")
    for event in merges:
        changes = event.changes or {}
        yield Event(at=event.at, kind="significant", title="Records of the same child merged",
                    detail=f"{changes.get('merged_name', 'Another record')} merged into this record: "
                           f"{changes.get('reason', '')}",
                    by=str(event.actor or event.actor_label))


register_source("contact", "Contacts", _contact_events, order=10)
register_source("rating", "Ratings", _rating_events, order=20)
register_source("outcome", "Outcomes", _outcome_events, order=30)
register_source("significant", "Significant events", _significant_events, order=90)


# --- the reads ------------------------------------------------------------------------------------------------------


def _child_ids(person: Person) -> tuple[int, ...]:
    """The child and any record merged into theirs (whose contacts are the same child's). One query."""
    merged = Person.objects.filter(merged_into=person).values_list("pk", flat=True)
    return (person.pk, *merged)


def _contacts_naming(user, person_ids) -> tuple[Contact, ...]:
    """The contacts naming the child that `user` may see, each with the child's role on it. One query."""
    rows = (
        ContactSubject.objects.filter(visible_through(user, "contact"), person_id__in=person_ids)
        .select_related("contact").order_by("-contact__received_at", "-contact_id")
    )
    contacts = {}
    for row in rows:
        contact = contacts.setdefault(row.contact_id, row.contact)
        contact.child_role, contact.child_role_label = row.role, row.get_role_display()
    return tuple(contacts.values())


def child_chronology(*, user, person: Person, kinds: Iterable[str] | None = None, date_from: datetime | None = None,
                     date_to: datetime | None = None) -> tuple[list[Event], ChronologyQuery]:
    """The child's events newest first, of the `kinds` asked for (None: all), between the dates.

    Queries: the merged records, the contacts, then one per source asked for.
    """
    person_ids = _child_ids(person)
    query = ChronologyQuery(user=user, person_ids=person_ids, contacts=_contacts_naming(user, person_ids),
                            date_from=date_from, date_to=date_to)
    wanted = set(kinds) if kinds else None
    events = []
    for source in sources():
        if wanted is None or source.kind in wanted:
            events.extend(source.events(query))
    events.sort(key=lambda e: (e.at, e.order), reverse=True)
    return events, query


def chronology_record_view(*, actor, person: Person, filters: dict, printed: bool) -> None:
    """Who looked at this child's chronology (or printed it), with what filters: every view is audited."""
    with transaction.atomic():
        audit_record(actor=actor, action=ContactAction.CHRONOLOGY_VIEWED, target=person,
                     changes={"printed": printed, **{k: str(v) for k, v in filters.items() if v}})


# --- the family network ---------------------------------------------------------------------------------------------

RELATIONSHIP_LABELS = {
    SubjectRole.PARENT_CARER: "Parent or carer",
    SubjectRole.HOUSEHOLD_ADULT: "Household adult",
    SubjectRole.SOURCE_OF_HARM: "Alleged source of harm",
}
# Where each relationship sits in the drawing: parents above the child, children beside, the rest below.
ROW_OF = {"Parent or carer": 0, "Sibling": 1, "Another child on the same contact": 1, "Household adult": 2,
          "Alleged source of harm": 2}


@dataclass
class LinkedPerson:
    person: Person
    relationships: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def relationship(self) -> str:
        return "; ".join(self.relationships)

    @property
    def alleged_harm(self) -> bool:
        return "Alleged source of harm" in self.relationships

    @property
    def row(self) -> int:
        return min(ROW_OF.get(r, 2) for r in self.relationships)


def _relationship(child_role: str, other_role: str) -> str:
    """How someone on the same contact relates to the child, from the roles the contact gives them."""
    if other_role in RELATIONSHIP_LABELS:
        return RELATIONSHIP_LABELS[other_role]
    if SubjectRole.SIBLING in (child_role, other_role):
        return "Sibling"
    return "Another child on the same contact"


def linked_people(query: ChronologyQuery) -> list[LinkedPerson]:
    """The people named with the child on the child's contacts, with their relationship to the child (from the
    roles each contact gave them), on which contacts and when. One query."""
    roles_of_child = {c.pk: c.child_role for c in query.contacts}
    rows = (
        ContactSubject.objects.filter(contact_id__in=query.contact_ids)
        .exclude(person_id__in=query.person_ids)
        .select_related("person", "contact")
        .order_by("contact__received_at", "position")
    )
    people: dict[int, LinkedPerson] = {}
    for row in rows:
        person = row.person.merged_into_id or row.person_id
        linked = people.setdefault(person, LinkedPerson(person=row.person))
        label = _relationship(roles_of_child[row.contact_id], row.role)
        if label not in linked.relationships:
            linked.relationships.append(label)
        if row.contact.reference not in linked.references:
            linked.references.append(row.contact.reference)
        at = row.contact.received_at
        linked.first_seen = min(filter(None, [linked.first_seen, at]))
        linked.last_seen = max(filter(None, [linked.last_seen, at]))
    return sorted(people.values(), key=lambda p: (p.row, p.person.last_name, p.person.first_name))


# The drawing: boxes on three rows (parents and carers; the child with siblings; other adults), lines to the child.
BOX_W, BOX_H, GAP_X, ROW_H, MARGIN, PER_ROW = 170, 58, 24, 110, 12, 4


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    name: str
    label: str
    css: str
    cx: int
    cy: int

    @property
    def text_x(self) -> int:
        return self.x + 10

    @property
    def text_y(self) -> int:
        return self.y + 24


@dataclass(frozen=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    css: str


@dataclass(frozen=True)
class Network:
    width: int
    height: int
    child: Box
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    box_width: int = BOX_W
    box_height: int = BOX_H


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def network_drawing(person: Person, linked: list[LinkedPerson]) -> Network:
    """Where each box and line goes in the family network's SVG (drawn by the template, no script)."""
    bands: dict[int, list[LinkedPerson]] = {0: [], 1: [], 2: []}
    for item in linked:
        bands[item.row].append(item)
    # Each band wraps after PER_ROW people; the child's band keeps the child in the middle.
    rows: list[tuple[int, list]] = []
    for band in (0, 1, 2):
        people = bands[band]
        if band == 1:
            half = len(people) // 2
            people = [*people[:half], None, *people[half:]]  # None: the child
        chunks = [people[i:i + PER_ROW + (1 if band == 1 else 0)] for i in range(0, len(people), PER_ROW + (
            1 if band == 1 else 0))] or ([] if band != 1 else [[None]])
        rows.extend((band, chunk) for chunk in chunks)
    widest = max((len(chunk) for _, chunk in rows), default=1)
    width = max(1, widest) * (BOX_W + GAP_X) - GAP_X + 2 * MARGIN
    height = len(rows) * ROW_H - (ROW_H - BOX_H) + 2 * MARGIN
    boxes, child = [], None
    for index, (_, chunk) in enumerate(rows):
        row_width = len(chunk) * (BOX_W + GAP_X) - GAP_X
        x0 = (width - row_width) // 2
        y = MARGIN + index * ROW_H
        for i, item in enumerate(chunk):
            x = x0 + i * (BOX_W + GAP_X)
            if item is None:
                child = Box(x, y, _short(str(person)), "This child", "app-network__person--child",
                            x + BOX_W // 2, y + BOX_H // 2)
                continue
            css = "app-network__person--harm" if item.alleged_harm else ""
            boxes.append(Box(x, y, _short(str(item.person)), _short(item.relationships[0], 26), css,
                             x + BOX_W // 2, y + BOX_H // 2))
    lines = []
    for box in boxes:
        # From the edge of the box nearest the child to the child's box.
        if box.cy < child.cy:
            x1, y1, x2, y2 = box.cx, box.y + BOX_H, child.cx, child.y
        elif box.cy > child.cy:
            x1, y1, x2, y2 = box.cx, box.y, child.cx, child.y + BOX_H
        else:
            x1 = box.x + BOX_W if box.cx < child.cx else box.x
            x2 = child.x if box.cx < child.cx else child.x + BOX_W
            y1 = y2 = box.cy
        lines.append(Line(x1, y1, x2, y2, "app-network__link--harm" if box.css else ""))
    return Network(width=width, height=height, child=child, boxes=tuple(boxes), lines=tuple(lines))
