"""Demo data: an agency of each kind, a user per role, a handful of realistic contacts.

Idempotent: running it again changes nothing that is already there. Refuses to run unless DEBUG
or DEMO_MODE is on, so demo logins never reach a live system.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from agencies.models import Agency, AgencyKind, Team
from contacts.models import Contact
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


# Each demo user's authenticator key (base32, TOTP, 6 digits, 30 s), so the demo signs in with its second factor:
# add it to an authenticator app, or `oathtool --totp -b KEY`. Documented in the README; demo mode only.
DEMO_TOTP_KEYS = {
    "screener": "NVQXG2BNMRSW23ZNONRXEZLFNZSXEIJB",
    "screener2": "NVQXG2BNMRSW23ZNONRXEZLFNZSXEMRB",
    "manager": "NVQXG2BNMRSW23ZNNVQW4YLHMVZCCIJB",
    "police": "NVQXG2BNMRSW23ZNOBXWY2LDMUQSCIJB",
    "health": "NVQXG2BNMRSW23ZNNBSWC3DUNAQSCIJB",
    "school": "NVQXG2BNMRSW23ZNONRWQ33PNQQSCIJB",
    "admin": "NVQXG2BNMRSW23ZNMFSG22LOEEQSCIJB",
}


def demo_totp_device(user):
    """The user's demo authenticator, unless they already have a second factor of their own."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True,
                              key=b32decode(DEMO_TOTP_KEYS[user.username]).hex())


class Command(BaseCommand):
    help = "Seed demo agencies, users (one per role) and contacts. Idempotent; demo mode only."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=None,
                            help="How many of the demo's cases to record on a first run (default: all of them).")

    def handle(self, *args, contacts: int | None, **options):
        if not (settings.DEBUG or settings.DEMO_MODE):
            raise CommandError("seed_demo creates demo logins: it runs only with DEBUG=1 or DEMO_MODE=1.")
        with transaction.atomic():
            agencies = self._agencies()
            users = self._users(agencies)
            self._duty_desks()
        made = 0
        if not Contact.objects.exists():
            made = self._front_door(users, contacts)
            self._daily_work(users)
        if contacts:
            self._consent_demo()
        if contacts is None or contacts:
            self._enquiry_demo()
            self._returns_demo()  # last: every demo child's facts for the returns (idempotent)
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(agencies)} agencies, {len(users)} users, {made} new contacts. "
            f"Password for every demo user: {DEMO_PASSWORD}; each one's authenticator key is in the README "
            "(`oathtool --totp -b KEY` gives the code)"
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

    def _duty_desks(self):
        """Each receiving team's duty desk: the shared in-box its outcomes reach (in the service and by e-mail). Not a
        sign-in (no password, no role): without one, every outcome routed to a team reached nobody."""
        User = get_user_model()
        for team in Team.objects.filter(receives_outcomes=True).select_related("agency"):
            username = f"duty-{slugify(team.name)}"
            if not User.objects.filter(username=username).exists():
                desk = User(username=username, first_name=f"{team.name} duty desk", agency=team.agency, team=team,
                            email=f"{username}@demo.anytown.gov.uk", job_title="Duty desk (shared in-box)")
                desk.set_unusable_password()
                desk.save()

    def _users(self, agencies):
        User = get_user_model()
        users = {}
        for username, first, last, kind, role, title in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username, first_name=first, last_name=last, agency=agencies[kind],
                    job_title=title, email=f"{username}@demo.anytown.gov.uk",
                    is_staff=role == Role.ADMIN,  # an administrator is no superuser (issue 13)
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role.value))
            if user.is_superuser:  # a demo seeded before issue 13: administrators are no superusers
                type(user).objects.filter(pk=user.pk).update(is_superuser=False)
            demo_totp_device(user)
            users[username] = user
        return users

    def _consent_demo(self):
        """Families showing each consent state (consent's own command: contacts does not import consent)."""
        from django.core.management import call_command

        call_command("seed_consent_demo", stdout=self.stdout)

    def _enquiry_demo(self):
        """Enquiries with requests in every state, so each demo partner has work (enquiries' own command)."""
        from django.core.management import call_command

        call_command("seed_enquiry_demo", stdout=self.stdout)

    def _returns_demo(self):
        """Issue 12: the children's facts for the national returns, and this year's referrals (reports' own command:
        contacts does not import reports)."""
        from django.core.management import call_command

        call_command("seed_returns_demo", stdout=self.stdout)

    def _front_door(self, users, count: int) -> int:
        """A day's contacts that read like real front-door work (contacts/management/commands/_front_door_demo.py):
        the first `count` cases, each family's history first."""
        from ._front_door_demo import seed_front_door

        teams = {team.name: team for team in Team.objects.all()}
        return seed_front_door(users, teams, count)

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
