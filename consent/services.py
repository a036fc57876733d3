"""Writes for consent. Each service is one transaction that locks the contact, checks its rules (raising one
DomainError with every problem, writing nothing), changes, and writes its own audit row with the contact as
target, so the contact's timeline shows each consent and sharing event with who and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from contacts.codes import CHILD_ROLES
from contacts.models import Contact, Person
from mash import notify
from mash.audit import audit_record
from mash.deadlines import group_member_ids
from mash.errors import DomainError, Problems

from . import rules, selectors, signals
from .actions import ConsentAction
from .codes import (
    FOR_THEMSELVES,
    Capacity,
    ConsentState,
    DecisionOutcome,
    DecisionState,
    DisclosureBasis,
    Explained,
    FamilyTold,
    InfoKind,
    YesNo,
)
from .models import (
    BasisFlag,
    ConsentRecord,
    Disclosure,
    LawfulBasis,
    ReferrerAnonymity,
    SharingDecision,
    SharingReason,
)

ADULT_AGE = 18


def _lock(contact: Contact) -> Contact:
    """Re-read the contact under a row lock: consent changes on one contact are made one after the other, so the
    position a withdrawal is compared with is the one it changed."""
    return Contact.objects.select_for_update().get(pk=contact.pk)


def _ids(values, problems: Problems, *, field: str, message: str) -> list[int]:
    """Ids typed or chosen on a form (strings or numbers): each must be a whole number."""
    if values is None:
        return []
    if isinstance(values, str | int):
        values = [values]
    ids = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit():
            problems.add(field, message)
            return []
        ids.append(int(text))
    return list(dict.fromkeys(ids))


def _one_id(value, problems: Problems, *, field: str, missing: str, invalid: str) -> int | None:
    ids = _ids(value, problems, field=field, message=invalid)
    if not ids and not _said(problems, field):
        problems.add(field, missing)
    return ids[0] if ids else None


def _said(problems: Problems, field: str) -> bool:
    """Whether something is already wrong with this input (one message a field is enough)."""
    return any(name == field for name, _ in problems.errors)


def _codes(values, allowed, problems: Problems, *, field: str, message: str) -> list[str]:
    values = [str(v) for v in (values or []) if str(v)]
    if any(v not in allowed for v in values):
        problems.add(field, message)
        return []
    return list(dict.fromkeys(values))


def _names(people: Iterable) -> str:
    return ", ".join(str(p) for p in people)


def _age_on(person: Person, day: date) -> int | None:
    born = person.date_of_birth
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _scope_words(kinds: list[str], agencies: list[Agency]) -> str:
    labels = [AgencyKind(k).label for k in kinds] + [a.name for a in agencies]
    return ", ".join(labels) or "no agencies"


# --- consent -------------------------------------------------------------------------------------------------


def consent_record(
    *,
    actor,
    contact: Contact,
    state: str,
    given_by,
    capacity: str,
    children,
    purpose: str,
    method: str,
    understood: str,
    obtained_by: str,
    obtained_at: datetime | None,
    agency_kinds=(),
    agencies=(),
    info_kinds=(),
    explained=(),
    competence_note: str = "",
    notes: str = "",
) -> ConsentRecord:
    """Record that someone named on the contact agreed to (or refused) the MASH asking agencies about children on
    the contact: for whom, which agencies or kinds of agency, which kinds of information, for what, how, what they
    were told and whether they understood.

    `given_by` is a person's id, `children` and `agencies` lists of ids (as a form posts them): each must be on
    this contact (or an agency that exists). A refusal that takes away a basis for asking flags it to the
    managers (see `_basis_changed`).
    """
    problems = Problems()
    state = rules.STATE.check(state, problems)
    given_by_id = _one_id(given_by, problems, field="given_by", missing=rules.GIVEN_BY_MISSING,
                          invalid=rules.NOT_ON_CONTACT)
    capacity = rules.CAPACITY.check(capacity, problems)
    competence_note = rules.COMPETENCE_NOTE.check(competence_note, problems)
    children_ids = _ids(children, problems, field="children", message=rules.CHILD_NOT_ON_CONTACT)
    agency_kinds = _codes(agency_kinds, AgencyKind.values, problems, field="agency_kinds",
                          message=rules.AGENCY_KINDS_INVALID)
    agency_ids = _ids(agencies, problems, field="agencies", message=rules.AGENCY_UNKNOWN)
    info_kinds = _codes(info_kinds, InfoKind.values, problems, field="info_kinds", message=rules.INFO_KINDS_INVALID)
    purpose = rules.PURPOSE.check(purpose, problems)
    method = rules.METHOD.check(method, problems)
    explained = _codes(explained, Explained.values, problems, field="explained", message=rules.EXPLAINED_INVALID)
    understood = rules.UNDERSTOOD.check(understood, problems)
    obtained_by = rules.OBTAINED_BY.check(obtained_by, problems)
    notes = rules.NOTES.check(notes, problems)
    if obtained_at is None:
        problems.add("obtained_at", rules.OBTAINED_AT_MISSING)
    elif obtained_at > timezone.now():
        problems.add("obtained_at", rules.OBTAINED_AT_FUTURE)
    if capacity == Capacity.GILLICK and not competence_note and not _said(problems, "competence_note"):
        problems.add("competence_note", rules.COMPETENCE_NEEDED)
    if state == ConsentState.GIVEN:
        if not info_kinds and not _said(problems, "info_kinds"):
            problems.add("info_kinds", rules.INFO_KINDS_MISSING)
        if set(explained) != set(Explained.values) and not _said(problems, "explained"):
            problems.add("explained", rules.EXPLAINED_INCOMPLETE)
        if understood == YesNo.NO:
            problems.add("understood", rules.NOT_UNDERSTOOD)
    if not agency_kinds and not agency_ids and not (_said(problems, "agency_kinds")
                                                    or _said(problems, "agencies")):
        problems.add("agency_kinds", rules.SCOPE_MISSING)

    with transaction.atomic():
        contact = _lock(contact)
        subjects = {s.person_id: s for s in contact.subjects.select_related("person")}
        giver = subjects.get(given_by_id) if given_by_id is not None else None
        if given_by_id is not None and giver is None:
            problems.add("given_by", rules.NOT_ON_CONTACT)
        if any(pk not in subjects for pk in children_ids):
            problems.add("children", rules.CHILD_NOT_ON_CONTACT)
            children_ids = []
        agency_rows = list(Agency.objects.filter(pk__in=agency_ids))
        if len(agency_rows) != len(agency_ids):
            problems.add("agencies", rules.AGENCY_UNKNOWN)
        if giver is not None and capacity:
            giver_is_child = giver.role in CHILD_ROLES
            if capacity == Capacity.PARENT:
                if giver_is_child:
                    problems.add("given_by", rules.PARENT_NOT_ADULT)
                if any(subjects[pk].role not in CHILD_ROLES for pk in children_ids):
                    problems.add("children", rules.CHILD_NOT_ON_CONTACT)
                elif not children_ids and not _said(problems, "children"):
                    problems.add("children", rules.CHILDREN_MISSING)
            else:
                if capacity in (Capacity.GILLICK, Capacity.YOUNG_PERSON) and not giver_is_child:
                    problems.add("given_by", rules.SELF_NOT_CHILD)
                if capacity == Capacity.ADULT_SELF and giver_is_child:
                    problems.add("given_by", rules.ADULT_SELF_NOT_ADULT)
                age = _age_on(giver.person, timezone.localdate())
                if capacity == Capacity.YOUNG_PERSON and age is not None and not 16 <= age < ADULT_AGE:
                    problems.add("given_by", rules.YOUNG_PERSON_AGE)
                if capacity in FOR_THEMSELVES:
                    if children_ids and children_ids != [given_by_id]:
                        problems.add("children", rules.FOR_THEMSELVES_ONLY)
                    children_ids = [given_by_id]
        elif not children_ids and capacity not in FOR_THEMSELVES and not _said(problems, "children"):
            problems.add("children", rules.CHILDREN_MISSING)
        problems.raise_if_any()

        before = selectors.sharing_position(contact)
        record = ConsentRecord.objects.create(
            contact=contact, given_by=giver.person, capacity=capacity, competence_note=competence_note,
            children_ids=children_ids, agency_kinds=agency_kinds, agency_ids=sorted(a.pk for a in agency_rows),
            info_kinds=info_kinds, purpose=purpose, method=method,
            explained=[code for code in Explained.values if code in explained], understood=understood == YesNo.YES,
            state=state, obtained_by=obtained_by, obtained_at=obtained_at, notes=notes, recorded_by=actor,
        )
        covered = [subjects[pk].person for pk in children_ids]
        given = state == ConsentState.GIVEN
        audit_record(
            actor=actor, action=ConsentAction.CONSENT_GIVEN if given else ConsentAction.CONSENT_REFUSED,
            target=contact,
            changes={
                "consent_record": record.pk, "given_by": str(giver.person), "capacity": capacity,
                "children": [p.pk for p in covered], "agency_kinds": agency_kinds, "agencies": agency_ids,
                "info_kinds": info_kinds, "method": method, "explained": record.explained,
                "obtained_by": obtained_by, "obtained_at": obtained_at.isoformat(),
                "summary": (f"{giver.person} ({Capacity(capacity).label.lower()}) "
                            f"{'agreed' if given else 'refused'}, for {_names(covered)}: "
                            f"{_scope_words(agency_kinds, agency_rows)}"),
            },
        )
        if not given:
            _basis_changed(actor=actor, contact=contact, record=record, before=before)
    return record


def consent_withdraw(*, actor, record: ConsentRecord, withdrawn_at: datetime | None, method: str,
                     note: str = "") -> ConsentRecord:
    """The person withdraws a consent they gave. The position changes at once; whatever could be asked only under
    it is flagged to the managers, and the enquiries app is told (`signals.basis_withdrawn`)."""
    problems = Problems()
    method = rules.WITHDRAWAL_METHOD.check(method, problems)
    note = rules.WITHDRAWAL_NOTE.check(note, problems)
    if withdrawn_at is None:
        problems.add("withdrawn_at", rules.WITHDRAWN_AT_MISSING)
    elif withdrawn_at > timezone.now():
        problems.add("withdrawn_at", rules.WITHDRAWN_AT_FUTURE)
    with transaction.atomic():
        contact = _lock(record.contact)
        record = ConsentRecord.objects.select_for_update().select_related("given_by").get(pk=record.pk)
        if record.state != ConsentState.GIVEN:
            raise DomainError(rules.NOT_WITHDRAWABLE.format(state=record.get_state_display().lower()))
        if withdrawn_at is not None and withdrawn_at < record.obtained_at:
            given = f"{timezone.localtime(record.obtained_at):%d %B %Y at %H:%M}"
            problems.add("withdrawn_at", rules.WITHDRAWN_BEFORE_GIVEN.format(given=given))
        problems.raise_if_any()
        before = selectors.sharing_position(contact)
        now = timezone.now()
        record.state = ConsentState.WITHDRAWN
        record.withdrawn_at = withdrawn_at
        record.withdrawal_method = method
        record.withdrawal_note = note
        record.withdrawal_recorded_by = actor
        record.withdrawal_recorded_at = now
        record.save()
        audit_record(
            actor=actor, action=ConsentAction.CONSENT_WITHDRAWN, target=contact,
            changes={"consent_record": record.pk, "given_by": str(record.given_by), "method": method,
                     "withdrawn_at": withdrawn_at.isoformat(), "note": note,
                     "summary": f"{record.given_by} withdrew the consent given "
                                f"{timezone.localtime(record.obtained_at):%d %B %Y}"},
        )
        _basis_changed(actor=actor, contact=contact, record=record, before=before)
    return record


def _basis_changed(*, actor, contact: Contact, record: ConsentRecord, before: selectors.SharingPosition) -> None:
    """After a withdrawal or a refusal: what may no longer be asked. If anything, a flag on the contact for the
    managers (and a notification to each), in this transaction. The enquiries app is told of every withdrawal,
    and of a refusal that took anything away, so it can flag the information requests in flight."""
    after = selectors.sharing_position(contact).permitted_pairs()
    lost = [
        selectors.Lost(agency=agency_position.agency, child=child_position.child, basis=child_position.basis)
        for agency_position in before.agencies for child_position in agency_position.children
        if child_position.permitted and (agency_position.agency.pk, child_position.child.pk) not in after
    ]
    flag = None
    if lost:
        grouped: dict[int, dict] = {}
        for item in lost:
            entry = grouped.setdefault(item.agency.pk, {"agency_id": item.agency.pk, "agency": item.agency.name,
                                                        "children": []})
            entry["children"].append({"id": item.child.pk, "name": str(item.child)})
        flag = BasisFlag.objects.create(contact=contact, consent_record=record, lost=list(grouped.values()))
        what = "withdrew consent" if record.state == ConsentState.WITHDRAWN else "refused consent"
        summary = "; ".join(f"{e['agency']} about {', '.join(c['name'] for c in e['children'])}"
                            for e in grouped.values())
        audit_record(actor=actor, action=ConsentAction.BASIS_FLAG_RAISED, target=contact,
                     changes={"flag": flag.pk, "consent_record": record.pk, "lost": flag.lost,
                              "summary": f"{record.given_by} {what}. No longer to be asked: {summary}"})
        notify.notifications_queue(
            notify.Message(
                recipient_id=manager_id, kind="basis_lost", link=contact.get_absolute_url(),
                subject=f"{contact.reference}: {record.given_by} {what}: check requests in flight",
                body=(f"{record.given_by} {what} on {contact.reference}. These may no longer be asked: {summary}. "
                      "Check any information requests already made under it, then clear the flag on the contact."),
            )
            for manager_id in group_member_ids(settings.DEADLINE_MANAGER_GROUP)
        )
    if lost or record.state == ConsentState.WITHDRAWN:
        signals.basis_withdrawn.send(sender=ConsentRecord, contact=contact, consent_record=record, actor=actor,
                                     flag=flag, lost=lost)


def basis_flag_clear(*, actor, flag: BasisFlag, note: str) -> BasisFlag:
    """A manager has checked what was in flight under a lost basis, and says what they did."""
    problems = Problems()
    note = rules.CLEAR_NOTE.check(note, problems)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(flag.contact)
        flag = BasisFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.cleared_at is not None:
            raise DomainError(rules.ALREADY_CLEARED)
        flag.cleared_by = actor
        flag.cleared_at = timezone.now()
        flag.clear_note = note
        flag.save()
        audit_record(actor=actor, action=ConsentAction.BASIS_FLAG_CLEARED, target=contact,
                     changes={"flag": flag.pk, "note": note, "summary": note})
    return flag


# --- sharing without consent ---------------------------------------------------------------------------------


def _reason_check(reason_id, problems: Problems) -> SharingReason | None:
    pk = _one_id(reason_id, problems, field="reason", missing=rules.REASON_MISSING, invalid=rules.REASON_UNKNOWN)
    if pk is None:
        return None
    reason = SharingReason.objects.filter(pk=pk, active=True).first()
    if reason is None:
        problems.add("reason", rules.REASON_UNKNOWN)
    return reason


def _health_gate_check(reason: SharingReason | None, agencies: list[Agency], problems: Problems) -> None:
    """A health agency may be asked without consent only for a reason recording the overriding public interest."""
    if reason is None or reason.overrides_confidentiality:
        return
    health = [a for a in agencies if getattr(a, "is_health", False)]
    if health:
        problems.add("agencies", rules.HEALTH_NEEDS_OVERRIDE.format(
            agencies=" and ".join(a.name for a in health), them="it" if len(health) == 1 else "them"))


def sharing_propose(
    *,
    actor,
    contact: Contact,
    children,
    agencies,
    threshold: str,
    reason,
    narrative: str,
    purpose: str,
    family_told: str,
    family_told_on: date | None = None,
    family_not_told_reason: str = "",
    advice: str = "",
) -> SharingDecision:
    """Propose sharing without consent (or despite a refusal) with some agencies about some children on the
    contact, for a reason from the list. Another manager decides (`sharing_decide`)."""
    problems = Problems()
    children_ids = _ids(children, problems, field="children", message=rules.CHILD_NOT_ON_CONTACT)
    agency_ids = _ids(agencies, problems, field="agencies", message=rules.DECISION_AGENCY_UNKNOWN)
    threshold = rules.THRESHOLD.check(threshold, problems)
    reason = _reason_check(reason, problems)
    narrative = rules.NARRATIVE.check(narrative, problems)
    purpose = rules.DECISION_PURPOSE.check(purpose, problems)
    advice = rules.ADVICE.check(advice, problems)
    family_told = rules.FAMILY_TOLD.check(family_told, problems)
    family_not_told_reason = rules.FAMILY_NOT_TOLD_REASON.check(family_not_told_reason, problems)
    if family_told in (FamilyTold.TOLD, FamilyTold.WILL_BE_TOLD) and family_told_on is None:
        problems.add("family_told_on", rules.FAMILY_TOLD_ON_MISSING)
    if (family_told == FamilyTold.NOT_TOLD and not family_not_told_reason
            and not _said(problems, "family_not_told_reason")):
        problems.add("family_not_told_reason", rules.FAMILY_NOT_TOLD_REASON_MISSING)
    if family_told == FamilyTold.NOT_TOLD:
        family_told_on = None
    with transaction.atomic():
        contact = _lock(contact)
        children_on_contact = {s.person_id: s.person for s in contact.subjects.select_related("person")
                               if s.role in CHILD_ROLES}
        if any(pk not in children_on_contact for pk in children_ids):
            problems.add("children", rules.CHILD_NOT_ON_CONTACT)
        elif not children_ids and not _said(problems, "children"):
            problems.add("children", rules.DECISION_CHILDREN_MISSING)
        agency_rows = list(selectors.signatories().filter(pk__in=agency_ids))
        if len(agency_rows) != len(agency_ids):
            problems.add("agencies", rules.DECISION_AGENCY_UNKNOWN)
        elif not agency_ids and not _said(problems, "agencies"):
            problems.add("agencies", rules.DECISION_AGENCIES_MISSING)
        _health_gate_check(reason, agency_rows, problems)
        problems.raise_if_any()
        decision = SharingDecision.objects.create(
            contact=contact, threshold=threshold, reason=reason, reason_label=reason.label,
            reason_overrides_confidentiality=reason.overrides_confidentiality, narrative=narrative, purpose=purpose,
            advice=advice, family_told=family_told, family_told_on=family_told_on,
            family_not_told_reason=family_not_told_reason if family_told == FamilyTold.NOT_TOLD else "",
            proposed_by=actor, proposed_at=timezone.now(), children_ids=children_ids,
            agency_ids=sorted(a.pk for a in agency_rows),
        )
        covered = [children_on_contact[pk] for pk in children_ids]
        audit_record(
            actor=actor, action=ConsentAction.SHARING_PROPOSED, target=contact,
            changes={"sharing_decision": decision.pk, "children": children_ids, "agencies": agency_ids,
                     "reason": reason.label, "threshold": threshold, "narrative": narrative,
                     "summary": f"{_names(a.name for a in agency_rows)} about {_names(covered)}: {reason.label}"},
        )
        managers = [pk for pk in group_member_ids(settings.DEADLINE_MANAGER_GROUP) if pk != actor.pk]
        notify.notifications_queue(
            notify.Message(recipient_id=pk, kind="sharing_proposed", link=contact.get_absolute_url(),
                           subject=f"{contact.reference}: sharing without consent awaits your decision",
                           body=f"{actor} proposes asking {_names(a.name for a in agency_rows)} without consent: "
                                f"{reason.label}.")
            for pk in managers
        )
    return decision


def sharing_decide(*, actor, decision: SharingDecision, outcome: str, lawful_basis=None,
                   note: str = "") -> SharingDecision:
    """Four eyes: a manager who did not propose it decides to share (with the lawful basis, from the list) or not
    to share (with their reasons). The decision keeps a snapshot of the basis and reason as decided."""
    problems = Problems()
    outcome = rules.OUTCOME.check(outcome, problems)
    note = rules.DECISION_NOTE.check(note, problems)
    basis = None
    if outcome == DecisionOutcome.SHARE:
        pk = _one_id(lawful_basis, problems, field="lawful_basis", missing=rules.LAWFUL_BASIS_MISSING,
                     invalid=rules.LAWFUL_BASIS_UNKNOWN)
        if pk is not None:
            basis = LawfulBasis.objects.filter(pk=pk, active=True).first()
            if basis is None:
                problems.add("lawful_basis", rules.LAWFUL_BASIS_UNKNOWN)
    elif outcome == DecisionOutcome.DO_NOT_SHARE and not note and not _said(problems, "note"):
        problems.add("note", rules.DECISION_NOTE_MISSING)
    with transaction.atomic():
        contact = _lock(decision.contact)
        decision = SharingDecision.objects.select_for_update().get(pk=decision.pk)
        if decision.state != DecisionState.PROPOSED:
            raise DomainError(rules.ALREADY_DECIDED)
        if decision.proposed_by_id == actor.pk:
            raise DomainError(rules.OWN_PROPOSAL)
        reason = SharingReason.objects.get(pk=decision.reason_id)
        agencies = list(selectors.signatories().filter(pk__in=decision.agency_ids))
        if outcome == DecisionOutcome.SHARE:
            _health_gate_check(reason, agencies, problems)
        problems.raise_if_any()
        share = outcome == DecisionOutcome.SHARE
        decision.state = DecisionState.APPROVED if share else DecisionState.DECLINED
        decision.decided_by = actor
        decision.decided_at = timezone.now()
        decision.decision_note = note
        decision.reason_label = reason.label
        decision.reason_overrides_confidentiality = reason.overrides_confidentiality
        if share:
            decision.lawful_basis = basis
            decision.basis_text = basis.text
        decision.save()
        audit_record(
            actor=actor, action=ConsentAction.SHARING_APPROVED if share else ConsentAction.SHARING_DECLINED,
            target=contact,
            changes={"sharing_decision": decision.pk, "lawful_basis": basis.text if basis else "",
                     "note": note, "proposed_by": decision.proposed_by.get_username(),
                     "summary": (f"Share with {_names(a.name for a in agencies)}: {basis.name}" if share
                                 else f"Do not share: {note}")},
        )
    return decision


# --- the referrer's anonymity ----------------------------------------------------------------------------------


def referrer_anonymity_record(*, actor, contact: Contact, note: str = "") -> ReferrerAnonymity:
    """The referrer asked to stay anonymous: their identity is withheld from whatever the family is given."""
    problems = Problems()
    note = rules.ANONYMITY_NOTE.check(note, problems)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(contact)
        if ReferrerAnonymity.objects.filter(contact=contact).exists():
            raise DomainError(rules.ALREADY_ANONYMOUS)
        anonymity = ReferrerAnonymity.objects.create(contact=contact, note=note, recorded_by=actor)
        audit_record(actor=actor, action=ConsentAction.REFERRER_ANONYMOUS, target=contact,
                     changes={"note": note, "summary": note})
    return anonymity


# --- the disclosure ledger ----------------------------------------------------------------------------------------


def disclosure_record(
    *,
    actor,
    contact: Contact,
    about: Iterable[Person],
    summary: str,
    basis: selectors.Basis | str,
    field_names: Iterable[str] = (),
    content: str = "",
    to_agency: Agency | None = None,
    to_team=None,
    to_person: str = "",
) -> Disclosure:
    """Information left the MASH: write it in the ledger. Called by the service that shares, inside its own
    transaction (so a share and its record commit together or not at all).

    `basis` is a `selectors.Basis` (consent or a sharing decision) or one of the MASH's own feedback duties
    (`DisclosureBasis.REFERRER_FEEDBACK`, `OUTCOME_TO_RECEIVING_TEAM`, `ALLOCATED_WORKER`).
    """
    if isinstance(basis, selectors.Basis):
        columns = basis.disclosure_basis()
    else:
        if basis not in DisclosureBasis.values or basis in (DisclosureBasis.CONSENT, DisclosureBasis.SHARING_DECISION):
            raise ValueError(f"a disclosure on {basis!r} needs its record: pass a selectors.Basis")
        columns = {"basis_kind": basis}
    if to_agency is None and to_team is not None:
        to_agency = to_team.agency
    disclosure = Disclosure.objects.create(
        contact=contact, summary=summary[:500], field_names=list(field_names), content=content,
        to_agency=to_agency, to_team=to_team, to_person=to_person[:300], disclosed_by=actor, **columns,
    )
    people = list(about)
    disclosure.about.set(people)
    audit_record(
        actor=actor, action=ConsentAction.DISCLOSED, target=contact,
        changes={"disclosure": disclosure.pk, "to": disclosure.recipient, "basis": disclosure.basis_kind,
                 "about": [p.pk for p in people], "fields": list(field_names),
                 "summary": f"{summary} to {disclosure.recipient}"},
    )
    return disclosure


DISCLOSURE_BATCH = 1000


def disclosures_record_many(
    *,
    actor,
    rows: Iterable[tuple[int, int]],
    summary: str,
    basis: str,
    field_names: Iterable[str] = (),
    to_person: str,
) -> int:
    """A file about many contacts left the MASH (a statutory return): one disclosure per contact, about the
    children of that contact the file names, written in batches from `rows`, (contact id, person id) pairs ordered
    by contact, so memory does not grow with the file. One audit row for the whole file (each disclosure is
    itself the ledger's row). Call it inside the sender's transaction. Returns how many disclosures were written.

    `basis` is one of the MASH's own duties (a statutory return): there is no consent record or sharing decision
    to name for a file the law requires."""
    if basis not in DisclosureBasis.values or basis in (DisclosureBasis.CONSENT, DisclosureBasis.SHARING_DECISION):
        raise ValueError(f"a disclosure of many contacts on {basis!r} is not supported")
    if not to_person:
        raise ValueError("a disclosure needs its recipient")
    field_names = list(field_names)
    now = timezone.now()
    through = Disclosure.about.through
    written = 0
    batch: dict[int, list[int]] = {}

    def flush():
        nonlocal written
        made = Disclosure.objects.bulk_create([
            Disclosure(contact_id=contact_id, summary=summary[:500], field_names=field_names, to_person=to_person[:300],
                       basis_kind=basis, disclosed_at=now, disclosed_by=actor)
            for contact_id in batch])
        through.objects.bulk_create([through(disclosure_id=d.pk, person_id=person_id)
                                     for d, people in zip(made, batch.values(), strict=True)
                                     for person_id in people])
        written += len(made)
        batch.clear()

    last = None
    for contact_id, person_id in rows:
        if contact_id != last and len(batch) >= DISCLOSURE_BATCH:
            flush()
        last = contact_id
        people = batch.setdefault(contact_id, [])
        if person_id not in people:
            people.append(person_id)
    if batch:
        flush()
    audit_record(actor=actor, action=ConsentAction.DISCLOSED, changes={
        "to": to_person, "basis": basis, "contacts": written, "fields": field_names,
        "summary": f"{summary} to {to_person} ({written} contact{'s' if written != 1 else ''})"})
    return written


# --- transparency ------------------------------------------------------------------------------------------------


def shared_record_view(*, actor, person: Person) -> None:
    """Who looked at what has been shared about this person."""
    audit_record(actor=actor, action=ConsentAction.SHARED_VIEWED, target=person)


def subject_access_export_record(*, actor, person: Person, fmt: str, counts: dict) -> None:
    """Producing a subject access export is itself audited (who, when, which format, how much it listed)."""
    audit_record(actor=actor, action=ConsentAction.SUBJECT_ACCESS_EXPORTED, target=person,
                 changes={"format": fmt, **counts})
