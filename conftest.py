"""Shared test fixtures: personas (one per role, two partner agencies, an outsider) and Chromium."""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test users only)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        # In CI a missing browser is a failure, not a skip: the browser tests must run.
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class Personas:
    """The cast every permission test uses."""

    def __init__(self):
        from django.contrib.auth.models import Group

        from agencies.models import Agency, AgencyKind
        from mash.access import Role

        self.social_care = Agency.objects.create(name="Testshire Children's Social Care", kind=AgencyKind.SOCIAL_CARE)
        self.police = Agency.objects.create(name="Testshire Police", kind=AgencyKind.POLICE, isa_signatory=True)
        self.health = Agency.objects.create(name="Testshire Health", kind=AgencyKind.HEALTH, isa_signatory=True)
        groups = {role: Group.objects.get(name=role.value) for role in Role}
        self.screener = self._user("screener", self.social_care, groups[Role.SCREENER], "Sam", "Screener")
        self.screener2 = self._user("screener2", self.social_care, groups[Role.SCREENER], "Sol", "Second")
        self.manager = self._user("manager", self.social_care, groups[Role.MANAGER], "Mo", "Manager")
        self.police_partner = self._user("police", self.police, groups[Role.PARTNER], "Pat", "Police")
        self.health_partner = self._user("health", self.health, groups[Role.PARTNER], "Hal", "Health")
        self.admin = self._user("admin", self.social_care, groups[Role.ADMIN], "Ada", "Admin", is_staff=True)
        # Signed in, but with no role at all.
        self.outsider = self._user("outsider", self.health, None, "Oz", "Outsider")

    @staticmethod
    def _user(username, agency, group, first, last, **extra):
        from agencies.models import User

        user = User.objects.create_user(
            username=username, password=PASSWORD, agency=agency, first_name=first, last_name=last,
            email=f"{username}@example.gov.uk", **extra,
        )
        if group is not None:
            user.groups.add(group)
        return user


@pytest.fixture
def personas(db):
    return Personas()


@pytest.fixture
def client_for(client):
    """client_for(user): the test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _verified_sessions(request):
    """Every sign-in in a test gives its second factor too (tests/verified_sessions.py), but in tests marked
    `real_mfa`, which meet the code step as a person does."""
    if request.node.get_closest_marker("real_mfa"):
        yield
        return
    from tests import verified_sessions

    verified_sessions.install()
    yield
    verified_sessions.uninstall()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests make many users and never attack the hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Data the migrations seed (threshold document, response windows) is flushed by transactional
    tests; put it back before every database test so tests do not depend on their order."""
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if not uses_db and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
    from contacts.defaults import threshold_document_ensure_default
    from contacts.models import LevelOfNeed, ThresholdCriterion, ThresholdDocument
    from mash import deadlines

    threshold_document_ensure_default(ThresholdDocument, LevelOfNeed, ThresholdCriterion)
    deadlines.windows_ensure_defaults()
    from django.contrib.auth.models import Group

    for name in ("duty_manager", "service_manager"):  # mash migration 0003's groups
        Group.objects.get_or_create(name=name)
    from consent.defaults import consent_lists_ensure_default

    consent_lists_ensure_default()
    from retention.defaults import retention_rules_ensure_default

    retention_rules_ensure_default()
    # Agencies a previous test made were rolled back without a signal: the consent panel's cached list goes too.
    from consent.selectors import forget_signatories

    forget_signatories()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames
