"""Reads for contacts. Each takes the requesting user and applies the access rules itself."""

import functools
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Case, F, FilteredRelation, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least, Left
from django.http import Http404
from django.utils import timezone

from mash.access import MASH_ROLES, is_mash_staff
from mash.codes import Brag

from . import matching
from .codes import CHILD_ROLES, ContactState, RatingDecision
from .models import Contact, ContactSubject, Person, Rating, ThresholdDocument

SCREENER_STATES = [ContactState.AWAITING_SCREENING]
MANAGER_STATES = [ContactState.AWAITING_APPROVAL, ContactState.AWAITING_OUTCOME]


def contacts_visible_to(user) -> QuerySet[Contact]:
    """MASH staff see contacts; a restricted one only with an explicit grant (ContactUserObjectPermission, made
    by contacts.services.contact_restrict), and one naming a restricted person only with a grant on that person
    (PersonUserObjectPermission, contacts.services.person_restrict). The one filter every list, page, search,
    match, count and export of contacts goes through, so a restricted record is absent everywhere for anyone not
    granted it."""
    if not is_mash_staff(user):
        return Contact.objects.none()
    return Contact.objects.filter(visible_through(user, "pk"))


def restricted_people_grants(user):
    """The restricted people granted to `user` (a subquery: the grant table's unique index, by its prefix)."""
    from .models import PersonUserObjectPermission

    return PersonUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_person", permission__content_type__app_label="contacts",
    ).values("content_object_id")


def _people_hidden_from(user):
    """The restricted people not granted to `user` (the few restricted people: their own partial index)."""
    return Person.objects.filter(restricted=True).exclude(pk__in=restricted_people_grants(user)).values("pk")


@functools.cache
def _hidden_contacts_sql() -> str:
    """The contacts a user (the parameters: `hidden_contacts`) may not see, as one SQL subquery: the restricted
    contacts not granted to them, and the contacts naming a restricted person not granted to them. Written once a
    process from the models' table names (a test checks it against the rule written with querysets), as one UNION
    that costs Django nothing to compile on each list and PostgreSQL one hashed subplan over the few restricted
    records: two subqueries built with the ORM cost the screening queue 16% more than no filter at 100k contacts
    (bench.pages, screening_queue_unrestricted), mostly compiling and planning them. Standard SQL: PostgreSQL and
    SQLite."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from .models import ContactUserObjectPermission, PersonUserObjectPermission

    q = connection.ops.quote_name

    def t(model) -> str:
        return q(model._meta.db_table)

    def granted(grants) -> str:
        # Only the models' own table and column names, quoted, are written in; every value is a parameter.
        permission = (f"SELECT ap.{q('id')} FROM {t(Permission)} ap INNER JOIN {t(ContentType)} ct "  # noqa: S608
                      f"ON ap.{q('content_type_id')} = ct.{q('id')} "
                      f"WHERE ap.{q('codename')} = %s AND ct.{q('app_label')} = %s")
        return (f"SELECT g.{q('content_object_id')} FROM {t(grants)} g "  # noqa: S608
                f"WHERE g.{q('user_id')} = %s AND g.{q('permission_id')} = ({permission})")

    return (f"SELECT c.{q('id')} FROM {t(Contact)} c WHERE c.{q('restricted')} AND c.{q('id')} NOT IN "  # noqa: S608
            f"({granted(ContactUserObjectPermission)}) "
            f"UNION ALL SELECT s.{q('contact_id')} FROM {t(ContactSubject)} s WHERE s.{q('person_id')} IN "
            f"(SELECT p.{q('id')} FROM {t(Person)} p WHERE p.{q('restricted')} AND p.{q('id')} NOT IN "
            f"({granted(PersonUserObjectPermission)}))")


def hidden_contacts(user) -> RawSQL:
    """The ids of the contacts `user` may not see (a subquery for `__in`): see `_hidden_contacts_sql`."""
    params = [user.pk, "view_contact", "contacts", user.pk, "view_person", "contacts"]
    return RawSQL(_hidden_contacts_sql(), params, output_field=IntegerField())  # noqa: S611 (no value written in)


def visible_through(user, path: str, *, model=None) -> Q:
    """The same rule as `contacts_visible_to`, for rows that reach their contact through `path` ("contact",
    "enquiry__contact"; "pk" for contacts themselves): neither a restricted contact nor one naming a restricted
    person, unless granted. One small NOT IN subquery over the few restricted records (`hidden_contacts`).

    Given the rows' `model`, a longer path leaves out the rows whose first step is among the few rows that reach a
    hidden contact (`enquiry_id NOT IN (the enquiries on hidden contacts)`): no join to the first step's table,
    which PostgreSQL would otherwise hash whole (every enquiry, to list a few thousand requests)."""
    if not is_mash_staff(user):
        return Q(pk__in=[])
    hidden = hidden_contacts(user)
    if model is not None and "__" in path:
        first, rest = path.split("__", 1)
        through = model._meta.get_field(first).related_model._default_manager.filter(**{f"{rest}__in": hidden})
        return ~Q(**{f"{first}__in": through.values("pk")})
    return ~Q(**{f"{path}__in": hidden})


def person_visible(user) -> Q:
    """The rule for people: MASH staff see people, a restricted person only with a grant."""
    if not is_mash_staff(user):
        return Q(pk__in=[])
    return ~Q(pk__in=_people_hidden_from(user))


def people_hidden_from(user) -> QuerySet[Person]:
    """The restricted people `user` may not see: what a match or a search may say only "a restricted record may
    match" about (contacts.matching, contacts.search)."""
    return Person.objects.filter(pk__in=_people_hidden_from(user))


def ratings_visible_to(user) -> QuerySet[Rating]:
    """The ratings on contacts the user may see (the at-risk board and escalations of approval clocks)."""
    return Rating.objects.filter(visible_through(user, "contact"))


def people_visible_to(user) -> QuerySet[Person]:
    """MASH staff see people; a restricted person only with a grant (`person_visible`)."""
    if not is_mash_staff(user):
        return Person.objects.none()
    return Person.objects.filter(person_visible(user))


def get_contact_for_user(user, reference: str) -> Contact:
    """The access getter every contact view calls first: outsiders get 404.

    The contact with its two users in one query, its screening and its outcome each with what they name in one
    more, and its people, ratings and criteria: small joins, no ordering (the reference is unique), because one
    query joining all of them cost PostgreSQL more to plan (10 ms at 100k contacts) than all of these to run."""
    from .models import Outcome, Screening

    try:
        return (
            contacts_visible_to(user)
            .select_related("created_by", "assigned_screener")
            .prefetch_related(
                Prefetch("screening", queryset=Screening.objects.select_related(
                    "level", "threshold_document", "screened_by")),
                Prefetch("outcome", queryset=Outcome.objects.select_related(
                    "receiving_team__agency", "decided_by")),
                Prefetch("subjects", queryset=ContactSubject.objects.select_related(
                    "person__allocated_worker", "person__allocated_team")),
                Prefetch("ratings", queryset=Rating.objects.select_related("proposed_by", "decided_by", "level")),
                "screening__criteria",
            )
            .get(reference=reference)
        )
    except Contact.DoesNotExist:
        raise Http404("No contact found") from None


def contact_page_scopes(user, reference: str) -> tuple[Contact, dict[str, int]]:
    """The access check of a contact's page kept drawn (contacts.views.contact_detail), and the versions of its
    people's scopes: the contact (its id and reference only; outsiders get 404), and for each person on it the
    versions of their own scope (their record, their other contacts) and of their match keys' (who may be them).

    One statement: the contact and its people through the rule every list and page goes through (the hidden
    contacts, `hidden_contacts`), with the versions (mash.Stamp) of the scopes contacts.stamps names for them,
    hand-written as that rule is: opening a kept page costs one small query and nothing to compile."""
    from django.db import connection

    from .stamps import match_scopes, person_scope

    if not is_mash_staff(user):
        raise Http404("No contact found")
    with connection.cursor() as cursor:
        cursor.execute(_contact_page_sql(), [reference, user.pk, "view_contact", "contacts", user.pk, "view_person",
                                            "contacts"])
        rows = cursor.fetchall()
    if not rows:
        raise Http404("No contact found")
    # As `.only("id", "reference")` would give it: anything else read from it is fetched, never a default.
    contact = Contact.from_db(connection.alias, ["id", "reference"], rows[0][:2])
    versions = {}
    for _, _, person_id, birth_key, nhs_number, *found in rows:
        if person_id is not None:
            scopes = [person_scope(person_id), *match_scopes(birth_key, nhs_number)]
            found = [found[0], *([found[1]] if birth_key else []), *([found[2]] if nhs_number else [])]
            versions.update({scope: version or 0 for scope, version in zip(scopes, found, strict=True)})
    return contact, versions


@functools.cache
def _contact_page_sql() -> str:
    from django.db import connection

    from mash.models import Stamp

    q = connection.ops.quote_name
    contact, subject, person, stamp = (q(m._meta.db_table) for m in (Contact, ContactSubject, Person, Stamp))

    def version(alias: str, key: str) -> str:
        return f"LEFT JOIN {stamp} {alias} ON {alias}.{q('key')} = {key} "

    # Only the models' own table and column names, quoted, and the scopes' prefixes (contacts.stamps) are written
    # in; every value is a parameter.
    return (f"SELECT c.{q('id')}, c.{q('reference')}, s.{q('person_id')}, p.{q('birth_key')}, "  # noqa: S608
            f"p.{q('nhs_number')}, pv.{q('version')}, bv.{q('version')}, nv.{q('version')} "
            f"FROM {contact} c LEFT JOIN {subject} s ON s.{q('contact_id')} = c.{q('id')} "
            f"LEFT JOIN {person} p ON p.{q('id')} = s.{q('person_id')} "
            + version("pv", f"'person:' || CAST(s.{q('person_id')} AS TEXT)")
            + version("bv", f"'born:' || SUBSTR(CAST(p.{q('birth_key')} AS TEXT), 6, 5)")
            + version("nv", f"'nhs:' || SUBSTR(p.{q('nhs_number')}, 7, 3)")
            + f"WHERE c.{q('reference')} = %s AND c.{q('id')} NOT IN ({_hidden_contacts_sql()})")


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


def history_at_a_glance(contact: Contact, *, user=None) -> list[ChildHistory]:
    """Each child's contacts in the 12 months before this one, with their outcomes. One query. With `user`, only
    the contacts they may see (a restricted contact is not counted for anyone not granted it).

    Only contacts received before this one: a contact received later is not this contact's history (and one
    received at the same minute counts as earlier only if it was recorded first).
    """
    children = [s for s in contact.subjects.all() if s.role in CHILD_ROLES]
    rows = (
        ContactSubject.objects.filter(
            Q(contact__received_at__lt=contact.received_at)
            | Q(contact__received_at=contact.received_at, contact_id__lt=contact.pk),
            person_id__in=[s.person_id for s in children],
            contact__received_at__gt=contact.received_at - timedelta(days=365),
        )
        .exclude(contact_id=contact.pk)
        .select_related("contact", "contact__outcome")
        .order_by("-contact__received_at", "-contact_id")
    )
    if user is not None:
        rows = rows.filter(visible_through(user, "contact"))
    by_person: dict[int, list[ContactSubject]] = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    return [ChildHistory(subject=s, previous=by_person.get(s.person_id, [])) for s in children]


def match_candidates(contact: Contact, *, user) -> dict[int, list[matching.Candidate]]:
    """For each person on an open contact, others who may be the same person (shown, never merged). One query."""
    subjects = list(contact.subjects.all())
    on_contact = tuple(s.person_id for s in subjects)
    described = [matching.Described(first_name=s.person.first_name, last_name=s.person.last_name,
                                    date_of_birth=s.person.date_of_birth, nhs_number=s.person.nhs_number,
                                    postcode=s.person.postcode) for s in subjects]
    found = matching.find_candidates_for(user=user, described=described, exclude_ids=on_contact)
    return {s.person_id: candidates for s, candidates in zip(subjects, found, strict=True)
            if candidates or candidates.restricted}


def mash_screeners():
    return get_user_model().objects.filter(groups__name__in=[role.value for role in MASH_ROLES],
                                           is_active=True).distinct().order_by("first_name", "last_name")


def _pending_ratings() -> Prefetch:
    """A page's ratings awaiting approval, with their approval clocks, as `contact.pending_ratings`."""
    return Prefetch("ratings", queryset=Rating.objects.filter(decision=RatingDecision.PENDING).only(
        "id", "contact_id", "proposed_brag", "proposed_at", "proposed_by_id", "contact_reference", "decision",
        *CLOCK_COLUMNS), to_attr="pending_ratings")


CLOCK_COLUMNS = ("clock_stage", "clock_started_at", "warn_at", "due_at", "met_at", "warned_at", "breached_at")
QUEUE_COLUMNS = (
    "id", "reference", "received_at", "referrer_name", "referrer_organisation", "referral_source", "channel",
    "state", "rating", "proposed_rating", "immediate_risk", "repeat_flag", "returned_to_screener", "assigned_at",
    *CLOCK_COLUMNS,
    "assigned_screener__id", "assigned_screener__first_name", "assigned_screener__last_name",
    "assigned_screener__username",
)
CONCERN_SHOWN = 200  # characters of the concern a queue reads (it shows the first line)


def _urgency() -> Case:
    """The proposed rating if one awaits a decision, else the approved one: Red 0 ... Blue 3, none 4."""
    ranks = [When(Q(proposed_rating=brag) | Q(proposed_rating="", rating=brag), then=Value(rank))
             for rank, brag in enumerate(Brag.values)]
    return Case(*ranks, default=Value(len(Brag.values)), output_field=IntegerField())


def contact_queue(*, user, states, filters: dict | None = None, page: int | str = 1, per_page: int = 25,
                  order: str = "due"):
    """One page of a work queue. Contacts marked immediate risk come first; then, with order "due", the soonest
    deadline (the screening queue), or with order "urgency", the proposed or approved rating, Red first, then the
    soonest of the contact's clock and its proposal's approval clock (the approvals queue).

    Queries: the count, the page of contacts (with the start of the concern and the owner), the page's subjects
    with their people, and where ratings can await approval, the page's pending ratings with their clocks.
    """
    filters = filters or {}
    qs = contacts_visible_to(user).filter(state__in=states)
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("brag"):
        qs = qs.filter(Q(rating=filters["brag"]) | Q(proposed_rating=filters["brag"]))
    if filters.get("screener"):
        qs = qs.filter(assigned_screener=filters["screener"])
    if filters.get("owner") == "mine":
        qs = qs.filter(assigned_screener=user)
    elif filters.get("owner") == "unassigned":
        qs = qs.filter(assigned_screener__isnull=True)
    if filters.get("overdue"):
        qs = qs.filter(due_at__lte=timezone.now(), met_at__isnull=True)
    if filters.get("repeat"):
        qs = qs.filter(repeat_flag=True)
    if filters.get("returned_to"):
        qs = qs.filter(returned_to_screener=True, assigned_screener=filters["returned_to"])
    if order == "urgency":
        pending = FilteredRelation("ratings", condition=Q(ratings__decision=RatingDecision.PENDING))
        # Least is NULL on SQLite when either is: fall back to the contact's own clock.
        soonest = Coalesce(Least("pending__due_at", "due_at"), "due_at")
        qs = qs.alias(pending=pending, urgency=_urgency(), soonest=soonest).order_by(
            "-immediate_risk", "urgency", F("soonest").asc(nulls_last=True), "id")
    else:
        qs = qs.order_by("-immediate_risk", "due_at", "id")
    qs = (
        qs.select_related("assigned_screener")
        .only(*QUEUE_COLUMNS)
        .annotate(concern_start=Left("concern", CONCERN_SHOWN))
        .prefetch_related(_subjects())
    )
    if set(states) - {ContactState.AWAITING_SCREENING}:
        qs = qs.prefetch_related(_pending_ratings())
    return Paginator(qs, per_page).get_page(page)


def _subjects() -> Prefetch:
    return Prefetch(
        "subjects",
        queryset=ContactSubject.objects.select_related("person").only(
            "id", "contact_id", "role", "position",
            "person__id", "person__first_name", "person__last_name",
            "person__date_of_birth", "person__expected_date_of_birth",
        ),
    )


MY_WORK_SHOWN = 200  # a screener's own open contacts drawn at most (a caseload is far smaller)


@dataclass
class MyWork:
    returned: list = field(default_factory=list)
    screening: list = field(default_factory=list)
    approval: list = field(default_factory=list)
    outcome: list = field(default_factory=list)
    more: bool = False

    @property
    def count(self) -> int:
        return len(self.returned) + len(self.screening) + len(self.approval) + len(self.outcome)


def my_work(*, user) -> MyWork:
    """Everything open that is `user`'s, in every state, so a contact never disappears from the person working
    on it: returned to them, awaiting their screening, their proposals awaiting approval, approved and awaiting
    the outcome. Immediate risk first, then the soonest deadline.

    Queries: the contacts (with the start of the concern), their subjects with people, their pending ratings.
    """
    contacts = list(
        contacts_visible_to(user)
        .filter(assigned_screener=user, state__in=[*SCREENER_STATES, *MANAGER_STATES])
        .order_by("-immediate_risk", "due_at", "id")
        .select_related("assigned_screener")
        .only(*QUEUE_COLUMNS)
        .annotate(concern_start=Left("concern", CONCERN_SHOWN))
        .prefetch_related(_subjects(), _pending_ratings())[: MY_WORK_SHOWN + 1]
    )
    work = MyWork(more=len(contacts) > MY_WORK_SHOWN)
    for contact in contacts[:MY_WORK_SHOWN]:
        if contact.state == ContactState.AWAITING_SCREENING:
            (work.returned if contact.returned_to_screener else work.screening).append(contact)
        elif contact.state == ContactState.AWAITING_APPROVAL:
            work.approval.append(contact)
        else:
            work.outcome.append(contact)
    return work


# --- who has looked at this child (issue 13) ----------------------------------------------------------------------

LOOK_ACTIONS = ("contact.viewed", "contact.listed", "person.viewed", "person.found", "chronology.viewed",
                "subject_access.viewed")


def looks_at_person(person: Person):
    """Every recorded look at `person`: their own page, chronology, search results, and every page and queue that
    showed one of their contacts; newest first. Two index lookups (audit_target_at) in one query."""
    from django.contrib.contenttypes.models import ContentType

    from mash.models import AuditEvent

    contact_ids = [str(pk) for pk in ContactSubject.objects.filter(person=person).values_list("contact_id",
                                                                                              flat=True)]
    types = ContentType.objects.get_for_models(Person, Contact)
    return (AuditEvent.objects
            .filter(Q(target_type=types[Person], target_id=str(person.pk))
                    | Q(target_type=types[Contact], target_id__in=contact_ids))
            .filter(action__in=LOOK_ACTIONS)
            .select_related("actor")
            .order_by("-at", "-id"))
