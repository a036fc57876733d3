"""Demo data: an agency of each kind, a user per role, a handful of realistic contacts.

Idempotent: running it again changes nothing that is already there. Refuses to run unless DEBUG
or DEMO_MODE is on, so demo logins never reach a live system.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from agencies.models import Agency, AgencyKind, Team
from contacts.codes import Channel, ReferralSource
from contacts.models import Contact
from contacts.services import SubjectInput, contact_create
from mash.access import Role

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (documented in the README; demo mode only)

AGENCIES = [
    ("Anytown Children's Social Care", AgencyKind.SOCIAL_CARE),
    ("Midshire Police", AgencyKind.POLICE),
    ("Anytown NHS Foundation Trust", AgencyKind.HEALTH),
    ("Anytown Schools and Education", AgencyKind.EDUCATION),
    ("Probation Service (Anytown)", AgencyKind.PROBATION),
    ("Anytown Homes", AgencyKind.HOUSING),
    ("Anytown Early Help", AgencyKind.EARLY_HELP),
]

USERS = [
    # username, first, last, agency, role, job title
    ("screener", "Sam", "Okafor", AgencyKind.SOCIAL_CARE, Role.SCREENER, "Social worker, MASH screening"),
    ("screener2", "Priya", "Shah", AgencyKind.SOCIAL_CARE, Role.SCREENER, "Social worker, MASH screening"),
    ("manager", "Morgan", "Reid", AgencyKind.SOCIAL_CARE, Role.MANAGER, "MASH team manager"),
    ("police", "Chris", "Walsh", AgencyKind.POLICE, Role.PARTNER, "Detective constable, MASH police"),
    ("health", "Helen", "Price", AgencyKind.HEALTH, Role.PARTNER, "Named nurse for safeguarding"),
    ("school", "Tom", "Evans", AgencyKind.EDUCATION, Role.PARTNER, "Education safeguarding officer"),
    ("admin", "Alex", "Green", AgencyKind.SOCIAL_CARE, Role.ADMIN, "MASH systems administrator"),
]

CONCERNS = [
    "School reports {child} arrived hungry for the third day this week and said there was no food at home.",
    "Police attended a domestic incident at the home overnight; {child} was present and hiding upstairs.",
    "Health visitor concerned about the home conditions and mother's low mood after the birth of {child}.",
    "Neighbour reports hearing shouting and a child crying late at night, most nights this month.",
    "{child} disclosed to a teacher that an older boy has been giving them money to carry packages.",
    "A&E: {child} brought in with a fracture; the explanation given does not fit the injury.",
]


class Command(BaseCommand):
    help = "Seed demo agencies, users (one per role) and contacts. Idempotent; demo mode only."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=8, help="How many demo contacts on a first run.")

    def handle(self, *args, contacts: int, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError("seed_demo creates demo logins: it runs only with DEBUG=1 or DEMO_MODE=1.")
        with transaction.atomic():
            agencies = self._agencies()
            users = self._users(agencies)
        made = 0
        if not Contact.objects.exists():
            made = self._contacts(users["screener"], contacts)
            self._progress(users)
            self._daily_work(users)
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(agencies)} agencies, {len(users)} users, {made} new contacts. "
            f"Password for every demo user: {DEMO_PASSWORD}"
        ))

    def _agencies(self):
        agencies = {}
        for name, kind in AGENCIES:
            agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": kind, "isa_signatory": True})
            agencies[kind] = agency
        social_care = agencies[AgencyKind.SOCIAL_CARE]
        for team in ["MASH", "Assessment team", "Child protection team"]:
            Team.objects.get_or_create(agency=social_care, name=team, defaults={"receives_outcomes": team != "MASH"})
        Team.objects.get_or_create(agency=agencies[AgencyKind.EARLY_HELP], name="Early help hub",
                                   defaults={"receives_outcomes": True})
        return agencies

    def _users(self, agencies):
        User = get_user_model()
        users = {}
        for username, first, last, kind, role, title in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username, first_name=first, last_name=last, agency=agencies[kind],
                    job_title=title, email=f"{username}@demo.anytown.gov.uk",
                    is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role.value))
            users[username] = user
        return users

    def _progress(self, users):
        """Move a few demo contacts along, so every queue has something in it."""
        from contacts import services
        from contacts.models import LevelOfNeed, ThresholdCriterion

        open_contacts = list(Contact.objects.order_by("id"))
        if len(open_contacts) < 4:
            return
        amber = LevelOfNeed.objects.get(document__active=True, number=3)
        for contact, brag in ((open_contacts[0], "amber"), (open_contacts[1], "red")):
            services.screening_submit(
                actor=users["screener"], contact=contact,
                worries="The child's account of the injury is consistent and worrying.",
                working_well="The school knows the family well; an aunt visits daily.",
                needs_to_happen="Check with health and police today; speak to the child at school.",
                history_checked=True, level=amber, criteria=list(ThresholdCriterion.objects.filter(level=amber)[:2]),
                proposed_brag=brag, rationale="Several factors together point to a child in need.",
                recommendation="route",
            )
        services.rating_decide(actor=users["manager"], contact=open_contacts[0], brag="amber")
        # A child already known to a social worker, to show "pass to allocated worker".
        child = open_contacts[2].subjects.first().person
        child.allocated_worker = users["screener2"]
        child.save()

    def _daily_work(self, users):
        """Issue 11: someone owns some of the work (the queues show who), and one contact is an immediate risk."""
        from contacts import services

        waiting = list(Contact.objects.filter(state="awaiting_screening", assigned_screener__isnull=True)
                       .order_by("id"))
        if len(waiting) < 3:
            return
        services.contact_assign(actor=users["screener2"], contact=waiting[0], screener=users["screener2"])
        services.contact_assign(actor=users["manager"], contact=waiting[1], screener=users["screener"])
        # Marked at intake in real use (the form's checkbox); here on a demo contact already recorded.
        Contact.objects.filter(pk=waiting[2].pk).update(immediate_risk=True)

    def _contacts(self, screener, count: int) -> int:
        fake = Faker("en_GB")
        Faker.seed(2026)
        rng = random.Random(2026)
        now = timezone.now()
        sources = [ReferralSource.SCHOOLS, ReferralSource.POLICE, ReferralSource.HEALTH_VISITOR,
                   ReferralSource.INDIVIDUAL_ACQUAINTANCE, ReferralSource.HEALTH_AE, ReferralSource.ANONYMOUS]
        for i in range(count):
            surname = fake.last_name()
            address = fake.street_address().replace("\n", ", ")
            postcode = fake.postcode()
            kids = []
            for _ in range(rng.choice([1, 1, 2, 3])):
                dob = fake.date_between(start_date="-16y", end_date="-3m")
                kids.append(SubjectInput(first_name=fake.first_name(), last_name=surname, date_of_birth=dob,
                                       address=address, postcode=postcode))
            source = sources[i % len(sources)]
            contact_create(
                consent_answer="not_asked",
                consent_detail="Not asked yet: the referrer was unsure it was safe to tell the parents.",
                referrer_email="" if source in {ReferralSource.ANONYMOUS} else f"referrer{i}@example.org",
                actor=screener,
                received_at=now - timedelta(hours=rng.randint(1, 40), minutes=rng.randint(0, 59)),
                channel=Channel.POLICE_NOTIFICATION if source == ReferralSource.POLICE else Channel.PHONE,
                referrer_name="Anonymous" if source == ReferralSource.ANONYMOUS else fake.name(),
                referrer_role="" if source == ReferralSource.ANONYMOUS else fake.job()[:200],
                referrer_organisation="" if source == ReferralSource.ANONYMOUS else fake.company(),
                referral_source=source,
                concern=CONCERNS[i % len(CONCERNS)].format(child=kids[0].first_name),
                children=kids,
            )
        return count
