"""Demo enquiries (called by `seed_demo`; demo mode only; idempotent): three families with requests to police,
health and education in every state, one overdue, so each demo partner has work waiting.

- the Wrights (Amber): police has claimed its request (in progress), health made a nil return, the school declined;
- the Okoros (Red): police's request is overdue and unclaimed, health's is waiting, the school returned a Red view
  with a sensitive section;
- the Lees (Green): police returned, the school is working on it, health's request was withdrawn.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consent import services as consent_services
from consent.codes import Explained
from consent.models import LawfulBasis, SharingReason
from consent.selectors import signatories
from contacts import services as contact_services
from contacts.codes import Channel, ReferralSource
from contacts.models import LevelOfNeed, ThresholdCriterion
from contacts.services import SubjectInput
from enquiries import services
from enquiries.models import InformationRequest
from enquiries.selectors import headings_for
from mash import deadlines
from mash.codes import Stage
from mash.models import Notification


def _family(screener, *, surname, parent, parent_born, address, postcode, children, concern, hours_ago):
    """One family at its own address (three mothers with one address and birthday matched each other)."""
    kids = [SubjectInput(first_name=name, last_name=surname, date_of_birth=born, address=address,
                         postcode=postcode, role="subject_child" if i == 0 else "sibling")
            for i, (name, born) in enumerate(children)]
    adult = SubjectInput(first_name=parent, last_name=surname, date_of_birth=parent_born, role="parent_carer",
                         address=address, postcode=postcode)
    return contact_services.contact_create(
        actor=screener, received_at=timezone.now() - timedelta(hours=hours_ago), channel=Channel.PHONE,
        referrer_name="Dana Fox", referrer_role="Health visitor", referrer_organisation="Anytown NHS Foundation Trust",
        referrer_email="dana.fox@anytown-nhs.example", referral_source=ReferralSource.HEALTH_VISITOR, concern=concern,
        children=kids, adults=[adult], consent_answer="given", consent_detail="The mother agreed to the referral.")


def _approve(contact, screener, manager, brag):
    level = LevelOfNeed.objects.get(document__active=True, number={"red": 4, "amber": 3}.get(brag, 2))
    contact_services.screening_submit(
        actor=screener, contact=contact, worries="What is known is not enough to judge the risk.",
        working_well="The family is known to the health visitor.", needs_to_happen="Checks with partners.",
        history_checked=True, level=level, criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]),
        proposed_brag=brag, rationale="Partners' information is needed to decide.", recommendation="enquiry",
        differs_reason="Partners' checks needed first.")
    contact_services.rating_decide(actor=manager, contact=contact, brag=brag)
    contact.refresh_from_db()


def _bases(contact, screener, manager, agencies):
    """Consent for police and education; a manager's decision to share with health (the health gate)."""
    subjects = list(contact.subjects.select_related("person").order_by("position"))
    parent = next(s.person for s in subjects if s.role == "parent_carer")
    children = [s.person.pk for s in subjects if s.role in ("subject_child", "sibling")]
    consent_services.consent_record(
        actor=screener, contact=contact, state="given", given_by=parent.pk, capacity="parent", children=children,
        agency_kinds=["police", "education"], info_kinds=["involvement", "education", "police"],
        purpose="Checks with the school and the police.", method="phone", explained=list(Explained.values),
        understood="yes", obtained_by=screener.get_full_name(), obtained_at=timezone.now() - timedelta(hours=1))
    decision = consent_services.sharing_propose(
        actor=screener, contact=contact, children=children, agencies=[agencies["health"].pk], threshold="s17",
        reason=SharingReason.objects.get(code="risk_of_harm").pk,
        narrative="Asking the parent about health checks now could put the children at risk.",
        purpose="Whether health have seen injuries or missed appointments.", family_told="will_be_told",
        family_told_on=timezone.localdate())
    consent_services.sharing_decide(actor=manager, decision=decision, outcome="share",
                                    lawful_basis=LawfulBasis.objects.get(name="Public task: safeguarding children").pk,
                                    note="Checks today.")
    return [s.person for s in subjects if s.role == "subject_child"][0]


def _open(contact, manager, agencies, child, questions):
    return services.enquiry_open(
        actor=manager, contact=contact, reason="The risk is unknown: partners' information is needed.",
        need_to_know="Police call-outs, health attendances and school attendance in the last year.",
        asks=[services.AskInput(agency_id=agencies[kind].pk, question=question, people=(child.pk,))
              for kind, question in questions.items()])


def _told_then(request, *, was_due, asked):
    """The police were told of the request when it was asked (four hours ago in the story), with the deadline it has
    now: their inbox and notification must not say another time than the request's page."""
    def when(moment):
        return f"{timezone.localtime(moment):%d %B %Y at %H:%M}"

    for note in Notification.objects.filter(link=request.get_partner_url(), kind="information_request"):
        note.subject = note.subject.replace(when(was_due), when(request.due_at))
        note.body = note.body.replace(when(was_due), when(request.due_at))
        note.created_at = note.next_attempt_at = asked
        note.save(update_fields=["subject", "body", "created_at", "next_attempt_at"])


def _return(request, user, texts, brag, why, sensitive=""):
    headings = headings_for(request.agency)
    sections = {heading: texts[i] if i < len(texts) else "" for i, heading in enumerate(headings)}
    services.return_save(actor=user, request=request, headings=headings, sections=sections, brag=brag,
                         brag_rationale=why, sensitive=sensitive, submit=True)


class Command(BaseCommand):
    help = "Seed demo enquiries with information requests in every state (one overdue). Demo only; idempotent."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError("seed_enquiry_demo writes demo records: it runs only with DEBUG=1 or DEMO_MODE=1.")
        if InformationRequest.objects.exists():
            self.stdout.write("Enquiry demo already there.")
            return
        users = {u.username: u for u in get_user_model().objects.filter(
            username__in=["screener", "manager", "police", "health", "school"])}
        agencies = {}
        for agency in signatories():
            agencies.setdefault(agency.kind, agency)
        if len(users) < 5 or not {"police", "health", "education"} <= set(agencies):
            raise CommandError("Run seed_demo first: the enquiry demo needs its users and agencies.")
        screener, manager = users["screener"], users["manager"]
        questions = {"police": "Any call-outs to the address, or offences by adults in the household?",
                     "health": "GP registration, missed appointments, A&E attendances?",
                     "education": "Attendance this year, and any concerns the school has recorded?"}

        wright = _family(screener, surname="Wright", parent="Gemma", hours_ago=6, parent_born=date(1991, 6, 14),
                         address="12 Orchard Close, Anytown", postcode="AN1 4RB",
                         children=[("Ruby", date(2017, 5, 2)), ("Alfie", date(2020, 1, 19))],
                         concern="Ruby told the health visitor that Mum's new partner shouts and throws things.")
        _approve(wright, screener, manager, "amber")
        child = _bases(wright, screener, manager, agencies)
        enquiry = _open(wright, manager, agencies, child, questions)
        by_kind = {r.agency.kind: r for r in enquiry.requests.select_related("agency")}
        services.request_claim(actor=users["police"], request=by_kind["police"])
        services.nil_return(actor=users["health"], request=by_kind["health"])
        services.request_decline(actor=users["school"], request=by_kind["education"],
                                 reason="Ruby is not on the roll of any Anytown school: she is home educated.")

        okoro = _family(screener, surname="Okoro", parent="Blessing", hours_ago=10, parent_born=date(1985, 11, 2),
                        address="Flat 3, 41 Station Road, Anytown", postcode="AN2 7SR",
                        children=[("David", date(2014, 8, 30))],
                        concern="David was seen with a black eye and would not say how it happened.")
        _approve(okoro, screener, manager, "red")
        child = _bases(okoro, screener, manager, agencies)
        enquiry = _open(okoro, manager, agencies, child, questions)
        by_kind = {r.agency.kind: r for r in enquiry.requests.select_related("agency")}
        overdue = by_kind["police"]  # asked four hours ago: past its Red window of 3 clock hours
        was_due, asked = overdue.due_at, timezone.now() - timedelta(hours=4)
        deadlines.clock_start(overdue, stage=Stage.INFORMATION_REQUEST, rating="red", started_at=asked)
        overdue.save()
        _told_then(overdue, was_due=was_due, asked=asked)
        _return(by_kind["education"], users["school"],
                ["Attendance 71% this term.", "Two marks and bruises logged since September."], "red",
                "Injuries seen twice this term, with changing explanations.",
                sensitive="The school counsellor's notes of what David said about home.")

        lee = _family(screener, surname="Lee", parent="Mei", hours_ago=20, parent_born=date(1995, 2, 23),
                      address="7 Willow Walk, Anytown", postcode="AN3 2WW",
                      children=[("Sophie", date(2019, 10, 11))],
                      concern="Nursery worried that Sophie is often collected late and hungry.")
        _approve(lee, screener, manager, "green")
        child = _bases(lee, screener, manager, agencies)
        enquiry = _open(lee, manager, agencies, child, questions)
        by_kind = {r.agency.kind: r for r in enquiry.requests.select_related("agency")}
        _return(by_kind["police"], users["police"], ["No incidents at the address."], "green",
                "Nothing known to police.")
        services.request_claim(actor=users["school"], request=by_kind["education"])
        services.request_withdraw(actor=manager, request=by_kind["health"],
                                  reason="The health visitor's own referral already tells us what health knows.")
        self.stdout.write(f"Enquiry demo: {wright.reference} (Amber), {okoro.reference} (Red, police overdue), "
                          f"{lee.reference} (Green).")
