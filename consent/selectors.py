"""Reads for consent. The sharing position is here, once: the panel, the services (a withdrawal's effect), and the
enquiries app (may this agency be asked, on which basis) all call `sharing_position`.

The contact passed in must come from an access getter (`contacts.selectors.get_contact_for_user`): the position
is worked out for whoever may see the contact, and services call it with no user at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency
from agencies.names import name_users
from contacts.codes import CHILD_ROLES
from contacts.models import Contact, ContactSubject, Person
from contacts.selectors import contacts_visible_to, people_visible_to
from mash.access import is_mash_staff
from mash.errors import DomainError

from .codes import ConsentState, DecisionState, InfoKind
from .models import BasisFlag, ConsentRecord, HealthKind, ReferrerAnonymity, SharingDecision


@dataclass(frozen=True)
class Basis:
    """Why an agency may be asked about a child: a consent record, or an approved sharing decision.

    The enquiries app stores `consent` or `decision` on an information request, and writes its disclosure
    with `disclosure_basis()`.
    """

    consent: ConsentRecord | None = None
    decision: SharingDecision | None = None

    def __post_init__(self):
        if (self.consent is None) == (self.decision is None):
            raise ValueError("a basis is a consent record or a sharing decision, exactly one")

    @property
    def kind(self) -> str:
        return "consent" if self.consent is not None else "sharing_decision"

    @property
    def record(self):
        return self.consent or self.decision

    def disclosure_basis(self) -> dict:
        """The Disclosure columns naming this basis (for `consent.services.disclosure_record`)."""
        return {"basis_kind": self.kind, "consent_record": self.consent, "sharing_decision": self.decision}

    def __str__(self):
        if self.consent is not None:
            c = self.consent
            return (f"Consent of {c.given_by} ({c.get_capacity_display().lower()}), "
                    f"{timezone.localtime(c.obtained_at):%d %B %Y}")
        d = self.decision
        basis = self.decision.basis_text.splitlines()[0] if d.basis_text else ""
        return f"Decision by {d.decided_by} to share without consent, {timezone.localtime(d.decided_at):%d %B %Y}: " \
               f"{d.reason_label} ({basis})"


@dataclass(frozen=True)
class ChildPosition:
    child: Person
    basis: Basis | None
    blocked: str = ""  # why not, in words, when there is no basis

    @property
    def permitted(self) -> bool:
        return self.basis is not None


@dataclass
class AgencyPosition:
    agency: Agency
    is_health: bool
    children: list[ChildPosition]

    @property
    def permitted(self) -> list[ChildPosition]:
        return [c for c in self.children if c.permitted]

    @property
    def blocked(self) -> list[ChildPosition]:
        return [c for c in self.children if not c.permitted]

    @property
    def status(self) -> str:
        """"permitted" (every child), "partly" (some) or "blocked" (none)."""
        n = len(self.permitted)
        if n and n == len(self.children):
            return "permitted"
        return "partly" if n else "blocked"

    def for_child(self, child) -> ChildPosition:
        pk = getattr(child, "pk", child)
        return next(c for c in self.children if c.child.pk == pk)


@dataclass(frozen=True)
class Lost:
    """An agency that may no longer be asked about a child, and the basis it had."""

    agency: Agency
    child: Person
    basis: Basis


@dataclass
class SharingPosition:
    """For each active agency that signed the information sharing agreement: may it be asked now, about which
    children, on which basis, or why not."""

    contact: Contact
    children: list[Person]
    agencies: list[AgencyPosition]
    records: list[ConsentRecord] = field(default_factory=list)
    decisions: list[SharingDecision] = field(default_factory=list)

    def for_agency(self, agency) -> AgencyPosition | None:
        """The agency's position; None for an agency that may never be asked (inactive, or no ISA)."""
        pk = getattr(agency, "pk", agency)
        return next((a for a in self.agencies if a.agency.pk == pk), None)

    def basis_for(self, agency, child) -> Basis | None:
        position = self.for_agency(agency)
        return position.for_child(child).basis if position is not None else None

    def permitted_pairs(self) -> dict[tuple[int, int], Basis]:
        """{(agency id, child id): basis} for every pair that may be asked now."""
        return {(a.agency.pk, c.child.pk): c.basis for a in self.agencies for c in a.children if c.permitted}


def _date(at) -> str:
    return f"{timezone.localtime(at):%d %B %Y}"


def _covers_agency(record: ConsentRecord, agency: Agency) -> bool:
    return agency.kind in (record.agency_kinds or []) or agency.pk in record.agency_ids


def _child_position(child: Person, agency: Agency, is_health: bool, records: list[ConsentRecord],
                    decisions: list[SharingDecision]) -> ChildPosition:
    """The rules, in order:

    1. Consent: of the records covering this child and this agency, each person's latest counts. A child or young
       person deciding for themselves (Gillick, or 16 or 17) decides alone: their consent stands despite a parent's
       refusal, and their refusal or withdrawal stands despite a parent's consent. Otherwise a refusal by anyone
       blocks (a manager may decide to share despite it), and a given consent is a basis. For a health agency a
       consent counts only if it covers health information. A withdrawn consent is no basis.
    2. A manager's approved decision covering this child and this agency is a basis (despite a refusal); for a
       health agency only if its reason records the overriding public interest.
    Consent is preferred when both stand: the family agreed.
    """
    relevant = [r for r in records if child.pk in r.children_ids and _covers_agency(r, agency)]
    latest: dict[int, ConsentRecord] = {}
    for record in relevant:  # records come ordered by obtained_at, id: the last one per person wins
        latest[record.given_by_id] = record
    if child.pk in latest:  # the child decided for themselves: theirs is the decision that counts
        latest = {child.pk: latest[child.pk]}
    refusals = [r for r in latest.values() if r.state == ConsentState.REFUSED]
    given = [r for r in latest.values() if r.state == ConsentState.GIVEN]
    withdrawn = [r for r in latest.values() if r.state == ConsentState.WITHDRAWN]
    usable = [r for r in given if not is_health or InfoKind.HEALTH in (r.info_kinds or [])]

    covering = [d for d in decisions if d.state == DecisionState.APPROVED
                and child.pk in d.children_ids and agency.pk in d.agency_ids]
    decision = next((d for d in reversed(covering) if not is_health or d.reason_overrides_confidentiality), None)

    if usable and not refusals:
        return ChildPosition(child, Basis(consent=usable[-1]))
    if decision is not None:
        return ChildPosition(child, Basis(decision=decision))
    if refusals:
        r = refusals[-1]
        why = f"Consent refused by {r.given_by} on {_date(r.obtained_at)}"
    elif given:
        why = "The consent does not cover health information, which a health agency needs"
    elif withdrawn:
        r = withdrawn[-1]
        why = f"Consent withdrawn by {r.given_by} on {_date(r.withdrawn_at)}"
    elif is_health:
        why = "No consent covering health information, and no decision recording the overriding public interest"
    else:
        why = "No consent recorded, and no decision to share without it"
    if covering and decision is None:
        why += " (the decision to share does not record the overriding public interest a health agency needs)"
    return ChildPosition(child, None, why)


SIGNATORIES_CACHE_SECONDS = 300


def _signatories_key() -> str:
    # Per database: processes (and test workers) sharing one cache but not one database never mix their agencies.
    return f"consent.signatories.v1:{connection.settings_dict['NAME']}"


def cached_signatories() -> list[Agency]:
    """`signatories()` as a list, for display (the consent panel on every contact page), from the cache: the
    agencies that signed the agreement and the kinds that count as health are configuration, changed by an admin
    now and then. Forgotten when an agency or a health kind is saved or deleted (`forget_signatories`, connected in
    ConsentConfig.ready) and after SIGNATORIES_CACHE_SECONDS in any case (a bulk update sends no signal). The
    services decide on `signatories()` read afresh, in their own transaction."""
    from django.core.cache import cache

    key = _signatories_key()
    agencies = cache.get(key)
    if agencies is None:
        agencies = list(signatories())
        cache.set(key, agencies, SIGNATORIES_CACHE_SECONDS)
    return agencies


def forget_signatories(**kwargs) -> None:
    """An agency or a health kind changed: the cached signatories are dropped now and again once the change commits
    (a panel drawn in between, from what was committed before, cannot keep the old list)."""
    from django.core.cache import cache

    key = _signatories_key()
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)


def signatories() -> QuerySet[Agency]:
    """The agencies that may ever be asked: active, signed the information sharing agreement; each with
    `is_health` (its kind counts as health). One query."""
    return (Agency.objects.filter(active=True, isa_signatory=True)
            .annotate(is_health=Exists(HealthKind.objects.filter(kind=OuterRef("kind"))))
            .order_by("name"))


def _anonymity() -> Exists:
    """Whether the referrer of the row's contact asked to stay anonymous (the consent panel reads it with its rows)."""
    return Exists(ReferrerAnonymity.objects.filter(contact_id=OuterRef("contact_id")))


@functools.cache
def _records_query(with_anonymity: bool, with_given_by: bool) -> QuerySet[ConsentRecord]:
    """consent_records_for's query without the contact, built once a process (building it costs a third of what it
    costs to compile it, on every contact page)."""
    records = ConsentRecord.objects.all()
    if with_anonymity:
        records = records.annotate(referrer_anonymous=_anonymity())
    if with_given_by:
        records = records.select_related("given_by")
    return (records
            .annotate(open_flag=FilteredRelation("flags", condition=Q(flags__cleared_at__isnull=True)))
            .annotate(open_flag_id=F("open_flag__id"), open_flag_lost=F("open_flag__lost"),
                      open_flag_raised_at=F("open_flag__raised_at"))
            .order_by())  # a contact's few rows are put in order in Python: an ORDER BY costs half the compiling


@functools.cache
def _decisions_query(with_anonymity: bool) -> QuerySet[SharingDecision]:
    decisions = SharingDecision.objects.all()
    if with_anonymity:
        decisions = decisions.annotate(referrer_anonymous=_anonymity())
    return decisions.order_by()


def consent_records_for(contact: Contact, *, with_anonymity: bool = False) -> list[ConsentRecord]:
    """The contact's consent records, oldest first, each with its open flag if it raised one that is not cleared
    yet (`open_flag_id`, `open_flag_lost`, `open_flag_raised_at`: a record raises one flag at most); with
    `with_anonymity`, whether the referrer asked to stay anonymous (`referrer_anonymous`). One query. Not joined:
    the staff who recorded them (from the cache, agencies.names) and, when the contact's people come prefetched, who
    gave it (one of them, nearly always: one more query for any who is not). Joining those cost half the panel."""
    people = _prefetched_people(contact)
    records = sorted(_records_query(with_anonymity, people is None).filter(contact=contact),
                     key=lambda r: (r.obtained_at, r.pk))
    if people is not None:
        # Who gave it is nearly always named on the contact, whose people the contact page has read already.
        missing = {r.given_by_id for r in records} - people.keys()
        if missing:
            people = {**people, **Person.objects.in_bulk(missing)}
        for r in records:
            r._state.fields_cache["given_by"] = people[r.given_by_id]
    name_users(records, ("recorded_by", "withdrawal_recorded_by"))
    return records


def _prefetched_people(contact: Contact) -> dict[int, Person] | None:
    """The people named on the contact by id, when its subjects come prefetched (the contact page); None otherwise."""
    if "subjects" not in getattr(contact, "_prefetched_objects_cache", {}):
        return None
    return {s.person_id: s.person for s in contact.subjects.all()}


def sharing_decisions_for(contact: Contact, *, with_anonymity: bool = False) -> list[SharingDecision]:
    """The contact's sharing decisions (proposed or decided), oldest first (`with_anonymity`: as above). One
    query; who proposed and who decided from the cache, as above."""
    decisions = sorted(_decisions_query(with_anonymity).filter(contact=contact), key=lambda d: (d.proposed_at, d.pk))
    name_users(decisions, ("proposed_by", "decided_by"))
    return decisions


def contact_children(contact: Contact) -> list[Person]:
    """The children named on the contact (from the contact's prefetched subjects when it has them: one query
    otherwise)."""
    if "subjects" in getattr(contact, "_prefetched_objects_cache", {}):
        return [s.person for s in contact.subjects.all() if s.role in CHILD_ROLES]
    return [s.person for s in ContactSubject.objects.filter(contact=contact, role__in=CHILD_ROLES)
            .select_related("person").order_by("position")]


def sharing_position(contact: Contact, *, children=None, agencies: QuerySet[Agency] | list[Agency] | None = None,
                     records: list[ConsentRecord] | None = None,
                     decisions: list[SharingDecision] | None = None) -> SharingPosition:
    """The sharing position of a contact: for each active ISA signatory, for each child (all the children on the
    contact, or those given), whether it may be asked now and on which basis, or why not. `agencies` is
    `signatories()` (the default), or its list (`cached_signatories()`, for display); `records` and `decisions`,
    when given, are the contact's as `consent_records_for` and `sharing_decisions_for` read them.

    Queries: the agencies (with whether each counts as health), the consent records, the sharing decisions (each
    unless given), and the contact's subjects unless prefetched. The count does not grow with the number of records.
    """
    children = contact_children(contact) if children is None else list(children)
    records = consent_records_for(contact) if records is None else records
    decisions = sharing_decisions_for(contact) if decisions is None else decisions
    agencies = [
        AgencyPosition(agency=agency, is_health=agency.is_health,
                       children=[_child_position(child, agency, agency.is_health, records, decisions)
                                 for child in children])
        for agency in (signatories() if agencies is None else agencies)
    ]
    return SharingPosition(contact=contact, children=children, agencies=agencies, records=records,
                           decisions=decisions)


def sharing_basis(contact: Contact, *, agency, child) -> Basis:
    """The basis on which `agency` may be asked about `child` now; DomainError saying why not otherwise. For the
    enquiries service, inside its own transaction."""
    position = sharing_position(contact, children=[child]).for_agency(agency)
    if position is None:
        raise DomainError(f"{agency} has not signed the information sharing agreement, or is not active")
    child_position = position.children[0]
    if child_position.basis is None:
        raise DomainError(f"{agency} may not be asked about {child}: {child_position.blocked}")
    return child_position.basis


# --- the panel on the contact page, flags, anonymity ----------------------------------------------------------


def get_consent_record_for_user(user, pk: int) -> ConsentRecord:
    """404 for anyone who may not see the record's contact."""
    record = (ConsentRecord.objects.filter(pk=pk, contact__in=contacts_visible_to(user))
              .select_related("contact", "given_by").first())
    if record is None:
        raise Http404("No consent record found")
    return record


def get_sharing_decision_for_user(user, pk: int) -> SharingDecision:
    decision = (SharingDecision.objects.filter(pk=pk, contact__in=contacts_visible_to(user))
                .select_related("contact", "proposed_by", "decided_by", "lawful_basis", "reason").first())
    if decision is None:
        raise Http404("No sharing decision found")
    return decision


def names_of(*, people=(), agencies=()) -> tuple[str, str]:
    """Names for lists of person and agency ids, as text ("Ava Brown, Leo Brown"). Two queries at most."""
    people, agencies = list(people), list(agencies)
    full = {pk: f"{first} {last}" for pk, first, last in Person.objects.filter(pk__in=people).values_list(
        "pk", "first_name", "last_name")} if people else {}
    named = dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "name")) if agencies else {}
    return ", ".join(full.get(pk, "") for pk in people), ", ".join(sorted(named.get(pk, "") for pk in agencies))


def get_flag_for_user(user, pk: int) -> BasisFlag:
    flag = BasisFlag.objects.filter(pk=pk, contact__in=contacts_visible_to(user)).select_related("contact").first()
    if flag is None:
        raise Http404("No flag found")
    return flag


def get_person_for_user(user, pk: int) -> Person:
    person = people_visible_to(user).filter(pk=pk).first()
    if person is None or not is_mash_staff(user):
        raise Http404("No person found")
    return person


def contact_people(contact: Contact) -> list[ContactSubject]:
    return list(contact.subjects.all())
