"""The rules a contact, the people on it and the decisions about it must meet. Written once, here; applied by
the services (`contacts.services`), so the screener's form, the police notification importer and the API all
get the same answer, with the same message, on the same field.

Each check returns the cleaned values or raises one `DomainError` listing every problem, each against the
input it concerns: a contact's own inputs by name (`received_at`), a person by group and position
(`children-0-date_of_birth`, `adults-1-postcode`), the list of children as `children`.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from mash.codes import Brag
from mash.errors import Problems
from mash.rules import Choice, Text, choices_check

from . import census, identifiers
from .codes import Channel, ConsentAnswer, OutcomeKind, PresentingFactor, ReferralSource, SubjectRole

MAX_CHILDREN = 12
MAX_ADULTS = 12
CHILD_AGE_LIMIT_YEARS = 25  # a date of birth longer ago than this is not a child's
EXPECTED_WITHIN_DAYS = 300  # an expected date of birth must fall within about 10 months

# --- a person named on a contact ----------------------------------------------------------------------------

FIRST_NAME = Text("first_name", "First name", max_length=100,
                  required_message="Enter the first name (or 'Unborn' for an unborn child)")
LAST_NAME = Text("last_name", "Last name", max_length=100, required_message="Enter the last name")
ADDRESS = Text("address", "Address", max_length=300, required=False)
CHILD_ROLE = Choice("role", "Role", tuple((r.value, r.label) for r in (SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING)),
                    required_message="Select the child's role",
                    invalid_message="Select the child's role from the list")
ADULT_ROLE = Choice("role", "Role", tuple((r.value, r.label) for r in (
    SubjectRole.PARENT_CARER, SubjectRole.HOUSEHOLD_ADULT, SubjectRole.SOURCE_OF_HARM)),
    required_message="Select the person's role", invalid_message="Select the person's role from the list")

BORN_IN_FUTURE = "Date of birth must be today or in the past"
BORN_TOO_LONG_AGO = "Date of birth is too long ago for a child"
EXPECTED_IN_PAST = "Expected date of birth must be today or later; if the baby is born, give the date of birth"
EXPECTED_TOO_FAR = "Expected date of birth must be within 10 months"
BORN_AND_EXPECTED = "Give a date of birth or an expected date of birth, not both"
CHILD_NEEDS_BIRTH_DATE = "Enter the child's date of birth, or an expected date if unborn"
ADULT_NOT_EXPECTED = "Only an unborn child has an expected date of birth"
NHS_NUMBER_INVALID = "Enter a valid 10-digit NHS number, like 943 476 5919"
POSTCODE_INVALID = "Enter a real postcode, like SW1A 1AA"

# --- the contact ---------------------------------------------------------------------------------------------

RECEIVED_MISSING = "Enter the date and time the contact was received"
RECEIVED_IN_FUTURE = "The date and time received must be in the past"
CHANNEL = Choice("channel", "How did the contact come in?", tuple(Channel.choices),
                 required_message="Select how the contact came in",
                 invalid_message="Select a valid choice of how the contact came in")
REFERRER_NAME = Text("referrer_name", "Referrer's name", max_length=200,
                     required_message="Enter the referrer's name (or 'Anonymous')",
                     extra_widget_attrs={"autocomplete": "off", "spellcheck": "false"})
REFERRER_ROLE = Text("referrer_role", "Referrer's role", max_length=200, required=False)
REFERRER_ORGANISATION = Text("referrer_organisation", "Referrer's organisation", max_length=200, required=False)
REFERRER_PHONE = Text("referrer_phone", "Referrer's phone number", max_length=40, required=False,
                      extra_widget_attrs={"class": "govuk-input--width-20", "type": "tel", "autocomplete": "off"})
EMAIL_INVALID = "Enter an e-mail address in the correct format, like name@example.com"
REFERRAL_SOURCE = Choice("referral_source", "Referral source", tuple(ReferralSource.choices),
                         required_message="Select the referral source",
                         invalid_message="Select a referral source from the list")
CONCERN = Text("concern", "What is the concern?", max_length=20000, rows=8, required_message="Enter the concern",
               too_long_message="The concern must be 20,000 characters or fewer",
               help_text="What the referrer told you, in their words where you can")
FACTORS_INVALID = "Select presenting factors from the list"
CONSENT_ANSWER = Choice("consent_answer", "Do the parents know about this referral and agree to it?",
                        tuple(ConsentAnswer.choices),
                        required_message="Select whether the parents agreed to the referral",
                        invalid_message="Select whether the parents agreed to the referral from the list")
CONSENT_DETAIL = Text("consent_detail", "About consent", max_length=2000, required=False, rows=3,
                      help_text="Why consent was refused or not asked, and who was asked")
CONSENT_DETAIL_NEEDED = "Say why consent was refused or not asked"
NO_CHILDREN = "Add at least one child"
NO_SUBJECT_CHILD = "At least one child must be a subject child"
TOO_MANY_CHILDREN = f"A contact can name at most {MAX_CHILDREN} children: record the rest on another contact"
TOO_MANY_ADULTS = f"A contact can name at most {MAX_ADULTS} adults: record the rest on another contact"


def subject_clean(subject, *, group: str, index: int, problems: Problems, today: date | None = None):
    """One person as a service records them: names trimmed, NHS number and postcode normalised, dates checked.
    `subject` is a `contacts.services.SubjectInput`; the cleaned copy is returned."""
    today = today or timezone.localdate()
    child = group == "children"

    def at(name: str) -> str:
        return f"{group}-{index}-{name}"

    role = (CHILD_ROLE if child else ADULT_ROLE).check(subject.role, problems, field=at("role"))
    first_name = FIRST_NAME.check(subject.first_name, problems, field=at("first_name"))
    last_name = LAST_NAME.check(subject.last_name, problems, field=at("last_name"))
    address = ADDRESS.check(subject.address, problems, field=at("address"))
    born, expected = subject.date_of_birth, subject.expected_date_of_birth
    if born is not None:
        if born > today:
            problems.add(at("date_of_birth"), BORN_IN_FUTURE)
        elif child and born.year < today.year - CHILD_AGE_LIMIT_YEARS:
            problems.add(at("date_of_birth"), BORN_TOO_LONG_AGO)
    if expected is not None:
        if not child:
            problems.add(at("expected_date_of_birth"), ADULT_NOT_EXPECTED)
        elif expected < today:
            problems.add(at("expected_date_of_birth"), EXPECTED_IN_PAST)
        elif (expected - today).days > EXPECTED_WITHIN_DAYS:
            problems.add(at("expected_date_of_birth"), EXPECTED_TOO_FAR)
    if child and born is not None and expected is not None:
        problems.add(at("expected_date_of_birth"), BORN_AND_EXPECTED)
    elif child and born is None and expected is None and subject.person_id is None:
        # A new child needs a birth date; a child linked to a known record has the record's.
        problems.add(at("date_of_birth"), CHILD_NEEDS_BIRTH_DATE)
    nhs_number = postcode = ""
    try:
        nhs_number = identifiers.normalise_nhs_number(subject.nhs_number)
    except ValidationError:
        problems.add(at("nhs_number"), NHS_NUMBER_INVALID)
    try:
        postcode = identifiers.normalise_postcode(subject.postcode)
    except ValidationError:
        problems.add(at("postcode"), POSTCODE_INVALID)
    facts = {}
    if child:
        facts = census.census_facts_clean(
            sex=subject.sex, ethnicity=subject.ethnicity, disabilities=subject.disabilities, upn=subject.upn,
            upn_unknown=subject.upn_unknown, la_child_id=subject.la_child_id, problems=problems, prefix=at(""))
        facts["disabilities"] = tuple(facts["disabilities"])
    return dataclasses.replace(subject, role=role, first_name=first_name, last_name=last_name, address=address,
                               nhs_number=nhs_number, postcode=postcode, **facts)


def contact_clean(*, received_at: datetime | None, channel: str, referrer_name: str, referral_source: str,
                  concern: str, children, adults=(), referrer_role: str = "", referrer_organisation: str = "",
                  referrer_phone: str = "", referrer_email: str = "", presenting_factors=(),
                  consent_answer: str = "", consent_detail: str = "", now: datetime | None = None) -> dict:
    """Every rule a new contact must meet. Returns its inputs cleaned, or raises one DomainError with every
    problem. Writes nothing: the form checks with it before matching people, the importer before importing."""
    problems = Problems()
    now = now or timezone.now()
    if received_at is None:
        problems.add("received_at", RECEIVED_MISSING)
    elif received_at > now:
        problems.add("received_at", RECEIVED_IN_FUTURE)
    clean = {
        "received_at": received_at,
        "channel": CHANNEL.check(channel, problems),
        "referrer_name": REFERRER_NAME.check(referrer_name, problems),
        "referrer_role": REFERRER_ROLE.check(referrer_role, problems),
        "referrer_organisation": REFERRER_ORGANISATION.check(referrer_organisation, problems),
        "referrer_phone": REFERRER_PHONE.check(referrer_phone, problems),
        "referral_source": REFERRAL_SOURCE.check(referral_source, problems),
        "concern": CONCERN.check(concern, problems),
        "presenting_factors": choices_check(presenting_factors, PresentingFactor.values, problems,
                                            field="presenting_factors", message=FACTORS_INVALID),
    }
    email = (referrer_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add("referrer_email", EMAIL_INVALID)
    clean["referrer_email"] = email
    # A police notification carries no answer about consent: the police did not ask it of the parents.
    answer_needed = clean["channel"] != Channel.POLICE_NOTIFICATION
    answer = CONSENT_ANSWER.check(consent_answer, problems) if (consent_answer or answer_needed) else ""
    detail = CONSENT_DETAIL.check(consent_detail, problems)
    if answer in (ConsentAnswer.REFUSED, ConsentAnswer.NOT_ASKED) and not detail:
        problems.add("consent_detail", CONSENT_DETAIL_NEEDED)
    clean.update(consent_answer=answer, consent_detail=detail)
    today = timezone.localdate(now)
    clean["children"] = [subject_clean(s, group="children", index=i, problems=problems, today=today)
                         for i, s in enumerate(children)]
    clean["adults"] = [subject_clean(s, group="adults", index=i, problems=problems, today=today)
                       for i, s in enumerate(adults)]
    if not children:
        problems.add("children", NO_CHILDREN)
    elif not any(s.role == SubjectRole.SUBJECT_CHILD for s in clean["children"]):
        problems.add("children", NO_SUBJECT_CHILD)
    if len(children) > MAX_CHILDREN:
        problems.add("children", TOO_MANY_CHILDREN)
    if len(adults) > MAX_ADULTS:
        problems.add("adults", TOO_MANY_ADULTS)
    problems.raise_if_any()
    return clean


# --- screening and decisions --------------------------------------------------------------------------------

WORRIES = Text("worries", "What are we worried about?", max_length=10000, rows=4,
               required_message="Enter what we are worried about",
               help_text="Past harm, future danger, complicating factors")
WORKING_WELL = Text("working_well", "What's working well?", max_length=10000, rows=4,
                    required_message="Enter what is working well", help_text="Strengths and the safety already there")
NEEDS_TO_HAPPEN = Text("needs_to_happen", "What needs to happen?", max_length=10000, rows=4,
                       required_message="Enter what needs to happen", help_text="Safety goals and next steps")
DANGER_STATEMENTS = Text("danger_statements", "Danger statements", max_length=10000, rows=3, required=False,
                         help_text="Who is worried, about what behaviour, and what could happen if nothing changes")
HISTORY_NOT_CHECKED = "Check the history before proposing a rating"
LEVEL_MISSING = "Select the level of need"
CRITERIA_MISSING = "Select the threshold criteria that match"
PROPOSED_BRAG = Choice("proposed_brag", "Proposed BRAG rating", tuple(Brag.choices),
                       required_message="Select a BRAG rating", invalid_message="Select a BRAG rating from the list")
DIFFERS_REASON = Text("differs_reason", "Why your rating differs from the suggested rating", max_length=10000,
                      rows=3, required=False,
                      help_text="Only if you choose a rating other than the one the criteria suggest")


def differs_message(proposed: str, suggested: str) -> str:
    return (f"Say why you propose {Brag(proposed).label} when the criteria ticked suggest "
            f"{Brag(suggested).label}")


def suggested_level(criteria):
    """The level the ticked criteria point to: the highest level any of them belongs to (None: none ticked)."""
    levels = [c.level for c in criteria]
    return max(levels, key=lambda lvl: lvl.number) if levels else None


def suggested_brag(criteria) -> str:
    """The rating the threshold document suggests for the ticked criteria: the usual rating of the level they
    point to ("" when nothing is ticked or the level has no usual rating). The screener may differ, with a
    reason (`contacts.services.screening_submit`)."""
    level = suggested_level(criteria)
    return level.usual_rating if level is not None else ""


RATIONALE = Text("rationale", "Rationale for the rating", max_length=10000, rows=4,
                 required_message="Enter the rationale for the rating")
RECOMMENDATION_MISSING = "Select a recommendation"
REVISION_RATIONALE = Text("rationale", "Why the rating should change", max_length=10000, rows=3,
                          required_message="Enter why the rating should change")
DECIDED_BRAG = Choice("brag", "Rating", tuple(Brag.choices), required_message="Select the rating",
                      invalid_message="Select a rating from the list")
CHANGE_REASON = Text("reason", "Reason for changing the rating", max_length=10000, rows=3, required=False,
                     help_text="Required if you change the proposed rating")
CHANGE_REASON_NEEDED = "Give the reason for changing the rating"
REVISION_WITHDRAW_REASON = Text("reason", "Why you are withdrawing the revision", max_length=2000, rows=2,
                                required_message="Say why you are withdrawing the revision")
RETURN_COMMENTS = Text("comments", "Comments for the screener", max_length=10000, rows=3,
                       required_message="Say what the screener needs to do")
OUTCOME_KIND = Choice("kind", "Outcome",
                      tuple((k.value, k.label) for k in OutcomeKind if k != OutcomeKind.ALLOCATED_WORKER),
                      required_message="Select the outcome", invalid_message="Select an outcome from the list")
OUTCOME_RATIONALE = Text("rationale", "Rationale", max_length=10000, rows=4,
                         required_message="Enter the rationale for the outcome")
OUTCOME_SUMMARY = Text("summary", "Summary for the receiving service", max_length=10000, rows=5,
                       required_message="Enter a summary for the receiving service")
# Outcomes that hand the case to a team: the team must be named.
OUTCOMES_WITH_TEAM = frozenset({OutcomeKind.STRATEGY_S47, OutcomeKind.S17_ASSESSMENT, OutcomeKind.EARLY_HELP,
                                OutcomeKind.SUPPORTING_FAMILIES})
RECEIVING_TEAM_NEEDED = "Select the team that will receive this case"
ALLOCATED_NOTE = Text("note", "Note for the allocated worker", max_length=10000, rows=3,
                      required_message="Add a note for the allocated worker")
MERGE_REASON = Text("reason", "Why are these the same person?", max_length=10000, rows=3,
                    required_message="Say why these are the same person")


def rating_decision_clean(*, proposed: str, brag: str, reason: str) -> tuple[str, str]:
    """A manager's decision on a proposed rating: the rating, and the reason (required when it changes)."""
    problems = Problems()
    brag = DECIDED_BRAG.check(brag, problems)
    reason = CHANGE_REASON.check(reason, problems)
    if brag and brag != proposed and not reason:
        problems.add("reason", CHANGE_REASON_NEEDED)
    problems.raise_if_any()
    return brag, reason


# --- owning work ---------------------------------------------------------------------------------------------

TAKE_OVER_REASON = Text("reason", "Why are you taking over this contact?", max_length=2000, rows=3,
                        required_message="Say why you are taking over this contact",
                        help_text="The screener who has it is told, with your reason")
ASSIGNEE_MISSING = "Select the screener to give this contact to"
ASSIGNEE_NOT_STAFF = "Select a screener or manager of the MASH from the list"
