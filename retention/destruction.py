"""Destroying one record under the retention schedule, in the caller's transaction.

The record is a MASH contact: the contact and everything recorded on it (its people's places on it, screening and
its criteria, ratings, the outcome, drafts, grants of a restricted record, enquiries with their requests and the
agencies' returns, consent records, decisions to share, disclosures, flags, the referrer's anonymity, referrals,
lifted legal holds, its review), the deadline escalations of its clocks and the notifications about it, and the
simple-history rows of all of them. The people named on it go too, each with the records merged into or from them,
unless some other record still names them (another contact, a referral, a consent given on another contact...):
then they stay, as that record needs them.

The audit keeps every row (who did what, when), cleared of personal data through the kernel's one sanctioned path
(`mash.audit.audit_rewrite`): rows about a destroyed record lose their label and details; other rows whose details
name a destroyed person or the reference (a search typed by name, say) lose their words.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pgtrigger
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from simple_history.models import HistoricalChanges

from consent.models import BasisFlag, ConsentRecord, Disclosure, ReferrerAnonymity, SharingDecision
from contacts.models import (
    Contact,
    ContactSubject,
    ContactUserObjectPermission,
    FormDraft,
    Outcome,
    Person,
    Rating,
    Screening,
)
from enquiries.models import AgencyReturn, Enquiry, InformationRequest
from mash.audit import audit_rewrite
from mash.models import AuditEvent, Escalation, Notification, Stamp
from reports.models import Referral

from .models import DestructionReview, LegalHold

SCRUBBED = "[destroyed]"
SUBMITTED_RETURN_TRIGGERS = ("enquiries.AgencyReturn:return_submitted_kept",
                             "enquiries.AgencyReturn:return_submitted_frozen")
# Words shorter than this are not searched for on their own in other audit rows (a two-letter surname would match
# half the log); they are still cleared from every row about the record itself.
MIN_TERM = 3


@dataclass
class Destroyed:
    """What went: ids by model (for the audit's targets) and the words that identified the people and the record."""

    ids: dict[type[models.Model], set] = field(default_factory=lambda: defaultdict(set))
    terms: set[str] = field(default_factory=set)  # a full name, the reference, an identifier
    weak_terms: set[str] = field(default_factory=set)  # a name alone: searched for only in what people typed
    counts: Counter = field(default_factory=Counter)

    def add(self, model, pks) -> None:
        self.ids[model].update(pks)


def _ids(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def _delete(destroyed: Destroyed, model, queryset) -> None:
    pks = _ids(queryset)
    if not pks:
        return
    destroyed.add(model, pks)
    model.objects.filter(pk__in=pks).delete()
    destroyed.counts[str(model._meta.verbose_name_plural)] += len(pks)
    _delete_history(destroyed, model, pks)


def _delete_history(destroyed: Destroyed, model, pks) -> None:
    history = getattr(model, "history", None)
    if history is None or not hasattr(history, "model"):
        return
    historical = history.model
    rows = historical.objects.filter(id__in=pks)
    # The history of many-to-many fields (a screening's criteria) hangs off the history rows.
    for through in _history_children(historical):
        through.objects.filter(history__in=rows.values("history_id")).delete()
    n, _ = rows.delete()
    destroyed.counts["history rows"] += n


def _history_children(historical) -> list:
    return [m for m in apps.get_models(include_auto_created=True)
            if any(f.is_relation and f.concrete and f.related_model is historical and f.name == "history"
                   for f in m._meta.get_fields())]


def _historical_models_with(field_name: str, target) -> list:
    return [m for m in apps.get_models() if issubclass(m, HistoricalChanges)
            and any(f.name == field_name and f.is_relation and f.related_model is target
                    for f in m._meta.concrete_fields)]


# --- the people --------------------------------------------------------------------------------------------------


def _merge_component(person_ids: set[int]) -> set[int]:
    """The people and every record merged into or from them (the same person, recorded twice)."""
    found = set(person_ids)
    while True:
        linked = set(Person.objects.filter(Q(merged_into__in=found) | Q(pk__in=found))
                     .values_list("merged_into", flat=True)) | set(
            Person.objects.filter(merged_into__in=found).values_list("pk", flat=True))
        linked.discard(None)
        if linked <= found:
            return found
        found |= linked


def _person_references() -> list[tuple[type[models.Model], str]]:
    """Every live (not historical) model's foreign key to a person, the many-to-many tables' included, but a
    person's own `merged_into` (a merge group goes or stays whole) and a legal hold (checked before)."""
    refs = []
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, HistoricalChanges) or model in (Person, LegalHold):
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Person:
                refs.append((model, f.name))
    return refs


def people_still_needed(person_ids: set[int]) -> bool:
    return any(model._default_manager.filter(**{f"{name}__in": person_ids}).exists()
               for model, name in _person_references())


def _people_to_destroy(person_ids: set[int]) -> list[set[int]]:
    """The merge groups of these people that nothing left in the database names (run once the contact's own rows
    are gone)."""
    groups, seen = [], set()
    for pk in sorted(person_ids):
        if pk in seen:
            continue
        group = _merge_component({pk})
        seen |= group
        if not people_still_needed(group):
            groups.append(group)
    return groups


def _person_terms(person: Person) -> tuple[set[str], set[str]]:
    """The words that identify a person: strong ones (a full name, an NHS number, an address) and weak ones (a
    surname alone, which other people share)."""
    strong = {f"{person.first_name} {person.last_name}".strip(), person.nhs_number, person.upn, person.la_child_id,
              person.address.strip()}
    weak = {person.last_name.strip(), person.first_name.strip()}
    return {t for t in strong if len(t) >= MIN_TERM}, {t for t in weak if len(t) >= MIN_TERM}


# --- the audit ---------------------------------------------------------------------------------------------------


def _word_pattern(terms: set[str]) -> re.Pattern | None:
    if not terms:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _all_strings_scrubbed(value):
    """Every string in a JSON value becomes SCRUBBED (a search's name goes with the date of birth typed beside it);
    numbers and flags stay."""
    if isinstance(value, str):
        return SCRUBBED
    if isinstance(value, list):
        return [_all_strings_scrubbed(v) for v in value]
    if isinstance(value, dict):
        return {k: _all_strings_scrubbed(v) for k, v in value.items()}
    return value


def _as_json_text(term: str) -> set[str]:
    """How a word may stand in a JSON column's text: as it is (PostgreSQL's jsonb), or escaped (SQLite keeps
    Django's json.dumps, where "Zoë" is "Zo\\u00eb")."""
    return {term, json.dumps(term)[1:-1]}


def _scrub_audit(destroyed: Destroyed) -> int:
    about_record = Q(pk__in=[])
    for model, pks in destroyed.ids.items():
        if pks:
            about_record |= Q(target_type=ContentType.objects.get_for_model(model),
                              target_id__in=[str(pk) for pk in pks])
    scrubbed = 0
    with audit_rewrite():
        # Rows about the record itself: who did what and when stays; the label and the details go.
        scrubbed += AuditEvent.objects.filter(about_record).update(target_label=SCRUBBED,
                                                                   changes={"destroyed": True})
        strong = _word_pattern(destroyed.terms)
        typed = _word_pattern(destroyed.terms | destroyed.weak_terms)
        if typed is None:
            return scrubbed
        # Other rows naming a destroyed person or the record: their words go. A full name, the reference or an
        # identifier anywhere; a name alone only in a row about no record (what someone typed into a search), as
        # other people share surnames. The database narrows the rows by substring; the patterns then match whole
        # words only.
        named = Q(pk__in=[])
        for term in destroyed.terms:
            named |= Q(target_label__icontains=term)
            for text in _as_json_text(term):
                named |= Q(changes_text__icontains=text)
        for term in destroyed.weak_terms:
            for text in _as_json_text(term):
                named |= Q(target_type__isnull=True, changes_text__icontains=text)
        changed = []
        for event in (AuditEvent.objects.exclude(about_record).annotate(changes_text=Cast("changes", TextField()))
                      .filter(named).only("pk", "target_type", "target_label", "changes").iterator(chunk_size=500)):
            pattern = typed if event.target_type_id is None else strong
            if pattern is None:
                continue
            label = SCRUBBED if pattern.search(event.target_label) else event.target_label
            changes = (_all_strings_scrubbed(event.changes) if pattern.search(str(event.changes))
                       else event.changes)
            if (label, changes) != (event.target_label, event.changes):
                event.target_label, event.changes = label, changes
                changed.append(event)
        AuditEvent.objects.bulk_update(changed, ["target_label", "changes"], batch_size=500)
        scrubbed += len(changed)
    return scrubbed


# --- the record --------------------------------------------------------------------------------------------------

# The rows that hang off a contact by its foreign key, in an order the PROTECTed keys allow (those that point at
# others first). Enquiries (and their requests and returns), legal holds, the review and the people's places on it
# are taken before; tests/test_destruction.py checks that every model with a key to a contact is in one of them.
ON_THE_CONTACT = (Disclosure, BasisFlag, ConsentRecord, SharingDecision, ReferrerAnonymity, Referral, Outcome,
                  Screening, Rating, FormDraft, ContactUserObjectPermission)
ALSO_ON_THE_CONTACT = (Enquiry, LegalHold, DestructionReview, ContactSubject)


def destroy_contact(contact: Contact) -> Destroyed:
    """Remove the contact and everything about it (module docstring). The caller holds the transaction, has the
    contact locked and has checked it may go (closed, reviewed, no hold)."""
    destroyed = Destroyed()
    c = contact.pk
    destroyed.terms |= {t for t in (contact.reference, contact.referrer_name, contact.referrer_email,
                                    contact.referrer_phone) if len(t.strip()) >= MIN_TERM}
    person_ids = set(ContactSubject.objects.filter(contact_id=c).values_list("person_id", flat=True))
    requests = InformationRequest.objects.filter(enquiry__contact_id=c)
    request_ids = _ids(requests)
    rating_ids = _ids(Rating.objects.filter(contact_id=c))

    # What the deadlines and the outbox hold about it: escalations of its clocks, and messages naming it.
    clocks = Q(pk__in=[])
    for model, pks in ((Contact, {c}), (Rating, rating_ids), (InformationRequest, request_ids)):
        if pks:
            clocks |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=pks)
    escalation_ids = _ids(Escalation.objects.filter(clocks))
    links = [contact.get_absolute_url()]
    for pk in request_ids:
        request = InformationRequest(pk=pk)
        links += [request.get_absolute_url(), request.get_partner_url()]
    about = Q(escalation_id__in=escalation_ids) | Q(link__in=links) | Q(link__startswith=contact.get_absolute_url())
    for text_field in ("subject", "body", "link"):
        about |= Q(**{f"{text_field}__contains": contact.reference})

    with pgtrigger.ignore(*SUBMITTED_RETURN_TRIGGERS):  # a submitted return is never deleted, but with its record
        _delete(destroyed, AgencyReturn, AgencyReturn.objects.filter(request_id__in=request_ids))
    _delete(destroyed, InformationRequest, requests)
    _delete(destroyed, Enquiry, Enquiry.objects.filter(contact_id=c))
    for model in ON_THE_CONTACT:
        _delete(destroyed, model, model.objects.filter(**{_contact_field(model): c}))
    _delete(destroyed, LegalHold, LegalHold.objects.filter(contact_id=c))  # lifted ones: an active one refused
    _delete(destroyed, DestructionReview, DestructionReview.objects.filter(contact_id=c))
    _delete(destroyed, ContactSubject, ContactSubject.objects.filter(contact_id=c))
    _delete_messages(destroyed, about)
    _delete(destroyed, Escalation, Escalation.objects.filter(pk__in=escalation_ids))
    _delete(destroyed, Contact, Contact.objects.filter(pk=c))
    for historical in _historical_models_with("contact", Contact):  # anything of it deleted earlier, too
        destroyed.counts["history rows"] += historical.objects.filter(contact_id=c).delete()[0]

    gone = set()
    for group in _people_to_destroy(person_ids):
        gone |= group
        people = list(Person.objects.filter(pk__in=group))
        for person in people:
            strong, weak = _person_terms(person)
            destroyed.terms |= strong
            destroyed.weak_terms |= weak
        _delete(destroyed, LegalHold, LegalHold.objects.filter(person_id__in=group))
        Person.objects.filter(pk__in=group).update(merged_into=None)  # the group goes whole
        _delete(destroyed, Person, Person.objects.filter(pk__in=group))
    _delete_generic_grants(destroyed)
    # Messages naming a destroyed person (an immediate-risk alert names the children).
    named = _word_pattern(destroyed.terms)
    if named is not None:
        rows = Q(pk__in=[])
        for term in destroyed.terms:
            rows |= Q(subject__icontains=term) | Q(body__icontains=term)
        ids = [n.pk for n in Notification.objects.filter(rows).only("pk", "subject", "body")
               if named.search(n.subject) or named.search(n.body)]
        _delete_messages(destroyed, Q(pk__in=ids))
    destroyed.counts["audit rows cleared"] = _scrub_audit(destroyed)
    # The versions of what pages drew about it, kept under scopes named by its reference (its page, its consent:
    # contacts.stamps, consent.stamps) and by its people's ids: deleted once the commit has run the deletions' own
    # raising of them, which would make them anew.
    reference, people_scopes = contact.reference, [f"person:{pk}" for pk in gone]
    transaction.on_commit(lambda: Stamp.objects.filter(Q(key__endswith=f":{reference}") | Q(key__in=people_scopes))
                          .delete())
    return destroyed


def _contact_field(model) -> str:
    return "content_object_id" if model is ContactUserObjectPermission else "contact_id"


def _delete_messages(destroyed: Destroyed, rows: Q) -> None:
    n, _ = Notification.objects.filter(rows).delete()
    destroyed.counts["notifications"] += n


def _delete_generic_grants(destroyed: Destroyed) -> None:
    """django-guardian's generic tables (the app uses its direct table for contacts; anything granted the generic
    way goes too)."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    for model in (Contact, Person):
        pks = [str(pk) for pk in destroyed.ids.get(model, ())]
        if pks:
            content_type = ContentType.objects.get_for_model(model)
            for grants in (UserObjectPermission, GroupObjectPermission):
                grants.objects.filter(content_type=content_type, object_pk__in=pks).delete()
