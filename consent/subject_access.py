"""What has been shared about a person: every contact naming them, the decisions, the consent records, the
decisions to share without consent and every disclosure about them.

One builder serves the staff page (everything, names included) and the subject access export a manager gives
the family (the same facts, other people's details withheld). The HTML and the JSON export render the same
redacted structure, so neither can show what the other withholds.

Withheld in the export: everyone else named on those contacts (brothers and sisters, parents and carers, other
adults, an alleged source of harm) wherever their names appear, including inside free text; and the referrer's
identity (name, organisation, e-mail, phone) when they asked to stay anonymous (ReferrerAnonymity), made the
contact anonymously (referral source 9), or are a member of the public (sources 1A-1D and 10: DfE advice, protect
the identities of people who could be harmed if named). Staff are named: they acted in their professional roles.
Free text is searched for the names the system knows; a name it does not know (someone mentioned only in a
narrative) cannot be found, so the export says a person must read it before it is released.
"""

from __future__ import annotations

import re

from django.utils import timezone

from agencies.models import Agency, AgencyKind
from contacts.codes import ReferralSource
from contacts.models import ContactSubject, Person
from contacts.selectors import contacts_visible_to

from .codes import Capacity, Explained, InfoKind
from .models import ConsentRecord, Disclosure, ReferrerAnonymity, SharingDecision

WITHHELD = "[withheld]"
MIN_NAME_PART = 2  # single letters are never searched for


class Redactor:
    """Replaces the names of other people (and an anonymous referrer's details) in text with [withheld]."""

    def __init__(self, own_names: set[str], others: set[str]):
        own = {n.lower() for n in own_names}
        parts = {p for p in others if len(p) >= MIN_NAME_PART and p.lower() not in own}
        self.pattern = (re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
                                   + r")(?!\w)", re.IGNORECASE) if parts else None)

    def __call__(self, text: str) -> str:
        if not text or self.pattern is None:
            return text or ""
        return self.pattern.sub(WITHHELD, text)


def _name_parts(person: Person) -> set[str]:
    full = f"{person.first_name} {person.last_name}".strip()
    return {full, person.first_name, person.last_name, *person.first_name.split(), *person.last_name.split()}


def _referrer_hidden(contact, anonymity_ids: set[int]) -> bool:
    return (contact.pk in anonymity_ids or contact.referral_source == ReferralSource.ANONYMOUS
            or contact.referral_source not in ReferralSource.professional())


def _referrer_details(contact) -> set[str]:
    details = {contact.referrer_name, contact.referrer_organisation, contact.referrer_email, contact.referrer_phone,
               *contact.referrer_name.split()}
    return {d for d in details if d and d.lower() not in {"anonymous", "unknown"}}


def what_was_shared(person: Person, *, user, redact: bool) -> dict:
    """Everything recorded about what was shared about `person` (and any record merged into theirs), on the
    contacts `user` may see (a restricted contact only for those granted it).

    Queries: merged records, the person's contact rows (with contacts and outcomes), everyone on those contacts,
    anonymity requests, consent records and sharing decisions on those contacts, the agencies they name,
    disclosures about the person: a fixed number, whatever the history.
    """
    ids = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    own = (ContactSubject.objects.filter(person_id__in=ids, contact__in=contacts_visible_to(user))
           .select_related("contact", "contact__outcome__receiving_team", "contact__outcome__decided_by")
           .order_by("contact__received_at", "contact_id"))
    own = list(own)
    contacts = {s.contact_id: s.contact for s in own}
    everyone = list(ContactSubject.objects.filter(contact_id__in=contacts).select_related("person")
                    .order_by("contact_id", "position"))
    anonymity_ids = set(ReferrerAnonymity.objects.filter(contact_id__in=contacts).values_list("contact_id", flat=True))
    own_parts = _name_parts(person)
    others: set[str] = set()
    for subject in everyone:
        if subject.person_id not in ids:
            others |= _name_parts(subject.person)
    hidden_referrers = {cid for cid, c in contacts.items() if _referrer_hidden(c, anonymity_ids)}
    for cid in hidden_referrers:
        others |= _referrer_details(contacts[cid])
    scrub = Redactor(own_parts, others) if redact else (lambda text: text or "")
    roles = {(s.contact_id, s.person_id): s.get_role_display() for s in everyone}

    def who(p: Person, contact_id: int) -> str:
        if p.pk in ids or not redact:
            return str(p)
        role = roles.get((contact_id, p.pk), "Someone else named")
        return f"{role} (name withheld)"

    def referrer(contact) -> str:
        if redact and contact.pk in hidden_referrers:
            return "The referrer (identity withheld)"
        parts = [contact.referrer_name, contact.referrer_role, contact.referrer_organisation]
        return ", ".join(p for p in parts if p)

    def staff(user) -> str:
        return str(user) if user is not None else "The system"

    out_contacts = []
    for subject in own:
        c = subject.contact
        outcome = getattr(c, "outcome", None)
        out_contacts.append({
            "reference": c.reference,
            "received_at": c.received_at,
            "named_as": subject.get_role_display(),
            "how": c.get_channel_display(),
            "referral_source": c.get_referral_source_display(),
            "referrer": referrer(c),
            "concern": scrub(c.concern),
            "others_named": [who(s.person, c.pk) for s in everyone if s.contact_id == c.pk and s.person_id not in ids],
            "state": c.get_state_display(),
            "rating": c.get_rating_display() if c.rating else "",
            "outcome": None if outcome is None else {
                "decision": outcome.get_kind_display(),
                "rationale": scrub(outcome.rationale),
                "summary_for_receiving_service": scrub(outcome.summary),
                "receiving_team": str(outcome.receiving_team) if outcome.receiving_team_id else "",
                "decided_by": staff(outcome.decided_by),
                "decided_at": outcome.decided_at,
            },
        })

    references = {cid: c.reference for cid, c in contacts.items()}
    mine = set(ids)
    # The records on the person's contacts that cover them or that they gave (the contacts are few: filtered here).
    records = [r for r in ConsentRecord.objects.filter(contact_id__in=contacts).select_related(
        "given_by", "recorded_by", "withdrawal_recorded_by").order_by("obtained_at", "id")
        if r.given_by_id in mine or mine & set(r.children_ids)]
    decisions = [d for d in SharingDecision.objects.filter(contact_id__in=contacts).select_related(
        "proposed_by", "decided_by").order_by("proposed_at", "id") if mine & set(d.children_ids)]
    named = {pk for row in [*records, *decisions] for pk in row.agency_ids}
    agency_names = dict(Agency.objects.filter(pk__in=named).values_list("pk", "name")) if named else {}
    persons = {s.person_id: s.person for s in everyone}
    out_consent = []
    for r in records:
        out_consent.append({
            "contact": references[r.contact_id],
            "state": r.get_state_display(),
            "given_by": who(r.given_by, r.contact_id),
            "capacity": Capacity(r.capacity).label,
            "covers": [who(persons[pk], r.contact_id) for pk in r.children_ids if pk in persons],
            "agencies": [AgencyKind(k).label for k in r.agency_kinds] + sorted(
                agency_names.get(pk, "") for pk in r.agency_ids),
            "information": [InfoKind(k).label for k in r.info_kinds],
            "purpose": scrub(r.purpose),
            "how": r.get_method_display(),
            "explained": [Explained(k).label for k in r.explained],
            "understood": r.understood,
            "asked_by": scrub(r.obtained_by),
            "asked_at": r.obtained_at,
            "recorded_by": staff(r.recorded_by),
            "withdrawn_at": r.withdrawn_at,
            "withdrawal": scrub(r.withdrawal_note),
        })

    out_decisions = []
    for d in decisions:
        out_decisions.append({
            "contact": references[d.contact_id],
            "state": d.get_state_display(),
            "agencies": sorted(agency_names.get(pk, "") for pk in d.agency_ids),
            "covers": [who(persons[pk], d.contact_id) for pk in d.children_ids if pk in persons],
            "threshold": d.get_threshold_display(),
            "reason": d.reason_label,
            "why_without_consent": scrub(d.narrative),
            "purpose": scrub(d.purpose),
            "family_told": d.get_family_told_display(),
            "family_told_on": d.family_told_on,
            "why_not_told": scrub(d.family_not_told_reason),
            "proposed_by": staff(d.proposed_by),
            "proposed_at": d.proposed_at,
            "lawful_basis": d.basis_text,
            "decided_by": staff(d.decided_by) if d.decided_by_id else "",
            "decided_at": d.decided_at,
            "decision_note": scrub(d.decision_note),
        })

    disclosures = (Disclosure.objects.filter(about__in=ids, contact_id__in=contacts).distinct()
                   .select_related("to_agency", "to_team__agency", "disclosed_by", "consent_record__given_by",
                                   "sharing_decision")
                   .order_by("disclosed_at", "id"))
    out_disclosures = []
    for x in disclosures:
        to = str(x.to_team) if x.to_team_id else (x.to_agency.name if x.to_agency_id else "")
        person_to = x.to_person
        if redact and x.contact_id in hidden_referrers and "(the referrer)" in person_to:
            person_to = "The referrer (identity withheld)"
        else:
            person_to = scrub(person_to)
        out_disclosures.append({
            "contact": references[x.contact_id],
            "shared_at": x.disclosed_at,
            "shared_by": staff(x.disclosed_by),
            "what": scrub(x.summary),
            "fields": list(x.field_names),
            "words_sent": scrub(x.content),
            "to": ", ".join(p for p in (to, person_to) if p),
            "basis": x.get_basis_kind_display(),
        })

    return {
        "person": {
            "name": str(person),
            "date_of_birth": person.date_of_birth,
            "nhs_number": person.nhs_number,
        },
        "produced_at": timezone.now(),
        "produced_by": staff(user),
        "redacted": redact,
        "contacts": out_contacts,
        "consent_records": out_consent,
        "sharing_decisions": out_decisions,
        "disclosures": out_disclosures,
    }


def counts(report: dict) -> dict:
    return {key: len(report[key]) for key in ("contacts", "consent_records", "sharing_decisions", "disclosures")}


def as_json(report: dict) -> dict:
    """The report with dates as ISO 8601 text."""

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    return plain(report)

