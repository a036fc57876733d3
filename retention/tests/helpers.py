"""Builders for the retention tests: a family with unusual names on a contact taken through every service that
writes about it (so destroying it must find every kind of row), and a second manager for four eyes."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from agencies.models import User
from conftest import PASSWORD
from consent import services as consent_services
from consent.tests.helpers import consent_inputs, decide_share, propose
from contacts import drafts
from contacts import services as contact_services
from contacts.services import SubjectInput, contact_create
from enquiries import services as enquiry_services
from enquiries.tests.helpers import ask
from mash import deadlines
from mash.access import Role

CHILD = ("Zephyrine", "Quillfeather-Okonkwo", date(2014, 3, 17))
SIBLING = ("Thaddeus", "Quillfeather-Okonkwo", date(2016, 8, 29))
MOTHER = ("Ottoline", "Quillfeather-Okonkwo", date(1988, 11, 5))
NHS_NUMBER = "9434765919"
ADDRESS = "17 Wyvernbrook Crescent"
REFERRER = ("Perpetua Hollingsworth-Vane", "perpetua.vane@wyvernbrook.sch.uk")
MARKER = "Brindlewick"  # in the concern and every free-text answer


def manager2(personas):
    user = User.objects.create_user(username="manager2", password=PASSWORD, agency=personas.social_care,
                                    first_name="Meg", last_name="Second", email="manager2@example.gov.uk")
    user.groups.add(Group.objects.get(name=Role.MANAGER.value))
    return user


def quiet_contact(actor, *, surname="Plain", outcome_at=None):
    """A plain contact, for the lists: one child named `surname`."""
    return contact_create(actor=actor, received_at=timezone.now() - timedelta(hours=1), channel="phone",
                          referrer_name="R", referral_source="2A", concern="A concern.", consent_answer="given",
                          children=[SubjectInput(first_name="Kid", last_name=surname, date_of_birth=date(2015, 1, 1))])


@dataclass
class Family:
    contact: object
    child: object
    sibling: object
    mother: object

    def words(self) -> list[str]:
        """Everything that would identify them, as text."""
        words = [self.contact.reference, NHS_NUMBER, ADDRESS, MARKER, *REFERRER]
        for first, last, born in (CHILD, SIBLING, MOTHER):
            words += [first, last, f"{first} {last}", born.isoformat(), born.strftime("%d/%m/%Y")]
        return words


def family_with_everything(personas, client) -> Family:
    """A contact naming a child, a sibling and their mother, with: an immediate-risk alert, a breached clock and
    its escalation messages, screening with criteria, ratings, a draft, a restricted grant, consent (one given, one
    withdrawn: a flag), a decision to share without consent, the referrer's anonymity, an enquiry with requests to
    police and health and health's submitted return, an outcome (s17: referrals, disclosures, messages), a
    lifted legal hold, looks at every page and a search by name. Closed."""
    from contacts.models import LevelOfNeed, ThresholdCriterion
    from retention import services as retention_services

    kids = [SubjectInput(first_name=CHILD[0], last_name=CHILD[1], date_of_birth=CHILD[2], nhs_number=NHS_NUMBER,
                         address=ADDRESS, postcode="AN1 1AA"),
            SubjectInput(first_name=SIBLING[0], last_name=SIBLING[1], date_of_birth=SIBLING[2], role="sibling",
                         address=ADDRESS, postcode="AN1 1AA")]
    adults = [SubjectInput(first_name=MOTHER[0], last_name=MOTHER[1], date_of_birth=MOTHER[2],
                           role="parent_carer", address=ADDRESS, postcode="AN1 1AA")]
    contact = contact_create(
        actor=personas.screener, received_at=timezone.now() - timedelta(hours=30), channel="phone",
        referrer_name=REFERRER[0], referrer_email=REFERRER[1], referrer_organisation="Wyvernbrook Primary",
        referral_source="2A", concern=f"{CHILD[0]} said her mother's partner hurt her ({MARKER}).",
        consent_answer="not_asked", consent_detail="The school did not ask.", children=kids, adults=adults,
        immediate_risk=True)
    subjects = {s.person.first_name: s.person for s in contact.subjects.select_related("person")}
    child, sibling, mother = subjects[CHILD[0]], subjects[SIBLING[0]], subjects[MOTHER[0]]
    deadlines.sweep()  # the contact's clock is long past: a breach, its messages

    # Looks: the contact page, the person, a search by name.
    client.force_login(personas.manager)
    assert client.get(contact.get_absolute_url()).status_code == 200
    assert client.get(f"/contacts/people/{child.pk}/").status_code == 200
    assert client.get("/contacts/search/", {"q": f"{CHILD[1]} {CHILD[2]:%d/%m/%Y}"}).status_code == 200

    drafts.draft_save(actor=personas.screener, form="screening", contact=contact,
                      data={"worries": [f"{CHILD[0]} {MARKER}"]})
    contact_services.contact_restrict(actor=personas.manager, contact=contact, reason=f"{MARKER}: a colleague's.",
                                      users=[personas.screener])
    level = LevelOfNeed.objects.get(document__active=True, number=3)
    contact_services.screening_submit(
        actor=personas.screener, contact=contact, worries=f"{CHILD[0]} {MARKER}", working_well="Grandmother.",
        needs_to_happen="Checks.", history_checked=True, level=level,
        criteria=list(ThresholdCriterion.objects.filter(level=level)[:2]), proposed_brag="amber",
        rationale=f"{MARKER}.", recommendation="enquiry", differs_reason="Partners first.")
    contact_services.rating_decide(actor=personas.manager, contact=contact, brag="amber")

    consent_services.consent_record(actor=personas.screener, contact=contact, **consent_inputs(
        contact, purpose=f"Checks ({MARKER}).", notes=f"{MOTHER[0]} agreed."))
    health_consent = consent_services.consent_record(actor=personas.screener, contact=contact, **consent_inputs(
        contact, agency_kinds=["health"], info_kinds=["health"]))
    consent_services.consent_withdraw(actor=personas.screener, record=health_consent, withdrawn_at=timezone.now(),
                                      method="phone")  # a flag naming the children
    decide_share(personas.manager, propose(personas.screener, contact, [personas.health],
                                           narrative=f"{CHILD[0]} disclosed harm ({MARKER})."))
    consent_services.referrer_anonymity_record(actor=personas.screener, contact=contact, note=f"{REFERRER[0]} asked.")

    enquiry = enquiry_services.enquiry_open(
        actor=personas.manager, contact=contact, reason=f"{MARKER}.", need_to_know="Call-outs.",
        asks=[ask(personas.police, child, sibling), ask(personas.health, child)])
    health = enquiry.requests.get(agency=personas.health)
    enquiry_services.return_save(
        actor=personas.health_partner, request=health, headings=["GP registration"],
        sections={"GP registration": f"{CHILD[0]} registered ({MARKER})."}, brag="amber",
        brag_rationale="Missed appointments.", sensitive=f"{MOTHER[0]}'s history ({MARKER}).", submit=True)
    client.force_login(personas.manager)
    assert client.get(f"/enquiries/requests/{health.pk}/").status_code == 200
    enquiry_services.enquiry_close(actor=personas.manager, enquiry=enquiry, reason=f"Enough known ({MARKER}).")

    hold = retention_services.hold_place(actor=personas.manager, contact=contact, reason=f"{MARKER} claim.")
    retention_services.hold_lift(actor=personas.manager, hold=hold, reason="Claim settled.")

    from agencies.models import Team

    team, _ = Team.objects.get_or_create(agency=personas.social_care, name="Assessment team",
                                         defaults={"receives_outcomes": True})
    contact_services.outcome_decide(actor=personas.manager, contact=contact, kind="s17_assessment",
                                    rationale=f"{MARKER}.", summary=f"{CHILD[0]} needs an assessment.",
                                    receiving_team=team)
    contact.refresh_from_db()
    assert contact.state == "closed"
    return Family(contact=contact, child=child, sibling=sibling, mother=mother)


def text_columns():
    """(table, column) for every text, character and JSON column of every table in the database."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if kind in ("CharField", "TextField", "JSONField", "EmailField", "SlugField"):
                    found.append((table, column.name))
    return found


def where_found(word: str, *, skip=()) -> list[str]:
    """Every table.column holding `word` (case-insensitive), but those in `skip`."""
    hits = []
    qn = connection.ops.quote_name
    cast = "::text" if connection.vendor == "postgresql" else ""
    like = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
    with connection.cursor() as cursor:
        for table, column in text_columns():
            if table in skip:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)} WHERE {qn(column)}{cast} {like} %s",  # noqa: S608
                           [f"%{word}%"])
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits
