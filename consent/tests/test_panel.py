"""The consent panel on the contact page and the timeline: what they show, to whom, and what they cost."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.names import users_by_id
from consent import selectors, services
from consent.panel import contact_panel
from contacts.selectors import get_contact_for_user

from .helpers import decide_share, education, family_contact, give_consent, person, propose

pytestmark = pytest.mark.django_db


def page(client, contact):
    response = client.get(contact.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_shows_each_position_the_records_and_the_hearsay_answer(personas, client_for):
    contact = family_contact(personas.screener)
    school = education(personas)
    give_consent(personas.screener, contact)
    propose(personas.screener, contact, [personas.health])
    html = page(client_for(personas.screener), contact)
    assert 'data-testid="consent-panel"' in html
    assert f'data-testid="position-{personas.police.pk}" data-status="permitted"' in html
    assert f'data-testid="position-{school.pk}" data-status="permitted"' in html
    assert f'data-testid="position-{personas.health.pk}" data-status="blocked"' in html
    assert "No consent covering health information" in html
    # The referrer's answer is hearsay, shown as such beside the real records.
    assert "What the referrer said</strong> (their account at intake, not a consent record): Parents not asked" in html
    assert "Awaiting a manager" in html
    assert "Decide<span" not in html  # a screener cannot decide
    manager_html = page(client_for(personas.manager), contact)
    assert "Decide<span" in manager_html


def test_only_mash_staff_get_the_panel(personas):
    contact = family_contact(personas.screener)
    request = RequestFactory().get("/")
    for user, shown in ((personas.screener, True), (personas.manager, True), (personas.police_partner, False),
                        (personas.outsider, False), (personas.admin, False)):
        request.user = user
        assert (contact_panel(request, contact) is not None) == shown, user


def test_the_timeline_shows_every_consent_and_sharing_event_with_who_and_when(personas, client_for):
    contact = family_contact(personas.screener)
    record = give_consent(personas.screener, contact)
    decide_share(personas.manager, propose(personas.screener, contact, [personas.health]))
    services.consent_withdraw(actor=personas.screener2, record=record, withdrawn_at=timezone.now(), method="phone")
    client = client_for(personas.manager)
    response = client.get(contact.get_absolute_url())
    trail = [(e.label, str(e.actor)) for e in response.context["trail"]]
    for step in [("Consent given", "Sam Screener"), ("Sharing without consent proposed", "Sam Screener"),
                 ("Sharing without consent decided: share", "Mo Manager"), ("Consent withdrawn", "Sol Second"),
                 ("Basis for sharing lost: managers told", "Sol Second")]:
        assert step in trail, (step, trail)
    notes = {e.label: e.note for e in response.context["trail"]}
    assert notes["Consent given"].startswith("Jane Brown (parent or carer with parental responsibility) agreed")
    assert "Testshire Police about Ava Brown, Leo Brown" in notes["Basis for sharing lost: managers told"]


def count(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_panel_and_the_page_cost_the_same_queries_however_many_records_and_contacts(personas, client_for):
    client = client_for(personas.manager)
    contact = family_contact(personas.screener)
    education(personas)  # each withdrawal below takes the school away: a flag each
    first = give_consent(personas.screener, contact, children=[person(contact, "Ava").pk])
    services.consent_withdraw(actor=personas.screener, record=first, withdrawn_at=timezone.now(), method="phone")
    decide_share(personas.manager, propose(personas.screener, contact, [personas.health]))
    path = contact.get_absolute_url()
    few = count(client, path)
    for _ in range(5):
        record = give_consent(personas.screener, contact)
        decide_share(personas.manager, propose(personas.screener, contact, [personas.health, personas.police]))
        services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(),
                                  method="phone")
    for _ in range(10):  # other families with their own records
        other = family_contact(personas.screener, surname="Other")
        give_consent(personas.screener, other)
    assert count(client, path) == few

    # The panel's own queries, pinned: consent records (with their open flags and the referrer's anonymity), sharing
    # decisions. The agencies that signed the agreement come from the cache (configuration; see the test below).
    request = RequestFactory().get(path)
    request.user = personas.manager
    prefetched = get_contact_for_user(personas.manager, contact.reference)
    list(prefetched.subjects.all())
    request.user.get_all_permissions()  # loaded once a request, by the contact page itself
    with CaptureQueriesContext(connection) as ctx:
        panel = contact_panel(request, prefetched)
    assert len(ctx.captured_queries) == 2
    assert len(panel["records"]) == 6 and len(panel["flags"]) == 6


def test_an_anonymous_contact_needs_no_anonymity_query(personas):
    contact = family_contact(personas.screener, referral_source="9", referrer_name="Anonymous", referrer_email="")
    request = RequestFactory().get("/")
    request.user = personas.screener
    prefetched = get_contact_for_user(personas.screener, contact.reference)
    list(prefetched.subjects.all())
    request.user.get_all_permissions()
    selectors.cached_signatories()  # read once, then from the cache
    with CaptureQueriesContext(connection) as ctx:
        panel = contact_panel(request, prefetched)
    # consent records (with flags), decisions: nothing about anonymity, and the agencies from the cache
    assert panel["anonymous"] and len(ctx.captured_queries) == 2


def test_a_manager_sees_the_flag_and_clears_it(personas, client_for):
    contact = family_contact(personas.screener)
    record = give_consent(personas.screener, contact, obtained_at=timezone.now() - timedelta(days=1))
    services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(), method="written")
    screener_html = page(client_for(personas.screener), contact)
    assert 'data-testid="basis-flag"' in screener_html and "Clear the flag" not in screener_html
    client = client_for(personas.manager)
    html = page(client, contact)
    assert 'data-testid="basis-flag"' in html and "Clear the flag" in html
    flag_id = contact.basis_flags.get().pk
    client.post(f"/consent/flags/{flag_id}/clear/", {"note": "No requests were in flight."})
    assert 'data-testid="basis-flag"' not in page(client, contact)


def test_the_panel_reads_the_agencies_from_the_cache_and_sees_every_change_to_them(personas, client_for):
    """The signatories are cached for the panel; saving or deleting an agency or a health kind forgets them."""
    from agencies.models import Agency, AgencyKind
    from consent.models import HealthKind

    contact = family_contact(personas.screener)
    give_consent(personas.screener, contact)
    client = client_for(personas.manager)
    assert 'data-testid="position-' in page(client, contact)
    housing = Agency.objects.create(name="Testshire Homes", kind=AgencyKind.HOUSING, isa_signatory=True)
    assert f'data-testid="position-{housing.pk}" data-status="blocked"' in page(client, contact)
    HealthKind.objects.create(kind=AgencyKind.HOUSING)  # housing now counts as health: the health note shows
    html = page(client, contact)
    row = html.split(f'data-testid="position-{housing.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Health: needs consent covering health information" in row
    housing.isa_signatory = False
    housing.save()
    assert f'data-testid="position-{housing.pk}"' not in page(client, contact)
    HealthKind.objects.filter(kind=AgencyKind.HOUSING).delete()  # a queryset delete still sends post_delete
    police = personas.police
    police.name = "Testshire Constabulary"
    police.save()
    assert "Testshire Constabulary" in page(client, contact)


def test_the_anonymity_is_read_with_the_records_or_the_decisions_or_on_its_own(personas):
    contact = family_contact(personas.screener)
    request = RequestFactory().get("/")
    request.user = personas.screener
    request.user.get_all_permissions()
    selectors.cached_signatories()  # read once, then from the cache
    users_by_id([personas.screener.pk, personas.manager.pk])  # the staff a panel names: likewise (agencies.names)

    def panel_and_queries():
        prefetched = get_contact_for_user(personas.screener, contact.reference)
        list(prefetched.subjects.all())
        with CaptureQueriesContext(connection) as ctx:
            panel = contact_panel(request, prefetched)
        return panel["anonymous"], len(ctx.captured_queries)

    # No records, no decisions: no row carries the answer, so it is read on its own.
    assert panel_and_queries() == (False, 3)
    services.referrer_anonymity_record(actor=personas.screener, contact=contact, note="Asked on the phone.")
    assert panel_and_queries() == (True, 3)
    propose(personas.screener, contact, [personas.health])
    assert panel_and_queries() == (True, 2)  # read with the decisions
    give_consent(personas.screener, contact)
    assert panel_and_queries() == (True, 2)  # read with the records


def test_the_panel_names_who_gave_and_recorded_consent_without_joining_them(personas, client_for):
    """Who gave consent is taken from the contact's people (read with the page), and the staff from the cache
    (agencies.names); one who gave it but is no longer named on the contact (their record since merged away) is read
    on their own, and every name is the right one."""
    from contacts.models import ContactSubject, Person

    contact = family_contact(personas.screener)
    record = give_consent(personas.screener, contact)
    decide_share(personas.manager, propose(personas.screener, contact, [personas.health]))
    html = page(client_for(personas.manager), contact)
    assert "For: Ava Brown, Leo Brown" in html
    assert "Jane Brown" in html and "Recorded by Sam Screener" in html
    assert "Proposed by Sam Screener" in html and "Decided by Mo Manager" in html
    # The mother's entry on the contact now names another record: the consent still names her, read on its own.
    other = Person.objects.create(first_name="Janet", last_name="Browne", date_of_birth=record.given_by.date_of_birth)
    ContactSubject.objects.filter(contact=contact, person=record.given_by).update(person=other)
    html = page(client_for(personas.manager), contact)
    assert "Jane Brown" in html.split('data-testid="consent-records"')[1].split("</table>")[0]


def test_the_panel_is_kept_drawn_until_what_it_shows_changes(personas, client_for, settings,
                                                            django_capture_on_commit_callbacks):
    """The contact page keeps the consent panel drawn under the versions of what it shows (consent.panel
    .contact_panel_kept): opened again, it reads no consent row; every change to the contact's consent, to the
    people on it, to the agencies or to who is looking shows at once (each change committed, as in service: the
    versions rise once it commits)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consent.models import BasisFlag

    settings.POLL_REGION_CACHE_SECONDS = 90
    manager = client_for(personas.manager)

    def panel():
        html = page(manager, contact)
        return html.split('data-testid="consent-panel"')[1].split("</section>")[0]

    def committed(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    contact = committed(family_contact, personas.screener)
    assert "No consent recorded yet." in panel()
    with CaptureQueriesContext(connection) as again:
        panel()
    consent_tables = ('"consent_consentrecord"', '"consent_sharingdecision"', '"consent_referreranonymity"')
    assert not [q for q in again.captured_queries if any(t in q["sql"] for t in consent_tables)]  # kept
    record = committed(give_consent, personas.screener, contact)
    assert "No consent recorded yet." not in panel() and "Given" in panel()
    committed(services.consent_withdraw, actor=personas.screener, record=record, withdrawn_at=timezone.now(),
              method="phone")
    assert "Withdrawn" in panel()
    flag = BasisFlag.objects.filter(contact=contact, cleared_at__isnull=True).first()
    if flag is not None:
        assert 'data-testid="basis-flag"' in panel()
        committed(services.basis_flag_clear, actor=personas.manager, flag=flag, note="Nothing was asked under it.")
    assert 'data-testid="basis-flag"' not in panel()
    decision = committed(propose, personas.screener, contact, [personas.health])
    assert "Awaiting a manager" in panel() and "Decide<span" in panel()
    committed(decide_share, personas.manager, decision)
    assert "Decided by Mo Manager" in panel()
    committed(services.referrer_anonymity_record, actor=personas.screener, contact=contact, note="On the phone.")
    assert "they asked to stay anonymous" in panel()
    # The people on the contact (the "contacts" version) and the agencies (configuration from the cache).
    ava = person(contact, "Ava")
    ava.first_name = "Avery"
    committed(ava.save)
    assert "What has been shared about Avery Brown" in panel()
    personas.police.name = "Midshire Constabulary"
    committed(personas.police.save)
    assert "Midshire Constabulary" in panel()
    # Who is looking: a screener gets their own panel (no decision to take), not the manager's kept one.
    assert "Decide<span" not in page(client_for(personas.screener), contact)
