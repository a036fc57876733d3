"""Demo data for the national returns: each demo child's facts for the returns, and a few of this census year's
referrals (a section 47 strategy discussion, a section 17 assessment, one that ended with no further action), so
the Annex A lists and the CIN census file have something true to show. Idempotent; demo mode only.

Recorded through the services, as a person would, then moved back to when it happened (a demo has no past).
Run by `seed_demo` (contacts cannot import reports, so it is called by name).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agencies.models import Team
from contacts import services as contact_services
from contacts.census import upn_check_letter
from contacts.codes import CHILD_ROLES
from contacts.models import Contact, ContactSubject, LevelOfNeed, Outcome, ThresholdCriterion
from contacts.services import SubjectInput
from reports import summaries
from reports.models import Referral
from reports.rules import census_years
from reports.services import referral_nfa_record

MARK = "Returns demo"  # the referrer organisation of this command's contacts: a second run finds them

# Facts for the demo's children, cycled: (sex, ethnicity, disabilities).
FACTS = [("F", "WBRI", ["NONE"]), ("M", "MWBC", ["NONE"]), ("F", "AIND", ["NONE"]), ("M", "BAFR", ["COMM"]),
         ("F", "WOTH", ["NONE"]), ("M", "APKN", ["NONE"]), ("U", "NOBT", ["NONE"])]

CASES = [
    # (days after the census year's start, source, route, NFA, child's first and last name, age in years)
    (20, "6", "strategy_s47", False, "Maisie", "Doyle", 9),
    (75, "2A", "s17_assessment", False, "Theo", "Grant", 12),
    (130, "3B", "s17_assessment", True, "Ruby", "Shah", 3),
]


def demo_upn(n: int) -> str:
    """A UPN with a real council code (801) and the right check letter: the census checks both."""
    body = f"8012000{n:05d}"
    return upn_check_letter(body) + body


class Command(BaseCommand):
    help = "Seed the national returns demo: children's census facts and this census year's referrals."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError("seed_returns_demo changes demo records: it runs only with DEBUG=1 or DEMO_MODE=1.")
        User = get_user_model()
        screener, manager = User.objects.get(username="screener"), User.objects.get(username="manager")
        made = 0
        with transaction.atomic():
            if not Contact.objects.filter(referrer_organisation=MARK).exists():
                made = self._referrals(screener, manager)
            self._facts(manager)
        # The demo's records were written with times moved into the past (no audit rows say so at those times):
        # the dashboard's summaries are rebuilt whole, as after any bulk load.
        summaries.refresh_all()
        self.stdout.write(self.style.SUCCESS(f"Returns demo ready: {made} new referrals."))

    def _facts(self, manager):
        """Every demo child's facts, where not recorded yet: a UPN for a child of school age, else why not."""
        children = (ContactSubject.objects.filter(role__in=CHILD_ROLES, person__merged_into__isnull=True,
                                                  person__sex="")
                    .select_related("person").order_by("person_id").distinct())
        seen = set()
        for i, subject in enumerate(children):
            person = subject.person
            if person.pk in seen:
                continue
            seen.add(person.pk)
            sex, ethnicity, disabilities = FACTS[i % len(FACTS)]
            born = person.date_of_birth
            school_age = born is not None and (timezone.localdate() - born).days > 5 * 365
            contact_services.person_census_facts_record(
                actor=manager, person=person, sex=sex, ethnicity=ethnicity,
                disabilities=disabilities if born else [], upn=demo_upn(person.pk) if school_age else "",
                upn_unknown="" if school_age else "UN6")

    def _referrals(self, screener, manager) -> int:
        year = census_years()[0]
        start = date(year - 1, 4, 1)
        level = LevelOfNeed.objects.get(document__active=True, number=3)
        team = Team.objects.filter(receives_outcomes=True, agency__kind="social_care").order_by("name").first()
        made = 0
        for days, source, route, nfa, first, last, age in CASES:
            day = start + timedelta(days=days)
            if day >= timezone.localdate():
                continue
            received = timezone.make_aware(datetime(day.year, day.month, day.day, 10))
            contact = contact_services.contact_create(
                actor=screener, received_at=received, channel="phone", referrer_name="Demo referrer",
                referrer_organisation=MARK, referral_source=source, consent_answer="given",
                concern=f"A demo referral for {first} {last}, for the national returns.",
                children=[SubjectInput(first_name=first, last_name=last,
                                       date_of_birth=day - timedelta(days=365 * age + 40))])
            contact_services.screening_submit(
                actor=screener, contact=contact, worries="Worries.", working_well="Strengths.",
                needs_to_happen="An assessment.", history_checked=True, level=level,
                criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]),
                proposed_brag=level.usual_rating or "amber", rationale="Meets the threshold.",
                recommendation="route")
            contact_services.rating_decide(actor=manager, contact=contact, brag=level.usual_rating or "amber")
            contact_services.outcome_decide(actor=manager, contact=contact, kind=route, rationale="Statutory.",
                                            summary="For assessment.", receiving_team=team)
            decided = received + timedelta(hours=6)
            Outcome.objects.filter(contact=contact).update(decided_at=decided)
            Contact.objects.filter(pk=contact.pk).update(closed_at=decided)
            Referral.objects.filter(contact=contact).update(referral_date=day)
            if nfa:
                referral_nfa_record(actor=manager, referral=Referral.objects.get(contact=contact))
            made += 1
        return made
