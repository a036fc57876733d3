"""Writes for contacts. Each service is one transaction that locks what it changes and writes its own audit row."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from mash import deadlines, notify
from mash.audit import audit_record, audit_record_many
from mash.codes import Stage
from mash.errors import DomainError, Problems

from . import census, rules, signals
from .actions import ContactAction
from .codes import (
    CHILD_ROLES,
    ContactState,
    OutcomeKind,
    RatingDecision,
    Recommendation,
    ReferralSource,
    SubjectRole,
)
from .models import (
    Contact,
    ContactSubject,
    LevelOfNeed,
    Outcome,
    Person,
    Rating,
    ReferenceCounter,
    Screening,
    ThresholdCriterion,
    ThresholdDocument,
)

CENSUS_FACTS = ("sex", "ethnicity", "disabilities", "upn", "upn_unknown", "la_child_id")


@dataclass(frozen=True)
class SubjectInput:
    first_name: str
    last_name: str
    role: str = SubjectRole.SUBJECT_CHILD
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    nhs_number: str = ""
    address: str = ""
    postcode: str = ""
    person_id: int | None = None  # link to someone already known, chosen by the screener
    # A child's facts for the national returns, where known at intake (contacts.census): all optional.
    sex: str = ""
    ethnicity: str = ""
    disabilities: tuple[str, ...] = ()
    upn: str = ""
    upn_unknown: str = ""
    la_child_id: str = ""


def contact_reference_next(*, year: int) -> str:
    """Take the next number for the year, under a row lock: two screeners never share a number."""
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"C-{year}-{counter.last:06d}"


def _lock(contact: Contact) -> Contact:
    """Re-read the contact under a row lock: two people acting at once are served one after the other."""
    return Contact.objects.select_for_update().get(pk=contact.pk)


def _person_for(subject: SubjectInput) -> Person:
    if subject.person_id is not None:
        person = Person.objects.filter(pk=subject.person_id, merged_into__isnull=True).first()
        if person is None:
            raise DomainError("The person chosen to link to no longer exists: check the matches again")
        # Fill gaps the known record has; never overwrite what is recorded.
        changed = []
        for attr in ("nhs_number", "address", "postcode", "date_of_birth", *CENSUS_FACTS):
            if attr == "upn_unknown" and (person.upn or subject.upn):
                continue  # a UPN known on either side: no reason for its absence
            if attr == "upn" and person.upn_unknown and subject.upn:
                person.upn_unknown = ""  # the UPN is now known
            if not getattr(person, attr) and getattr(subject, attr):
                setattr(person, attr, getattr(subject, attr))
                changed.append(attr)
        if changed:
            person.save()
        return person
    return Person.objects.create(
        first_name=subject.first_name,
        last_name=subject.last_name,
        date_of_birth=subject.date_of_birth,
        expected_date_of_birth=subject.expected_date_of_birth,
        nhs_number=subject.nhs_number,
        address=subject.address,
        postcode=subject.postcode,
        **{attr: list(subject.disabilities) if attr == "disabilities" else getattr(subject, attr)
           for attr in CENSUS_FACTS},
    )


def repeat_contacts_in_year(person_ids, *, before: datetime, exclude_contact_id=None) -> dict[int, int]:
    """How many contacts named each person in the 12 months up to `before`."""
    rows = (
        ContactSubject.objects.filter(
            person_id__in=person_ids, contact__received_at__gt=before - timedelta(days=365),
            contact__received_at__lte=before,
        )
        .exclude(contact_id=exclude_contact_id)
        .values("person_id")
        .annotate(n=Count("contact_id", distinct=True))
    )
    return {row["person_id"]: row["n"] for row in rows}


def contact_check(*, immediate_risk: bool = False, **inputs) -> dict:
    """The rules a new contact must meet (`contacts.rules.contact_clean`): its inputs cleaned, or one DomainError
    with every problem. Writes nothing. The form checks with it before showing possible matches. (The
    immediate-risk mark is yes or no: no rule to meet.)"""
    return rules.contact_clean(**inputs)


def contact_submitted(submission_key: uuid.UUID | None) -> Contact | None:
    """The contact a form's one-time key already made: a double submit finds the first submit's contact."""
    if submission_key is None:
        return None
    return Contact.objects.filter(submission_key=submission_key).first()


def contact_create(
    *,
    actor,
    received_at: datetime | None,
    channel: str,
    referrer_name: str,
    referral_source: str,
    concern: str,
    children: list[SubjectInput],
    adults: list[SubjectInput] = (),
    referrer_role: str = "",
    referrer_organisation: str = "",
    referrer_phone: str = "",
    referrer_email: str = "",
    presenting_factors: list[str] = (),
    consent_answer: str = "",
    consent_detail: str = "",
    force_reference: str = "",
    submission_key: uuid.UUID | None = None,
    immediate_risk: bool = False,
) -> Contact:
    """Record a contact with the people it names and start its decision clock (1 working day).

    `immediate_risk` (the screener's mark at intake) puts it at the top of every queue and tells the duty
    manager(s) at once. A double submit (the same `submission_key`) returns the contact the first submit made,
    and writes nothing.
    """
    existing = contact_submitted(submission_key)
    if existing is not None:
        return existing
    clean = rules.contact_clean(
        received_at=received_at, channel=channel, referrer_name=referrer_name, referral_source=referral_source,
        concern=concern, children=children, adults=adults, referrer_role=referrer_role,
        referrer_organisation=referrer_organisation, referrer_phone=referrer_phone, referrer_email=referrer_email,
        presenting_factors=presenting_factors, consent_answer=consent_answer, consent_detail=consent_detail,
    )
    children, adults = clean.pop("children"), clean.pop("adults")
    try:
        with transaction.atomic():
            contact = Contact(
                reference=contact_reference_next(year=timezone.localdate().year),
                force_reference=force_reference,
                state=ContactState.AWAITING_SCREENING,
                created_by=actor,
                submission_key=submission_key,
                immediate_risk=bool(immediate_risk),
                **clean,
            )
            deadlines.clock_start(contact, stage=Stage.CONTACT_DECISION, started_at=clean["received_at"])
            contact.save()
            people = []
            for position, subject in enumerate([*children, *adults]):
                person = _person_for(subject)
                if any(p.pk == person.pk for p in people):
                    group, index = ("children", position) if position < len(children) else (
                        "adults", position - len(children))
                    raise DomainError(f"{person} is named twice on this contact", field=f"{group}-{index}-first_name")
                people.append(person)
                ContactSubject.objects.create(contact=contact, person=person, role=subject.role, position=position)
            child_ids = [p.pk for p, s in zip(people, [*children, *adults], strict=True) if s.role in CHILD_ROLES]
            counts = repeat_contacts_in_year(child_ids, before=contact.received_at)
            if any(n >= settings.REPEAT_CONTACT_THRESHOLD for n in counts.values()):
                contact.repeat_flag = True
                contact.save(update_fields=["repeat_flag"])
            audit_record(
                actor=actor,
                action=ContactAction.CONTACT_CREATED,
                target=contact,
                changes={
                    "children": len(children),
                    "adults": len(adults),
                    "linked_people": [s.person_id for s in [*children, *adults] if s.person_id],
                    "channel": contact.channel,
                    "referral_source": contact.referral_source,
                    "repeat_flag": contact.repeat_flag,
                    "immediate_risk": contact.immediate_risk,
                },
            )
            if contact.immediate_risk:
                _tell_duty_managers_of_immediate_risk(contact, actor)
    except IntegrityError:
        # A double submit that raced past the first check: the first submit's contact stands.
        existing = contact_submitted(submission_key)
        if existing is not None:
            return existing
        raise
    return contact


def duty_manager_ids() -> list[int]:
    """The duty manager(s): members of DEADLINE_DUTY_MANAGER_GROUP, or every MASH manager when nobody is on duty."""
    return (deadlines.group_member_ids(settings.DEADLINE_DUTY_MANAGER_GROUP)
            or deadlines.group_member_ids(settings.DEADLINE_MANAGER_GROUP))


def _tell_duty_managers_of_immediate_risk(contact: Contact, actor) -> None:
    children = ", ".join(str(s.person) for s in contact.subjects.select_related("person") if s.role in CHILD_ROLES)
    notify.notifications_queue(
        notify.Message(recipient_id=manager_id, kind="contact_immediate_risk",
                       subject=f"Immediate risk: {contact.reference}",
                       body=f"{actor} recorded contact {contact.reference} ({children}) and marked it as an immediate "
                            f"risk to the child. It is at the top of the screening queue.",
                       link=contact.get_absolute_url())
        for manager_id in duty_manager_ids()
    )


def contact_record_view(*, actor, contact: Contact, page: str = "") -> None:
    """Who looked at this child's record: every view of a contact page is audited (`page`: which, when it is not
    the contact's own page, e.g. "screening")."""
    audit_record(actor=actor, action=ContactAction.CONTACT_VIEWED, target=contact,
                 changes={"page": page} if page else None)


def person_looks_view(*, actor, person: Person) -> None:
    """Looking at who has looked is itself a look."""
    audit_record(actor=actor, action=ContactAction.LOOKS_VIEWED, target=person)


def contacts_listed(*, actor, contacts, queue: str) -> None:
    """A work queue drew these contacts (their children's names) for `actor`: one audit row each."""
    audit_record_many(actor=actor, action=ContactAction.CONTACT_LISTED, targets=contacts,
                      changes={"queue": queue})


def people_found(*, actor, people) -> None:
    """A search showed these people to `actor`: one audit row each."""
    audit_record_many(actor=actor, action=ContactAction.PERSON_FOUND, targets=people)


def person_record_view(*, actor, person: Person) -> None:
    audit_record(actor=actor, action=ContactAction.PERSON_VIEWED, target=person)


def _level_and_criteria_check(problems: Problems, document, level, criteria=None) -> None:
    if level is None:
        problems.add("level", rules.LEVEL_MISSING)
    elif document is not None and level.document_id != document.pk:
        problems.add("level", "Choose a level of need from the current threshold document")
    if criteria is None:
        return
    if not criteria:
        problems.add("criteria", rules.CRITERIA_MISSING)
    elif document is not None and any(c.level.document_id != document.pk for c in criteria):
        problems.add("criteria", "Choose criteria from the current threshold document")


def screening_submit(
    *,
    actor,
    contact: Contact,
    worries: str,
    working_well: str,
    needs_to_happen: str,
    danger_statements: str = "",
    history_checked: bool,
    level: LevelOfNeed | None,
    criteria: list[ThresholdCriterion],
    proposed_brag: str,
    rationale: str,
    recommendation: str,
    differs_reason: str = "",
) -> Rating:
    """The screener's proposal: Signs of Safety, history checked, a BRAG rating for a manager to approve.

    The criteria ticked suggest a rating (their level's usual rating, `rules.suggested_brag`); a screener who
    proposes another gives the reason (`differs_reason`), kept with the screening.
    """
    problems = Problems()
    worries = rules.WORRIES.check(worries, problems)
    working_well = rules.WORKING_WELL.check(working_well, problems)
    needs_to_happen = rules.NEEDS_TO_HAPPEN.check(needs_to_happen, problems)
    danger_statements = rules.DANGER_STATEMENTS.check(danger_statements, problems)
    if not history_checked:
        problems.add("history_checked", rules.HISTORY_NOT_CHECKED)
    criteria = list(criteria or [])
    proposed_brag = rules.PROPOSED_BRAG.check(proposed_brag, problems)
    rationale = rules.RATIONALE.check(rationale, problems)
    if recommendation not in Recommendation.values:
        problems.add("recommendation", rules.RECOMMENDATION_MISSING)
    document = ThresholdDocument.objects.filter(active=True).first()
    _level_and_criteria_check(problems, document, level, criteria)
    differs_reason = rules.DIFFERS_REASON.check(differs_reason, problems)
    suggested = rules.suggested_brag(criteria)
    differs = bool(suggested and proposed_brag and proposed_brag != suggested)
    if differs and not differs_reason:
        problems.add("differs_reason", rules.differs_message(proposed_brag, suggested))
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(contact)
        if contact.state != ContactState.AWAITING_SCREENING:
            raise DomainError("This contact is not awaiting screening: it may have been screened already")
        _refuse_unless_owner(contact, actor)
        if document is None:
            raise DomainError("There is no active threshold document: ask an administrator to publish one")
        now = timezone.now()
        screening, _ = Screening.objects.update_or_create(
            contact=contact,
            defaults={
                "worries": worries, "working_well": working_well, "needs_to_happen": needs_to_happen,
                "danger_statements": danger_statements, "history_checked": history_checked,
                "threshold_document": document, "level": level, "recommendation": recommendation,
                "suggested_brag": suggested, "differs_reason": differs_reason if differs else "",
                "screened_by": actor, "screened_at": now,
            },
        )
        screening.criteria.set(criteria)
        rating = _rating_propose(contact=contact, proposed_brag=proposed_brag, level=level, rationale=rationale,
                                 actor=actor, at=now)
        contact.state = ContactState.AWAITING_APPROVAL
        contact.returned_to_screener = False
        contact.proposed_rating = proposed_brag
        if contact.assigned_screener_id is None:
            contact.assigned_screener, contact.assigned_at = actor, now
        contact.save(update_fields=["state", "returned_to_screener", "proposed_rating", "assigned_screener",
                                    "assigned_at"])
        audit_record(
            actor=actor, action=ContactAction.RATING_PROPOSED, target=contact,
            changes={"brag": proposed_brag, "level": level.number, "document": str(document),
                     "criteria": [c.code for c in criteria], "recommendation": recommendation,
                     "rationale": rationale, "suggested": suggested,
                     "differs_reason": differs_reason if differs else ""},
        )
    return rating


def rating_propose_revision(
    *, actor, contact: Contact, proposed_brag: str, level: LevelOfNeed | None, rationale: str
) -> Rating:
    """As information arrives a rating may be revised: a new proposal, decided by another manager."""
    problems = Problems()
    proposed_brag = rules.PROPOSED_BRAG.check(proposed_brag, problems)
    rationale = rules.REVISION_RATIONALE.check(rationale, problems)
    _level_and_criteria_check(problems, ThresholdDocument.objects.filter(active=True).first(), level)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(contact)
        if contact.state != ContactState.AWAITING_OUTCOME:
            raise DomainError("Only an approved rating that awaits its outcome can be revised")
        if contact.ratings.filter(decision=RatingDecision.PENDING).exists():
            raise DomainError("A revision is already awaiting approval")
        rating = _rating_propose(contact=contact, proposed_brag=proposed_brag, level=level, rationale=rationale,
                                 actor=actor, at=timezone.now())
        contact.proposed_rating = proposed_brag
        contact.save(update_fields=["proposed_rating"])
        audit_record(actor=actor, action=ContactAction.RATING_PROPOSED, target=contact,
                     changes={"brag": proposed_brag, "level": level.number, "revision": True, "rationale": rationale})
    return rating


def rating_revision_withdraw(*, actor, contact: Contact, reason: str) -> Rating:
    """The manager who proposed a revision withdraws it, saying why (another manager may only decide it: with one
    manager on duty, a revision nobody else can approve would block the outcome for good). The approved rating
    stands; its response clock runs on as it was. Audited."""
    problems = Problems()
    reason = rules.REVISION_WITHDRAW_REASON.check(reason, problems)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(contact)
        rating = _pending_rating(contact)
        if contact.state != ContactState.AWAITING_OUTCOME:
            raise DomainError("Only a revision of an approved rating can be withdrawn: decide or return a proposal")
        if rating.proposed_by_id != actor.pk:
            raise DomainError("Only the manager who proposed this revision can withdraw it: approve or return it")
        _rating_closed(rating, RatingDecision.WITHDRAWN, actor=actor, reason=reason, at=timezone.now())
        contact.proposed_rating = ""
        contact.save(update_fields=["proposed_rating"])
        audit_record(actor=actor, action=ContactAction.RATING_REVISION_WITHDRAWN, target=contact,
                     changes={"proposed": rating.proposed_brag, "rating": contact.rating, "reason": reason})
    return rating


def _rating_propose(*, contact: Contact, proposed_brag: str, level, rationale: str, actor, at) -> Rating:
    """A new proposal, with its approval clock started on the window for the proposed rating (Red 30 minutes by
    default): a manager's decision on it is due by then, or the sweep escalates it."""
    rating = Rating(contact=contact, contact_reference=contact.reference, proposed_brag=proposed_brag, level=level,
                    rationale=rationale, proposed_by=actor, proposed_at=at)
    deadlines.clock_start(rating, stage=Stage.RATING_APPROVAL, rating=proposed_brag, started_at=at)
    rating.save()
    return rating


def _rating_closed(rating: Rating, decision: str, *, actor, reason: str, at) -> None:
    """A pending rating decided (approved, changed, returned) or withdrawn: who, when, why, and its approval clock
    stopped."""
    rating.decision, rating.decided_by, rating.decided_at, rating.decision_reason = decision, actor, at, reason
    deadlines.clock_stop(rating, at=at)
    rating.save()


def _pending_rating(contact: Contact) -> Rating:
    rating = contact.ratings.select_for_update().filter(decision=RatingDecision.PENDING).first()
    if rating is None:
        raise DomainError("There is no rating awaiting approval on this contact")
    return rating


def rating_decide(*, actor, contact: Contact, brag: str, reason: str = "") -> Rating:
    """Four eyes: a manager approves the proposed rating, or changes it with a reason.

    Approval stops the contact decision clock and starts the BRAG response window; approving a
    revision that changes the rating restarts that window from now, on the new rating.
    """
    with transaction.atomic():
        contact = _lock(contact)
        rating = _pending_rating(contact)
        if rating.proposed_by_id == actor.pk:
            raise DomainError("You proposed this rating, so another manager must approve it (four eyes)")
        brag, reason = rules.rating_decision_clean(proposed=rating.proposed_brag, brag=brag, reason=reason)
        changed = brag != rating.proposed_brag
        now = timezone.now()
        rating.decided_brag = brag
        _rating_closed(rating, RatingDecision.CHANGED if changed else RatingDecision.APPROVED, actor=actor,
                       reason=reason, at=now)
        previous = contact.rating
        revision = contact.state == ContactState.AWAITING_OUTCOME
        contact.rating = brag
        contact.proposed_rating = ""
        if not revision:
            deadlines.clock_stop(contact, at=now)
            contact.state = ContactState.AWAITING_OUTCOME
            deadlines.clock_start(contact, stage=Stage.BRAG_RESPONSE, rating=brag, started_at=now)
        elif brag != previous:
            deadlines.clock_restart(contact, stage=Stage.BRAG_RESPONSE, rating=brag, started_at=now, actor=actor)
        contact.save()
        audit_record(
            actor=actor,
            action=ContactAction.RATING_CHANGED if changed else ContactAction.RATING_APPROVED,
            target=contact,
            changes={"proposed": rating.proposed_brag, "decided": brag, "reason": rating.decision_reason,
                     "proposed_by": rating.proposed_by.get_username(), "revision": revision},
        )
    return rating


def rating_return(*, actor, contact: Contact, comments: str) -> Rating:
    """A manager sends the screening back to the screener with comments; it returns to their queue."""
    problems = Problems()
    comments = rules.RETURN_COMMENTS.check(comments, problems)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(contact)
        rating = _pending_rating(contact)
        if rating.proposed_by_id == actor.pk:
            raise DomainError("You proposed this rating, so another manager must decide it (four eyes)")
        _rating_closed(rating, RatingDecision.RETURNED, actor=actor, reason=comments, at=timezone.now())
        contact.proposed_rating = ""
        if contact.state == ContactState.AWAITING_APPROVAL:
            contact.state = ContactState.AWAITING_SCREENING
            contact.returned_to_screener = True
        contact.save(update_fields=["state", "returned_to_screener", "proposed_rating"])
        audit_record(actor=actor, action=ContactAction.RATING_RETURNED, target=contact,
                     changes={"comments": rating.decision_reason})
        if contact.assigned_screener_id:
            notify.notification_queue(
                recipient=contact.assigned_screener, kind="rating_returned",
                subject=f"{contact.reference} returned to you",
                body=f"{actor} returned the screening of {contact.reference}: {rating.decision_reason}",
                link=contact.get_absolute_url(),
            )
    return rating


@dataclass(frozen=True)
class OutcomeMessages:
    """What deciding an outcome sends, composed in one place (`outcome_messages`): the outcome page previews
    exactly these, and `outcome_decide` queues exactly these, so what a manager confirms is what goes out."""

    referrer: notify.Message | None  # None: the referrer gave no e-mail address
    referrer_told: str  # "outcome" (a professional), "acknowledgement" (the public) or "" (no address)
    team: tuple[notify.Message, ...]  # one per active member of the receiving team


def outcome_messages(*, contact: Contact, kind: str, summary: str, receiving_team=None) -> OutcomeMessages:
    """Compose the referrer's e-mail and the receiving team's notifications for an outcome. Writes nothing.

    A professional referrer hears the outcome; a member of the public gets an acknowledgement only (the family's
    privacy). One query: the receiving team's active members.
    """
    kind_label = OutcomeKind(kind).label
    referrer = None
    told = ""
    if contact.referrer_email:
        received = timezone.localtime(contact.received_at)
        if contact.referral_source in ReferralSource.professional():
            told = "outcome"
            subject = f"Outcome of your referral {contact.reference}"
            body = (
                f"Thank you for your referral {contact.reference}, received {received:%d %B %Y at %H:%M}.\n\n"
                f"The MASH decided: {kind_label}.\n"
                + (f"The case has gone to: {receiving_team}.\n" if receiving_team else "")
                + "\nIf you have new concerns about the child, contact the MASH again straight away.\n"
            )
        else:
            told = "acknowledgement"
            subject = f"Your contact with the MASH: {contact.reference}"
            body = (
                f"Thank you for contacting us on {received:%d %B %Y}. "
                "Your concern has been looked at by the Multi-Agency Safeguarding Hub and acted on.\n\n"
                "To protect the family's privacy we cannot tell you what was decided. If you are worried "
                "about a child again, contact us straight away.\n"
            )
        referrer = notify.Message(recipient_id=None, email=contact.referrer_email, kind="referrer_feedback",
                                  subject=subject, body=body)
    team = ()
    if receiving_team is not None:
        team = tuple(
            notify.Message(recipient_id=member_id, kind="outcome_received",
                           subject=f"New case from the MASH: {contact.reference}",
                           body=f"{kind_label}. Summary: {summary}", link=contact.get_absolute_url())
            for member_id in receiving_team.members.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        )
    return OutcomeMessages(referrer=referrer, referrer_told=told, team=team)


def _close_with_outcome(*, actor, contact: Contact, kind: str, rationale: str, summary: str, receiving_team=None,
                        allocated_worker=None):
    now = timezone.now()
    outcome = Outcome.objects.create(
        contact=contact, kind=kind, rationale=rationale, receiving_team=receiving_team, summary=summary,
        decided_by=actor, decided_at=now,
    )
    sent = outcome_messages(contact=contact, kind=kind, summary=summary, receiving_team=receiving_team)
    feedback = sent.referrer_told
    if sent.referrer is not None:
        notify.notifications_queue([sent.referrer])
        outcome.referrer_feedback = feedback
        outcome.referrer_feedback_queued_at = now
        outcome.save(update_fields=["referrer_feedback", "referrer_feedback_queued_at"])
    deadlines.clock_stop(contact, at=now)
    contact.state = ContactState.CLOSED
    contact.closed_at = now
    contact.save()
    audit_record(actor=actor, action=ContactAction.OUTCOME_DECIDED, target=contact,
                 changes={"outcome": kind, "receiving_team": str(receiving_team or ""), "rationale": rationale,
                          "referrer_told": feedback or "no e-mail address"})
    signals.outcome_decided.send(sender=Contact, contact=contact, outcome=outcome, actor=actor,
                                 referrer_told=feedback, receiving_team=receiving_team,
                                 allocated_worker=allocated_worker, team_told=len(sent.team))
    if sent.team:
        notify.notifications_queue(sent.team)
    return outcome


def outcome_check(*, contact: Contact, kind: str, rationale: str, summary: str, receiving_team=None) -> dict:
    """Every rule an outcome must meet, checked without writing: the outcome page checks them before it shows
    what will be sent. Returns the inputs cleaned, or raises one DomainError with every problem."""
    if kind == OutcomeKind.ALLOCATED_WORKER:
        raise DomainError("Use 'pass to allocated worker' for a child who already has a social worker", field="kind")
    problems = Problems()
    kind = rules.OUTCOME_KIND.check(kind, problems)
    rationale = rules.OUTCOME_RATIONALE.check(rationale, problems)
    summary = rules.OUTCOME_SUMMARY.check(summary, problems)
    if kind in rules.OUTCOMES_WITH_TEAM and receiving_team is None:
        problems.add("receiving_team", rules.RECEIVING_TEAM_NEEDED)
    if receiving_team is not None and not receiving_team.receives_outcomes:
        problems.add("receiving_team", "Select a receiving team from the list")
    problems.raise_if_any()
    _outcome_state_check(Contact.objects.only("state").get(pk=contact.pk))  # as it stands, not as the caller read it
    return {"kind": kind, "rationale": rationale, "summary": summary, "receiving_team": receiving_team}


def _outcome_state_check(contact: Contact) -> None:
    if contact.state == ContactState.CLOSED:
        outcome = Outcome.objects.filter(contact_id=contact.pk).select_related("decided_by").first()
        if outcome is not None:  # a second tab, or a colleague first: say who did it, not what is missing
            raise DomainError(f"The outcome was already recorded by {outcome.decided_by} at "
                              f"{timezone.localtime(outcome.decided_at):%H:%M on %d %B}: "
                              f"{outcome.get_kind_display()}")
    if contact.state != ContactState.AWAITING_OUTCOME:
        raise DomainError("An outcome can be decided only once the rating is approved")
    if contact.ratings.filter(decision=RatingDecision.PENDING).exists():
        raise DomainError("A rating revision is awaiting approval: decide it first")


def outcome_decide(*, actor, contact: Contact, kind: str, rationale: str, summary: str, receiving_team=None) -> Outcome:
    """The manager's decision on an approved contact; the contact closes, the referrer is told and the receiving
    team notified (`outcome_messages`: what the outcome page previewed)."""
    clean = outcome_check(contact=contact, kind=kind, rationale=rationale, summary=summary,
                          receiving_team=receiving_team)
    with transaction.atomic():
        contact = _lock(contact)
        _outcome_state_check(contact)
        return _close_with_outcome(actor=actor, contact=contact, **clean)


def contact_pass_to_allocated_worker(*, actor, contact: Contact, person: Person, note: str) -> Outcome:
    """A child with an allocated social worker: the contact goes straight to them, who is notified."""
    problems = Problems()
    note = rules.ALLOCATED_NOTE.check(note, problems)
    problems.raise_if_any()
    with transaction.atomic():
        contact = _lock(contact)
        if contact.state == ContactState.CLOSED:
            raise DomainError("This contact is already closed")
        if not contact.subjects.filter(person=person).exists():
            raise DomainError("That person is not named on this contact")
        if person.allocated_worker_id is None:
            raise DomainError(f"{person} has no allocated social worker")
        outcome = _close_with_outcome(
            actor=actor, contact=contact, kind=OutcomeKind.ALLOCATED_WORKER,
            rationale=f"{person} has an allocated social worker, {person.allocated_worker}.",
            summary=note, receiving_team=None, allocated_worker=person.allocated_worker,
        )
        notify.notification_queue(
            recipient=person.allocated_worker, kind="contact_for_allocated_worker",
            subject=f"New contact about {person}: {contact.reference}",
            body=f"{actor} passed contact {contact.reference} to you as {person}'s allocated worker. {note}",
            link=contact.get_absolute_url(),
        )
        return outcome


def person_merge(*, actor, keep: Person, duplicate: Person, reason: str) -> Person:
    """A manager's decision that two records are the same person. The duplicate stays, marked merged."""
    problems = Problems()
    reason = rules.MERGE_REASON.check(reason, problems)
    if duplicate is None:
        problems.add("duplicate", "Select the duplicate record")
    problems.raise_if_any()
    if keep.pk == duplicate.pk:
        raise DomainError("Choose two different people")
    with transaction.atomic():
        people = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
        keep, duplicate = people[keep.pk], people[duplicate.pk]
        if keep.merged_into_id or duplicate.merged_into_id:
            raise DomainError("One of these records has already been merged")
        moved = []
        for subject in ContactSubject.objects.filter(person=duplicate).select_for_update():
            if ContactSubject.objects.filter(contact_id=subject.contact_id, person=keep).exists():
                continue  # both named on the same contact: keep the row for history, pointing at the duplicate
            subject.person = keep
            subject.save(update_fields=["person"])
            moved.append(subject.contact_id)
        duplicate.merged_into = keep
        duplicate.save()
        audit_record(actor=actor, action=ContactAction.PERSON_MERGED, target=keep,
                     changes={"merged": duplicate.pk, "merged_name": str(duplicate), "contacts_moved": moved,
                              "reason": reason})
    return keep


def person_census_facts_record(*, actor, person: Person, sex: str = "", ethnicity: str = "", disabilities=(),
                               upn: str = "", upn_unknown: str = "", la_child_id: str = "") -> Person:
    """Record what the national returns need about a child (contacts.census), at screening or whenever it becomes
    known. Every fact is optional; a blank answer clears the fact. Audited with what changed."""
    problems = Problems()
    clean = census.census_facts_clean(sex=sex, ethnicity=ethnicity, disabilities=disabilities, upn=upn,
                                      upn_unknown=upn_unknown, la_child_id=la_child_id, problems=problems)
    problems.raise_if_any()
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.merged_into_id:
            raise DomainError("This record was merged into another: record the details there")
        changes = {name: value for name, value in clean.items() if getattr(person, name) != value}
        for name, value in changes.items():
            setattr(person, name, value)
        if changes:
            person.save()
            audit_record(actor=actor, action=ContactAction.PERSON_CENSUS_FACTS_RECORDED, target=person,
                         changes={"fields": sorted(changes)})
    return person


def people_search_record(*, actor, terms, found: int, more: bool) -> None:
    """Who searched for what: every search for a child is audited, with what was typed and how many were found."""
    audit_record(actor=actor, action=ContactAction.PEOPLE_SEARCHED,
                 changes={**terms.describe(), "found": found, "more": more})


# --- owning work: who is working on a contact ------------------------------------------------------------------


def _owner_name(contact: Contact) -> str:
    owner = contact.assigned_screener
    return owner.get_full_name() or owner.get_username()


def _refuse_unless_owner(contact: Contact, actor) -> None:
    """Only the person a contact is assigned to screens it (an unassigned one is taken by whoever screens it)."""
    if contact.assigned_screener_id is not None and contact.assigned_screener_id != actor.pk:
        since = f" since {timezone.localtime(contact.assigned_at):%H:%M on %d %B}" if contact.assigned_at else ""
        raise DomainError(f"{_owner_name(contact)} has this contact{since}: only they can screen it. "
                          "Ask them or a manager, or take it over with a reason.")


def _may_own(user) -> bool:
    from mash.access import is_mash_staff

    return user is not None and user.is_active and is_mash_staff(user) and user.has_perm("contacts.add_screening")


def contact_assign(*, actor, contact: Contact, screener) -> Contact:
    """Give a contact to a screener: to oneself ("assign to me", only while nobody has it), or, by a manager, to
    any screener or manager of the MASH, themselves included (also from someone else). Audited; someone given a
    contact is told, and so is the colleague who had it."""
    if screener is None:
        raise DomainError(rules.ASSIGNEE_MISSING, field="screener")
    if not _may_own(screener):
        raise DomainError(rules.ASSIGNEE_NOT_STAFF, field="screener")
    manager = actor.has_perm("contacts.decide_rating")
    giving = screener.pk != actor.pk
    if giving and not manager:
        raise DomainError("Only a MASH manager can give a contact to someone else")
    with transaction.atomic():
        contact = _lock(contact)
        if contact.state == ContactState.CLOSED:
            raise DomainError("This contact is closed: nobody needs to work on it")
        previous = contact.assigned_screener
        if previous is not None and previous.pk == screener.pk:
            return contact  # already theirs: nothing to do
        if previous is not None and not manager:  # a screener takes it over with a reason instead
            raise DomainError(f"{_owner_name(contact)} already has this contact: take it over with a reason if "
                              "you need to")
        contact.assigned_screener, contact.assigned_at = screener, timezone.now()
        contact.save(update_fields=["assigned_screener", "assigned_at"])
        audit_record(actor=actor, action=ContactAction.CONTACT_ASSIGNED, target=contact,
                     changes={"from": previous.get_username() if previous else "", "to": screener.get_username()})
        if giving:
            notify.notification_queue(
                recipient=screener, kind="contact_assigned", subject=f"{contact.reference} is yours",
                body=f"{actor} gave you contact {contact.reference}"
                     + (f" (it was {previous}'s)." if previous else "."),
                link=contact.get_absolute_url())
        if previous is not None and previous.pk != actor.pk:
            notify.notification_queue(
                recipient=previous, kind="contact_reassigned", subject=f"{contact.reference} now with {screener}",
                body=f"{actor} gave contact {contact.reference} to {screener}.", link=contact.get_absolute_url())
    return contact


def contact_take_over(*, actor, contact: Contact, reason: str) -> Contact:
    """A screener takes a contact awaiting screening from the colleague who has it, saying why: audited, and the
    colleague is told at once (before they write more)."""
    problems = Problems()
    reason = rules.TAKE_OVER_REASON.check(reason, problems)
    problems.raise_if_any()
    if not _may_own(actor):
        raise DomainError("Only a screener or manager of the MASH can take over a contact")
    with transaction.atomic():
        contact = _lock(contact)
        if contact.state != ContactState.AWAITING_SCREENING:
            raise DomainError("Only a contact awaiting screening can be taken over")
        previous = contact.assigned_screener
        if previous is None:
            raise DomainError("Nobody has this contact: assign it to yourself instead")
        if previous.pk == actor.pk:
            raise DomainError("This contact is already yours")
        contact.assigned_screener, contact.assigned_at = actor, timezone.now()
        contact.save(update_fields=["assigned_screener", "assigned_at"])
        audit_record(actor=actor, action=ContactAction.CONTACT_TAKEN_OVER, target=contact,
                     changes={"from": previous.get_username(), "to": actor.get_username(), "reason": reason})
        notify.notification_queue(
            recipient=previous, kind="contact_taken_over", subject=f"{actor} has taken over {contact.reference}",
            body=f"{actor} took over contact {contact.reference} from you: {reason}",
            link=contact.get_absolute_url())
    return contact


# --- restricted records (issue 13) --------------------------------------------------------------------------------


def contact_restrict(*, actor, contact: Contact, reason: str, users) -> Contact:
    """A manager restricts a contact (e.g. a staff member's family) with a reason, naming who may see it: from now
    on it is absent from every list, search, match and count for everyone else (contacts.selectors
    .contacts_visible_to). The manager keeps a grant; so does its assigned screener, if named. Audited (who was
    granted, by id: no names in the log)."""
    return _restrict(actor=actor, record=contact, reason=reason, users=users, noun="record",
                     permission="contacts.view_contact", action=ContactAction.CONTACT_RESTRICTED)


def person_restrict(*, actor, person: Person, reason: str, users) -> Person:
    """A manager restricts a person (e.g. a member of staff's child) with a reason, naming who may see them: from
    now on the person, and every contact naming them, is absent from every list, search, match, count, chronology
    and export for everyone else (contacts.selectors.visible_through, person_visible); a match or search on them
    says only "a restricted record may match: ask a manager". The manager keeps a grant. Audited (who was granted,
    by id: no names in the log)."""
    return _restrict(actor=actor, record=person, reason=reason, users=users, noun="person",
                     permission="contacts.view_person", action=ContactAction.PERSON_RESTRICTED)


def _restrict(*, actor, record, reason: str, users, noun: str, permission: str, action):
    """Restrict a contact or a person: a manager's reason, grants for the named MASH staff and the manager, in one
    transaction with its audit row (who was granted, by id)."""
    from guardian.shortcuts import assign_perm

    from mash.access import Role, has_role, is_mash_staff

    problems = Problems()
    if not has_role(actor, Role.MANAGER):
        problems.add(None, "Only a MASH manager restricts a record")
    reason = (reason or "").strip()
    if not reason:
        problems.add("reason", f"Say why this {noun} is restricted")
    elif len(reason) > 2000:
        problems.add("reason", "Enter 2000 characters or fewer")
    users = list(users)
    if any(not (user.is_active and is_mash_staff(user)) for user in users):
        problems.add("users", "Only active MASH staff can be named")
    problems.raise_if_any()
    with transaction.atomic():
        record = type(record).objects.select_for_update().get(pk=record.pk)
        granted = {actor.pk: actor, **{user.pk: user for user in users}}
        for user in granted.values():
            assign_perm(permission, user, record)
        if not record.restricted or record.restricted_reason != reason:
            record.restricted, record.restricted_reason = True, reason
            record.save(update_fields=["restricted", "restricted_reason"])
        audit_record(actor=actor, action=action, target=record, changes={"granted": sorted(granted), "reason": reason})
    return record


def contact_break_glass(*, actor, reference: str, reason: str) -> Contact:
    """A manager opens a restricted contact they were not granted, in an emergency, with a reason: they are granted
    it, the look is audited with the reason, and whoever restricted it (and its assigned screener) is told."""
    from guardian.shortcuts import assign_perm

    from mash.access import Role, has_role

    problems = Problems()
    if not has_role(actor, Role.MANAGER):
        problems.add(None, "Only a MASH manager can open a restricted record")
    reason = (reason or "").strip()
    if not reason:
        problems.add("reason", "Say why you need to open this restricted record")
    problems.raise_if_any()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(reference=(reference or "").strip().upper()).first()
        # Restricted itself, or naming restricted people: break-glass opens the contact and those people.
        people = list(Person.objects.filter(subject_of__contact=contact, restricted=True)) if contact else []
        if contact is None or not (contact.restricted or people):
            raise DomainError("No restricted record has that reference", field="reference")
        if contact.restricted:
            assign_perm("contacts.view_contact", actor, contact)
        for person in people:
            assign_perm("contacts.view_person", actor, person)
        audit_record(actor=actor, action=ContactAction.CONTACT_BREAK_GLASS, target=contact,
                     changes={"reason": reason, **({"people": sorted(p.pk for p in people)} if people else {})})
        from django.contrib.contenttypes.models import ContentType

        from mash.models import AuditEvent

        restrictions = Q(action=ContactAction.CONTACT_RESTRICTED, target_type=ContentType.objects.get_for_model(
            Contact), target_id=str(contact.pk))
        if people:
            restrictions |= Q(action=ContactAction.PERSON_RESTRICTED,
                              target_type=ContentType.objects.get_for_model(Person),
                              target_id__in=[str(p.pk) for p in people])
        owners = set(AuditEvent.objects.filter(restrictions).exclude(actor=None).values_list("actor_id", flat=True))
        if contact.assigned_screener_id:
            owners.add(contact.assigned_screener_id)
        owners.discard(actor.pk)
        notify.notifications_queue(
            notify.Message(recipient_id=owner, kind="break_glass",
                           subject=f"Restricted record opened: {contact.reference}",
                           body=f"{actor} opened the restricted record {contact.reference} without a grant. "
                                f"Their reason: {reason}",
                           link=contact.get_absolute_url())
            for owner in sorted(owners))
    return contact
