"""Every URL the resolver knows, every persona: the access decision for each is written down here, and a URL
with no decision fails the suite.

The matrix is keyed by the URL's route (as `contacts/<str:reference>/screen/`), discovered from Django's
resolver (the Django admin aside: tests/test_access.py covers it). For each, the methods it answers (others get
405) and what each of the seven personas gets: anonymous, outsider (signed in, no role), screener, manager, a
partner from each of two agencies, and the administrator.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from contacts import services
from contacts.models import LevelOfNeed, ThresholdCriterion
from contacts.tests.factories import make_contact
from mash import deadlines
from mash.models import Escalation
from mash.tests.helpers import clocked_contact

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "outsider", "screener", "manager", "police", "health", "admin")

# What a persona gets: OK (the page, a redirect after a write, or the form again with its errors), or a refusal.
OK = "ok"  # 200, 302 or 400: the view ran for this person
SIGN_IN = "sign-in"  # 302 to the sign-in page
DENIED = 403  # may see the page's world, not do this
HIDDEN = 404  # must not learn the record exists


def expect(default, **persona):
    unknown = set(persona) - set(PERSONAS)
    assert not unknown, unknown
    return {p: persona.get(p, default) for p in PERSONAS}


def mash_only(**extra):
    """Screening social workers and managers: everyone else is refused (403) or sent to sign in."""
    return expect(DENIED, **{"anonymous": SIGN_IN, "screener": OK, "manager": OK, **extra})


def mash_record(**extra):
    """A page about one record of the MASH: outside the MASH, nobody may learn it exists (404)."""
    return expect(HIDDEN, **{"anonymous": SIGN_IN, "screener": OK, "manager": OK, **extra})


EVERYONE_SIGNED_IN = expect(OK, anonymous=SIGN_IN)
# Someone already signed in is sent home from the sign-in page, whatever the method: check its methods signed out.
METHODS_CHECKED_SIGNED_OUT = {"sign-in/"}

# route -> (methods it answers, who gets what, the path's arguments)
MATRIX = {
    "": ({"GET"}, EVERYONE_SIGNED_IN, {}),
    "no-role/": ({"GET"}, expect(DENIED, anonymous=SIGN_IN), {}),  # the page itself says "no role" with a 403
    "healthz": ({"GET"}, expect(OK), {}),
    "sign-in/": ({"GET", "POST", "PUT"}, expect(OK), {}),  # Django's LoginView takes PUT as POST
    "sign-out/": ({"POST"}, expect(SIGN_IN), {}),  # signed out, and sent to sign in again
    "at-risk/": ({"GET"}, mash_only(), {}),
    "at-risk/<int:pk>/": ({"GET"}, mash_record(screener=DENIED), {"pk": "escalation"}),
    "at-risk/<int:pk>/acknowledge/": ({"POST"}, mash_record(screener=DENIED), {"pk": "escalation"}),
    "notifications/": ({"GET"}, EVERYONE_SIGNED_IN, {}),
    "notifications/read/": ({"POST"}, EVERYONE_SIGNED_IN, {}),
    "audit/": ({"GET"}, expect(DENIED, anonymous=SIGN_IN, admin=OK), {}),
    "health/sweep/": ({"GET"}, expect(DENIED, anonymous=SIGN_IN, manager=OK, admin=OK), {}),
    "contacts/": ({"GET"}, mash_only(), {}),
    "contacts/returned/": ({"GET"}, mash_only(), {}),
    "contacts/manage/": ({"GET"}, mash_only(screener=DENIED), {}),
    "contacts/new/": ({"GET", "POST"}, mash_only(), {}),
    "contacts/import/": ({"GET", "POST"}, mash_only(screener=DENIED), {}),
    "contacts/people/<int:pk>/": ({"GET"}, mash_record(), {"pk": "person"}),
    "contacts/people/<int:pk>/merge/": ({"POST"}, mash_record(screener=DENIED), {"pk": "person"}),
    "contacts/people/<int:pk>/returns/": ({"GET", "POST"}, mash_record(), {"pk": "person"}),
    "reports/": ({"GET"}, mash_only(screener=DENIED), {}),
    # The returns are made in the background: starting one (POST), its progress page and its download are a
    # manager's; a manager sees only the exports they asked for (another's: 404, reports/tests/test_exports.py).
    "reports/annex-a/": ({"POST"}, mash_only(screener=DENIED), {}),
    "reports/cin-census/": ({"POST"}, mash_only(screener=DENIED), {}),
    "reports/exports/<int:pk>/": ({"GET"}, mash_only(screener=DENIED), {"pk": "export"}),
    "reports/exports/<int:pk>/download/": ({"POST"}, mash_only(screener=DENIED), {"pk": "export"}),
    # Managers see every contact's figures, a partner their own agency's.
    "reports/performance/": ({"GET"}, mash_only(screener=DENIED, police=OK, health=OK), {}),
    "reports/performance/<slug:key>.csv": ({"GET"}, mash_only(screener=DENIED, police=OK, health=OK),
                                           {"key": "performance_table"}),
    "reports/referrals/<int:pk>/nfa/": ({"POST"}, mash_record(screener=DENIED), {"pk": "referral"}),
    "contacts/people/<int:pk>/looked-at/": ({"GET"}, mash_record(screener=DENIED), {"pk": "person"}),
    "contacts/<str:reference>/restrict/": ({"GET", "POST"}, mash_record(screener=DENIED), {"reference": "reference"}),
    "contacts/people/<int:pk>/restrict/": ({"GET", "POST"}, mash_record(screener=DENIED), {"pk": "person"}),
    "contacts/break-glass/": ({"GET", "POST"}, mash_only(screener=DENIED), {}),
    "contacts/<str:reference>/": ({"GET"}, mash_record(), {"reference": "reference"}),
    "contacts/<str:reference>/screen/": ({"GET", "POST"}, mash_record(), {"reference": "reference"}),
    "contacts/<str:reference>/decide/": ({"GET", "POST"}, mash_record(screener=DENIED), {"reference": "reference"}),
    "contacts/<str:reference>/return/": ({"POST"}, mash_record(screener=DENIED), {"reference": "reference"}),
    "contacts/<str:reference>/revise/": ({"GET", "POST"}, mash_record(), {"reference": "reference"}),
    "contacts/<str:reference>/revise/withdraw/": ({"POST"}, mash_record(screener=DENIED), {"reference": "reference"}),
    "contacts/<str:reference>/outcome/": ({"GET", "POST"}, mash_record(screener=DENIED), {"reference": "reference"}),
    "contacts/<str:reference>/pass-to-allocated-worker/": ({"POST"}, mash_record(), {"reference": "reference"}),
    # A manager is sent on to the enquiry board (where a digest of request escalations leads).
    "partner/": ({"GET"}, expect(DENIED, anonymous=SIGN_IN, police=OK, health=OK, manager=OK), {}),
    # Issue 11 (decisions): drafts of the long forms, staying signed in.
    "session/keep-alive/": ({"POST"}, EVERYONE_SIGNED_IN, {}),
    "contacts/drafts/<slug:form>/save/": ({"POST"}, mash_only(), {"form": "new_contact_form"}),
    "contacts/drafts/<slug:form>/discard/": ({"POST"}, mash_only(), {"form": "new_contact_form"}),
    "contacts/drafts/<slug:form>/save/<str:reference>/": (
        {"POST"}, mash_record(), {"form": "screening_form", "reference": "reference"}),
    "contacts/drafts/<slug:form>/discard/<str:reference>/": (
        {"POST"}, mash_record(), {"form": "screening_form", "reference": "reference"}),
    "contacts/people/<int:pk>/chronology/": ({"GET"}, mash_record(), {"pk": "person"}),
    "contacts/people/<int:pk>/chronology/print/": ({"GET"}, mash_record(), {"pk": "person"}),
    # Issue 11 (daily work): find a child; owning work.
    "contacts/search/": ({"GET"}, mash_only(), {}),
    "contacts/mine/": ({"GET"}, mash_only(), {}),
    "contacts/<str:reference>/take/": ({"POST"}, mash_record(), {"reference": "reference"}),
    "contacts/<str:reference>/assign/": ({"GET", "POST"}, mash_record(screener=DENIED), {"reference": "reference"}),
    "contacts/<str:reference>/take-over/": ({"GET", "POST"}, mash_record(), {"reference": "reference"}),
    # Issue 13: the second factor. The code step and enrolment send someone already verified home (302: OK here);
    # the recovery codes page sends everyone home once shown. Resets: managers (own agency) and administrators.
    "two-factor/": ({"GET", "POST"}, expect(OK, anonymous=SIGN_IN), {}),
    "two-factor/set-up/": ({"GET", "POST"}, expect(OK, anonymous=SIGN_IN), {}),
    "two-factor/recovery-codes/": ({"GET"}, expect(OK, anonymous=SIGN_IN), {}),
    "two-factor/people/": ({"GET"}, expect(DENIED, anonymous=SIGN_IN, manager=OK, admin=OK), {}),
    # Passkeys and security keys (django-otp-webauthn's JSON views): anyone signed in, for their own; posted empty,
    # a ceremony with nothing begun is refused (400).
    "two-factor/passkeys/": ({"GET"}, EVERYONE_SIGNED_IN, {}),
    "two-factor/passkeys/api/registration/begin/": ({"POST"}, EVERYONE_SIGNED_IN, {}),
    "two-factor/passkeys/api/registration/complete/": ({"POST"}, EVERYONE_SIGNED_IN, {}),
    "two-factor/passkeys/api/authentication/begin/": ({"POST"}, EVERYONE_SIGNED_IN, {}),
    "two-factor/passkeys/api/authentication/complete/": ({"POST"}, EVERYONE_SIGNED_IN, {}),
    "two-factor/passkeys/api/jsi18n/": ({"GET"}, EVERYONE_SIGNED_IN, {}),
    "two-factor/people/<int:pk>/reset/": ({"POST"}, expect(DENIED, anonymous=SIGN_IN, manager=OK, admin=OK),
                                          {"pk": "mfa_user"}),
}

# --- consent (issue 9): MASH staff only; partners and everyone else never learn a record exists (404). Deciding to
# share without consent, clearing a lost-basis flag and the subject access export are a manager's (a screener: 403).
MATRIX.update({
    "consent/contact/<str:reference>/record/": ({"GET", "POST"}, mash_record(), {"reference": "reference"}),
    "consent/contact/<str:reference>/propose/": ({"GET", "POST"}, mash_record(), {"reference": "reference"}),
    "consent/contact/<str:reference>/decision-aid/": ({"GET"}, mash_record(), {"reference": "reference"}),
    "consent/contact/<str:reference>/anonymous-referrer/": ({"GET", "POST"}, mash_record(),
                                                            {"reference": "reference"}),
    "consent/records/<int:pk>/withdraw/": ({"GET", "POST"}, mash_record(), {"pk": "consent_record"}),
    "consent/decisions/<int:pk>/": ({"GET", "POST"}, mash_record(screener=DENIED), {"pk": "sharing_decision"}),
    "consent/flags/<int:pk>/clear/": ({"POST"}, mash_record(screener=DENIED), {"pk": "basis_flag"}),
    "consent/people/<int:pk>/": ({"GET"}, mash_record(), {"pk": "person"}),
    "consent/people/<int:pk>/export/": ({"GET"}, mash_record(screener=DENIED), {"pk": "person"}),
    "consent/people/<int:pk>/export.json": ({"GET"}, mash_record(screener=DENIED), {"pk": "person"}),
})



def partner_only(**extra):
    """A page of the partner portal about one request: its agency's partners only; everyone else, another agency's
    partner included, never learns it exists (404)."""
    return expect(HIDDEN, **{"anonymous": SIGN_IN, "police": OK, **extra})


# --- enquiries (issue 10): the partner portal answers only the agency asked (404 for anyone else); the MASH side is
# the MASH's (partners get 404 for its records), acting on it a manager's (a screener: 403).
MATRIX.update({
    # MASH staff following a request's link (an escalation) are sent on to their own view of it.
    "partner/requests/<int:pk>/": ({"GET"}, partner_only(screener=OK, manager=OK), {"pk": "request"}),
    "partner/requests/<int:pk>/claim/": ({"POST"}, partner_only(), {"pk": "request"}),
    "partner/requests/<int:pk>/give/": ({"GET", "POST"}, partner_only(), {"pk": "request"}),
    "partner/requests/<int:pk>/return/": ({"GET", "POST"}, partner_only(), {"pk": "request"}),
    "partner/requests/<int:pk>/nil-return/": ({"POST"}, partner_only(), {"pk": "request"}),
    "partner/requests/<int:pk>/decline/": ({"GET", "POST"}, partner_only(), {"pk": "request"}),
    "enquiries/": ({"GET"}, mash_only(screener=DENIED), {}),
    "enquiries/contact/<str:reference>/open/": ({"GET", "POST"}, mash_record(screener=DENIED),
                                                {"reference": "reference"}),
    "enquiries/<int:pk>/ask/": ({"GET", "POST"}, mash_record(screener=DENIED), {"pk": "enquiry"}),
    "enquiries/<int:pk>/close/": ({"GET", "POST"}, mash_record(screener=DENIED), {"pk": "enquiry"}),
    "enquiries/requests/<int:pk>/": ({"GET"}, mash_record(), {"pk": "request"}),
    "enquiries/requests/<int:pk>/withdraw/": ({"GET", "POST"}, mash_record(screener=DENIED), {"pk": "request"}),
    "enquiries/requests/<int:pk>/chase/": ({"POST"}, mash_record(screener=DENIED), {"pk": "request"}),
    "enquiries/requests/<int:pk>/shorten/": ({"GET", "POST"}, mash_record(screener=DENIED), {"pk": "request"}),
    "enquiries/returns/<int:pk>/sensitive/": ({"GET"}, mash_record(screener=DENIED), {"pk": "return"}),
})

# --- retention (issue 13): a MASH manager's pages; a screener, partner or administrator is refused (403). A review
# or a hold is a manager's record: everyone else is refused before learning anything of it.
MATRIX.update({
    "retention/": ({"GET"}, mash_only(screener=DENIED), {}),
    "retention/reviews/<int:pk>/": ({"GET"}, mash_only(screener=DENIED), {"pk": "review"}),
    "retention/reviews/<int:pk>/approve/": ({"POST"}, mash_only(screener=DENIED), {"pk": "review"}),
    "retention/reviews/<int:pk>/keep/": ({"POST"}, mash_only(screener=DENIED), {"pk": "review"}),
    "retention/reviews/<int:pk>/destroy/": ({"POST"}, mash_only(screener=DENIED), {"pk": "review"}),
    "retention/holds/": ({"GET", "POST"}, mash_only(screener=DENIED), {}),
    "retention/holds/<int:pk>/lift/": ({"POST"}, mash_only(screener=DENIED), {"pk": "hold"}),
    "retention/holds/person/<int:pk>/": ({"POST"}, mash_record(screener=DENIED), {"pk": "person"}),
})


# --- which pages show a child (issue 13): each of these writes an audit row for the persona named, who may see it.
# Pages that show a contact's reference and nothing of the child (assigning, taking over, restricting, revising a
# rating, the at-risk board and escalations, which name contacts by reference) are not marked; neither are forms
# that show nothing recorded yet. `args` overrides the matrix's arguments (a contact in the state the page needs),
# `query` is the address's query string, filled from the world (a search for the world's contact).
@dataclass(frozen=True)
class ShowsChild:
    persona: str
    args: dict = field(default_factory=dict)
    query: str = ""


SHOWS_CHILD = {
    "contacts/": ShowsChild("screener"),
    "contacts/returned/": ShowsChild("screener"),
    "contacts/manage/": ShowsChild("manager"),
    "contacts/mine/": ShowsChild("screener"),
    "contacts/search/": ShowsChild("screener", query="q={reference}"),
    "contacts/<str:reference>/": ShowsChild("screener"),
    "contacts/<str:reference>/screen/": ShowsChild("screener", {"reference": "fresh_reference"}),
    "contacts/<str:reference>/decide/": ShowsChild("manager"),
    "contacts/<str:reference>/outcome/": ShowsChild("manager", {"reference": "rated_reference"}),
    "contacts/people/<int:pk>/": ShowsChild("screener"),
    "contacts/people/<int:pk>/returns/": ShowsChild("screener"),
    "contacts/people/<int:pk>/chronology/": ShowsChild("screener"),
    "contacts/people/<int:pk>/chronology/print/": ShowsChild("screener"),
    "contacts/people/<int:pk>/looked-at/": ShowsChild("manager"),
    "contacts/people/<int:pk>/restrict/": ShowsChild("manager"),
    "consent/contact/<str:reference>/record/": ShowsChild("screener"),
    "consent/contact/<str:reference>/propose/": ShowsChild("screener"),
    "consent/contact/<str:reference>/decision-aid/": ShowsChild("screener"),
    "consent/decisions/<int:pk>/": ShowsChild("manager"),
    "consent/records/<int:pk>/withdraw/": ShowsChild("screener"),
    "consent/people/<int:pk>/": ShowsChild("screener"),
    "consent/people/<int:pk>/export/": ShowsChild("manager"),
    "consent/people/<int:pk>/export.json": ShowsChild("manager"),
    "enquiries/contact/<str:reference>/open/": ShowsChild("manager", {"reference": "rated_reference"}),
    "enquiries/<int:pk>/ask/": ShowsChild("manager"),
    "enquiries/requests/<int:pk>/": ShowsChild("screener"),
    "enquiries/returns/<int:pk>/sensitive/": ShowsChild("manager"),
    "partner/requests/<int:pk>/": ShowsChild("police"),
}


def routes(resolver=None, prefix=""):
    """Every route the resolver knows, but the Django admin's."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def propose(contact, actor):
    lvl = LevelOfNeed.objects.get(document__active=True, number=3)
    services.screening_submit(
        actor=actor, contact=contact, worries="w", working_well="ww", needs_to_happen="n", history_checked=True,
        level=lvl, criteria=list(ThresholdCriterion.objects.filter(level=lvl)[:1]), proposed_brag="amber",
        rationale="r", recommendation="route",
    )


@pytest.fixture
def world(personas):
    return build_world(personas)


def build_world(personas) -> dict:
    """One record of every kind a route's path names, keyed as the matrix's arguments name them."""
    contact = make_contact(personas.screener)
    propose(contact, personas.screener)
    breached = clocked_contact(personas.screener, started_at=timezone.now() - timedelta(hours=5))
    deadlines.sweep()
    return {
        "reference": contact.reference,
        "person": contact.subjects.get().person.pk,
        "escalation": Escalation.objects.get(target_id=breached.pk, kind="breach").pk,
        "new_contact_form": "contact",
        "screening_form": "screening",
        "performance_table": "sources",
        "referral": referral_world(personas),
        "export": export_world(personas),
        "mfa_user": personas.screener.pk,
        **consent_world(personas, contact),
        **enquiry_world(personas),
        **retention_world(personas),
    }


def retention_world(personas) -> dict:
    """A closed contact listed for a retention review, and a legal hold on another."""
    from retention import services as retention_services
    from retention.models import DestructionReview, RetentionRule

    closed = referral_world_contact(personas)
    rule = RetentionRule.objects.get(outcome="nfa")
    review = DestructionReview.objects.create(contact=closed, rule=rule, due_on=timezone.localdate())
    hold = retention_services.hold_place(actor=personas.manager, contact=make_contact(personas.screener),
                                         reason="A claim.")
    return {"review": review.pk, "hold": hold.pk}


def referral_world_contact(personas):
    from reports.tests.helpers import contact_to_outcome

    return contact_to_outcome(personas, kind="nfa")


def referral_world(personas) -> int:
    """A contact sent to a section 17 assessment: it became a referral (reports)."""
    from agencies.models import Team
    from reports.tests.helpers import contact_to_outcome

    team, _ = Team.objects.get_or_create(agency=personas.social_care, name="Assessment team",
                                         defaults={"receives_outcomes": True})
    return contact_to_outcome(personas, kind="s17_assessment", team=team).referrals.get().pk


def export_world(personas) -> int:
    """An Annex A export the manager asked for (still waiting for a worker)."""
    from reports.models import ExportJob

    return ExportJob.objects.create(kind="annex_a", requested_by=personas.manager, request_key="matrix",
                                    parameters={"start": "2026-01-01", "end": "2026-01-31"}).pk


def enquiry_world(personas) -> dict:
    """An enquiry to police, health and education on an Amber contact; health has returned, with a sensitive
    section; police's request is open."""
    from enquiries import services as enquiry_services
    from enquiries.tests.helpers import open_enquiry, request_for, world

    w = world(personas)
    enquiry = open_enquiry(personas, w)
    health = request_for(enquiry, w.health)
    returned = enquiry_services.return_save(
        actor=personas.health_partner, request=health, headings=["GP registration"],
        sections={"GP registration": "Registered."}, brag="amber", brag_rationale="Missed appointments.",
        sensitive="Mother's mental health history.", submit=True)
    return {"request": request_for(enquiry, w.police).pk, "enquiry": enquiry.pk, "return": returned.pk}


def consent_world(personas, contact) -> dict:
    """Consent records (one given, one withdrawn, which flags the health agency it covered) and a proposal."""
    from consent import services as consent_services
    from consent.models import SharingReason

    child = contact.subjects.get().person
    inputs = {"state": "given", "given_by": child.pk, "capacity": "gillick", "children": [child.pk],
              "competence_note": "Understands who will be asked and why.", "purpose": "Checks.", "method": "phone",
              "explained": ["who", "what_for", "how_long", "may_refuse"], "understood": "yes", "obtained_by": "Sam",
              "obtained_at": timezone.now() - timedelta(minutes=30)}
    given = consent_services.consent_record(actor=personas.screener, contact=contact, agency_kinds=["police"],
                                            info_kinds=["involvement"], **inputs)
    health = consent_services.consent_record(actor=personas.screener, contact=contact, agency_kinds=["health"],
                                             info_kinds=["health"], **inputs)
    consent_services.consent_withdraw(actor=personas.screener, record=health, withdrawn_at=timezone.now(),
                                      method="phone")
    decision = consent_services.sharing_propose(
        actor=personas.screener, contact=contact, children=[child.pk], agencies=[personas.health.pk],
        threshold="s47", reason=SharingReason.objects.get(code="risk_of_harm").pk, narrative="n", purpose="p",
        family_told="not_told", family_not_told_reason="Unsafe.")
    return {"consent_record": given.pk, "sharing_decision": decision.pk, "basis_flag": health.flags.get().pk}


def test_every_url_has_an_access_decision():
    known = set(routes())
    assert known - set(MATRIX) == set(), "URLs with no entry in the permission matrix: decide who may use them"
    assert set(MATRIX) - known == set(), "entries for URLs that no longer exist"


def _path(route: str, args: dict, world: dict) -> str:
    path = route
    for converter in ("<int:pk>", "<str:reference>", "<slug:form>", "<slug:key>"):
        name = converter.strip("<>").split(":")[1]
        if converter in path:
            path = path.replace(converter, str(world[args[name]]))
    return "/" + path


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: "/" + r)
def test_permission_matrix(personas, world, client, route):
    methods, decisions, args = MATRIX[route]
    path = _path(route, args, world)
    cast = {"anonymous": None, "outsider": personas.outsider, "screener": personas.screener2,
            "manager": personas.manager, "police": personas.police_partner, "health": personas.health_partner,
            "admin": personas.admin}
    for name, user in cast.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for method in sorted(methods):
            response = getattr(client, method.lower())(path)
            status, wanted = response.status_code, decisions[name]
            said = f"{name} {method} {path} -> {status}"
            if wanted == OK:
                assert status in (200, 302, 400), said
                if status == 302:
                    assert not response["Location"].startswith("/sign-in/"), said
            elif wanted == SIGN_IN:
                assert status == 302 and response["Location"].startswith("/sign-in/"), said
            else:
                assert status == wanted, f"{said}, wanted {wanted}"
        if (user is None) != (route in METHODS_CHECKED_SIGNED_OUT):
            continue  # anonymous is sent to sign in before a method is checked (but on the sign-in page)
        for wrong in {"GET", "POST", "PUT", "DELETE"} - methods:
            if user is not None:
                client.force_login(user)  # again: the sign-out above signed them out
            assert getattr(client, wrong.lower())(path).status_code == 405, f"{name} {wrong} {path}"


def count_queries(client, path):
    client.get(path)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_manager_queue_query_count_does_not_grow(personas, client_for, settings):
    client = client_for(personas.manager)
    contact = make_contact(personas.screener, children=1)
    propose(contact, personas.screener)
    few = count_queries(client, "/contacts/manage/")
    for _ in range(15):
        c = make_contact(personas.screener, children=3)
        propose(c, personas.screener)
    # the versions of who is asking and of what the queue is drawn from (the user, their second-factor device,
    # permissions, roles, agency and unread count then come from the cache: mash.principal; the queue's version is
    # its ETag: mash.polling), count, page of contacts, subjects+people, their pending ratings, the audit rows of
    # the contacts shown (one INSERT), screeners for the filter; and the session, unless it is read from the cache
    # (with Redis: mash.sessions). The session is saved at most once a minute: not by these.
    assert count_queries(client, "/contacts/manage/") == few == (7 if settings.SESSION_ENGINE == "mash.sessions" else 8)


def test_contact_page_query_count_does_not_grow_with_history(personas, client_for):
    client = client_for(personas.manager)
    contact = make_contact(personas.screener, children=2)
    path = contact.get_absolute_url()
    few = count_queries(client, path)
    child = contact.subjects.first().person
    for _ in range(10):  # more history for the same child
        services.contact_create(
            actor=personas.screener, received_at=contact.received_at, channel="phone", referrer_name="R",
            referral_source="2A", concern="More.", consent_answer="given",
            children=[services.SubjectInput(first_name="x", last_name="y", person_id=child.pk)],
        )
    assert count_queries(client, path) == few


def test_pages_that_show_a_child_are_marked_for_people_who_may_see_them():
    assert set(SHOWS_CHILD) - set(MATRIX) == set(), "pages marked as showing a child that are not in the matrix"
    for route, look in SHOWS_CHILD.items():
        methods, decisions, _ = MATRIX[route]
        assert "GET" in methods and decisions[look.persona] == OK, route


@pytest.fixture
def child_world(personas, world):
    """The matrix's world, and contacts in the states some pages need: one awaiting screening by its screener,
    one returned to them, one rated and awaiting its outcome."""
    from reports.tests.helpers import contact_awaiting_outcome

    fresh = make_contact(personas.screener)
    services.contact_assign(actor=personas.manager, contact=fresh, screener=personas.screener)
    returned = make_contact(personas.screener)
    propose(returned, personas.screener)
    services.rating_return(actor=personas.manager, contact=returned, comments="Check the school's account.")
    return {**world, "fresh_reference": fresh.reference,
            "rated_reference": contact_awaiting_outcome(personas).reference}


@pytest.mark.parametrize("route", sorted(SHOWS_CHILD), ids=lambda r: "/" + r)
def test_every_page_that_shows_a_child_is_audited(personas, child_world, client, route):
    """"Every view in the permission matrix that shows a child writes an audit row": the page drawn for someone
    allowed it leaves at least one row naming them as the actor."""
    from mash.models import AuditEvent

    look = SHOWS_CHILD[route]
    _, _, args = MATRIX[route]
    user = {"screener": personas.screener, "manager": personas.manager,
            "police": personas.police_partner}[look.persona]
    client.force_login(user)
    path = _path(route, {**args, **look.args}, child_world)
    if look.query:
        path += "?" + look.query.format(**child_world)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(path)
    assert response.status_code == 200, f"{path} -> {response.status_code}"
    written = AuditEvent.objects.filter(pk__gt=before, actor=user).values_list("action", flat=True)
    assert list(written), f"{look.persona} GET {path} showed a child and wrote no audit row"
