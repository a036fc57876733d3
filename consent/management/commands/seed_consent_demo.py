"""Demo consent records: three families, one in each state (called by `seed_demo`; demo mode only; idempotent).

- the Clarkes: Sarah Clarke's consent for Mia and Noah, scoped to police and education, with what was explained;
- the Hughes: Kelly Hughes refused; a screener proposed sharing despite the refusal, and the manager decided it
  with the lawful basis;
- the Patels: Raj Patel's consent, then withdrawn: police, education and health blocked, and the managers flagged.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consent import services
from consent.codes import Explained
from consent.models import ConsentRecord, LawfulBasis, SharingReason
from contacts.codes import Channel, ReferralSource
from contacts.services import SubjectInput, contact_create

EXPLAINED = list(Explained.values)


def _family(screener, *, surname, parent, children, concern, hours_ago, source=ReferralSource.SCHOOLS):
    kids = [SubjectInput(first_name=name, last_name=surname, date_of_birth=born,
                         role="subject_child" if i == 0 else "sibling") for i, (name, born) in enumerate(children)]
    adult = SubjectInput(first_name=parent, last_name=surname, date_of_birth=date(1989, 6, 12), role="parent_carer")
    return contact_create(
        actor=screener, received_at=timezone.now() - timedelta(hours=hours_ago), channel=Channel.PHONE,
        referrer_name="Leah Morgan", referrer_role="Designated safeguarding lead",
        referrer_organisation="Anytown Primary School", referrer_email="leah.morgan@anytown-primary.example",
        referral_source=source, concern=concern, children=kids, adults=[adult], consent_answer="not_asked",
        consent_detail="The school had not spoken to the parents yet.",
    )


def _people(contact):
    subjects = list(contact.subjects.select_related("person").order_by("position"))
    parent = next(s.person for s in subjects if s.role == "parent_carer")
    return parent, [s.person.pk for s in subjects if s.role in ("subject_child", "sibling")]


class Command(BaseCommand):
    help = "Seed demo consent records showing each state (given, refused then overridden, withdrawn). Demo only."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError("seed_consent_demo writes demo records: it runs only with DEBUG=1 or DEMO_MODE=1.")
        if ConsentRecord.objects.exists():
            self.stdout.write("Consent demo already there.")
            return
        User = get_user_model()
        screener, manager = User.objects.get(username="screener"), User.objects.get(username="manager")
        asked = {"method": "in_person", "explained": EXPLAINED, "understood": "yes",
                 "obtained_by": screener.get_full_name(), "obtained_at": timezone.now() - timedelta(hours=2)}

        clarke = _family(screener, surname="Clarke", parent="Sarah", hours_ago=5,
                         children=[("Mia", date(2018, 2, 14)), ("Noah", date(2021, 7, 3))],
                         concern="Mia has been late to school most days this month and says Noah is often ill.")
        parent, children = _people(clarke)
        services.consent_record(
            actor=screener, contact=clarke, state="given", given_by=parent.pk, capacity="parent", children=children,
            agency_kinds=["police", "education"], info_kinds=["involvement", "education", "police"],
            purpose="Checks with the school and the police to decide what help the family needs.", **asked)

        hughes = _family(screener, surname="Hughes", parent="Kelly", hours_ago=8,
                         children=[("Ella", date(2016, 9, 20))], source=ReferralSource.HEALTH_AE,
                         concern="Ella came to A&E with a burn; the explanation does not fit the injury.")
        parent, children = _people(hughes)
        services.consent_record(
            actor=screener, contact=hughes, state="refused", given_by=parent.pk, capacity="parent",
            children=children, agency_kinds=["police", "health", "education"], info_kinds=[],
            purpose="Checks with her GP, the school and the police about Ella's injury.",
            **{**asked, "explained": ["who", "what_for"]})
        decision = services.sharing_propose(
            actor=screener, contact=hughes, children=children, threshold="s47",
            agencies=[a.pk for a in _signatories(("police", "health", "education"))],
            reason=SharingReason.objects.get(code="refused_risk_outweighs").pk,
            narrative="Kelly refused any checks. An unexplained burn to a 9-year-old: the risk outweighs the refusal.",
            purpose="Whether the GP, the school or the police know of earlier injuries.", family_told="will_be_told",
            family_told_on=timezone.localdate(), advice="Discussed with the named nurse for safeguarding.")
        services.sharing_decide(actor=manager, decision=decision, outcome="share",
                                lawful_basis=LawfulBasis.objects.get(name="Public task: safeguarding children").pk,
                                note="Section 47 threshold met; checks today.")

        patel = _family(screener, surname="Patel", parent="Raj", hours_ago=20,
                        children=[("Aarav", date(2015, 11, 8)), ("Isha", date(2019, 4, 22))],
                        concern="Aarav told his teacher there is shouting at home every night.")
        parent, children = _people(patel)
        record = services.consent_record(
            actor=screener, contact=patel, state="given", given_by=parent.pk, capacity="parent", children=children,
            agency_kinds=["police", "education", "health"], info_kinds=["involvement", "education", "health"],
            purpose="Checks with the school, the GP and the police.",
            **{**asked, "obtained_at": timezone.now() - timedelta(hours=6)})
        services.consent_withdraw(actor=screener, record=record, withdrawn_at=timezone.now() - timedelta(hours=1),
                                  method="phone", note="Raj rang to say he no longer wants the GP or school asked.")
        self.stdout.write(f"Consent demo: {clarke.reference} (given), {hughes.reference} (refused, then a manager's "
                          f"decision to share), {patel.reference} (withdrawn, flagged).")


def _signatories(kinds):
    from consent.selectors import signatories

    return [a for a in signatories() if a.kind in kinds]
