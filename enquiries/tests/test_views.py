"""The enquiry pages over HTTP: isolation between agencies and from the MASH's records, what a request page shows
(only the people it names), bad input on every form (a clear message per field, nothing written), the journey
through the pages, and pinned query counts on the inbox and the board."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enquiries import services
from enquiries.models import AgencyReturn, Enquiry, InformationRequest
from mash.models import AuditEvent

from .helpers import open_enquiry, partner, world

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    """A client of its own for each person (the journey switches between people)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enquiry_world(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w)
    w.enquiry = enquiry
    w.requests = {r.agency_id: r for r in enquiry.requests.all()}
    return w


def partner_urls(pk):
    return [reverse(name, args=[pk]) for name in ("enquiries:partner_request", "enquiries:claim", "enquiries:give",
                                                  "enquiries:return", "enquiries:nil_return", "enquiries:decline")]


def test_a_partner_from_another_agency_gets_404_for_every_request_url(personas, client_for, enquiry_world):
    w = enquiry_world
    police = w.requests[w.police.pk]
    client = client_for(personas.health_partner)
    for url in partner_urls(police.pk):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url).status_code in (404, 405), url
    police.refresh_from_db()
    assert police.state == "requested" and police.assigned_to is None


def test_a_partner_never_reaches_the_mash_side(personas, client_for, enquiry_world):
    w = enquiry_world
    health = w.requests[w.health.pk]
    ret = services.return_save(actor=personas.health_partner, request=health, headings=["GP registration"],
                               sections={"GP registration": "Yes."}, brag="green", brag_rationale="Fine.",
                               sensitive="Detail.", submit=True)
    client = client_for(personas.health_partner)
    for url in (w.contact.get_absolute_url(), reverse("contacts:person", args=[w.child.pk]),
                reverse("contacts:chronology", args=[w.child.pk]), health.get_absolute_url(),
                reverse("enquiries:sensitive", args=[ret.pk]), reverse("enquiries:ask", args=[w.enquiry.pk]),
                reverse("enquiries:close", args=[w.enquiry.pk]), reverse("enquiries:open", args=[w.contact.reference]),
                reverse("consent:shared", args=[w.child.pk])):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("enquiries:board")).status_code == 403


def test_the_request_page_shows_only_the_people_it_names(personas, client_for, enquiry_world):
    w = enquiry_world
    police = w.requests[w.police.pk]
    html = client_for(personas.police_partner).get(police.get_partner_url()).content.decode()
    assert "Ava Brown" in html and "Leo Brown" not in html and "Jane Brown" not in html
    assert police.question in html
    # Never the concern narrative, the referrer, other agencies' requests, or a link to the contact.
    assert "hungry" not in html.lower() and "Jo Teacher" not in html
    assert str(w.health) not in html and str(w.education) not in html
    assert w.contact.get_absolute_url() not in html
    assert "NHS number" not in html  # police: no NHS number
    health_html = client_for(personas.health_partner).get(w.requests[w.health.pk].get_partner_url()).content.decode()
    assert "NHS number" in health_html
    assert AuditEvent.objects.filter(action="enquiry.request_viewed", actor=personas.police_partner).exists()


def test_the_inbox_lists_only_the_agency_s_requests_with_filters(personas, client_for, enquiry_world):
    w = enquiry_world
    client = client_for(personas.police_partner)
    html = client.get(reverse("enquiries:inbox")).content.decode()
    assert f'data-testid="request-{w.requests[w.police.pk].pk}"' in html
    assert f'data-testid="request-{w.requests[w.health.pk].pk}"' not in html
    assert "request-" in client.get(reverse("enquiries:inbox") + "?show=unassigned").content.decode()
    assert f'request-{w.requests[w.police.pk].pk}"' not in client.get(
        reverse("enquiries:inbox") + "?show=mine").content.decode()
    services.request_claim(actor=personas.police_partner, request=w.requests[w.police.pk])
    assert f'request-{w.requests[w.police.pk].pk}"' in client.get(
        reverse("enquiries:inbox") + "?show=mine").content.decode()
    assert f'request-{w.requests[w.police.pk].pk}"' not in client.get(
        reverse("enquiries:inbox") + "?state=returned").content.decode()
    # Nonsense filters are ignored, not errors.
    assert client.get(reverse("enquiries:inbox") + "?show=<b>&state=x&page=zz").status_code == 200


def test_the_journey_through_the_pages(personas, enquiry_world):
    w = enquiry_world
    police, health, education = (w.requests[a.pk] for a in (w.police, w.health, w.education))
    p = signed_in(personas.police_partner)
    assert p.post(reverse("enquiries:claim", args=[police.pk])).status_code == 302
    response = p.post(reverse("enquiries:return", args=[police.pk]), {
        "section_0": "Two call-outs in May.", "section_1": "", "brag": "red", "brag_rationale": "Violence.",
        "sensitive": "Partner linked to a county line.", "action": "submit"})
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.state == "returned"
    h = signed_in(personas.health_partner)
    assert h.post(reverse("enquiries:nil_return", args=[health.pk])).status_code == 302
    e = signed_in(w.education_partner)
    assert e.post(reverse("enquiries:decline", args=[education.pk]), {"reason": ""}).status_code == 400
    assert e.post(reverse("enquiries:decline", args=[education.pk]), {"reason": "Not our pupil."}).status_code == 302
    m = signed_in(personas.manager)
    board = m.get(reverse("enquiries:board")).content.decode()
    for r, state in ((police, "returned"), (health, "nil_return"), (education, "declined")):
        assert f'data-testid="board-request-{r.pk}" data-state="{state}"' in board
    ret = AgencyReturn.objects.get(request=police)
    # The screener sees there is a sensitive section but cannot read it; the manager can, and it is audited.
    s = signed_in(personas.screener)
    page = s.get(police.get_absolute_url()).content.decode()
    assert "county line" not in page and "Only MASH managers can read it" in page
    assert s.get(reverse("enquiries:sensitive", args=[ret.pk])).status_code == 403
    assert "county line" not in m.get(police.get_absolute_url()).content.decode()
    assert "county line" in m.get(reverse("enquiries:sensitive", args=[ret.pk])).content.decode()
    assert AuditEvent.objects.filter(action="enquiry.sensitive_viewed", actor=personas.manager).count() == 1
    contact_page = m.get(w.contact.get_absolute_url()).content.decode()
    assert 'data-testid="enquiry-panel"' in contact_page and "Information request sent" in contact_page


def test_opening_from_the_contact_page(personas, client_for):
    w = world(personas)
    m = client_for(personas.manager)
    page = m.get(w.contact.get_absolute_url()).content.decode()
    url = reverse("enquiries:open", args=[w.contact.reference])
    assert url in page
    form = m.get(url).content.decode()
    assert f'data-testid="agency-{w.police.pk}" data-status="permitted"' in form
    data = {"reason": "Unknown risk.", "need_to_know": "Call-outs.", "agencies": [w.police.pk, w.health.pk],
            f"question_{w.police.pk}": "Any call-outs?", f"people_{w.police.pk}": [w.child.pk],
            f"question_{w.health.pk}": "Any attendances?", f"people_{w.health.pk}": [w.child.pk, w.mother.pk]}
    assert m.post(url, data).status_code == 302
    enquiry = Enquiry.objects.get(contact=w.contact)
    assert enquiry.requests.count() == 2
    # Open again: sent on to ask more agencies.
    assert m.get(url)["Location"] == reverse("enquiries:ask", args=[enquiry.pk])


def _open_post(w, **overrides):
    data = {"reason": "Unknown risk.", "need_to_know": "Call-outs.", "agencies": [w.police.pk],
            f"question_{w.police.pk}": "Any call-outs?", f"people_{w.police.pk}": [w.child.pk]}
    data.update(overrides)
    return data


@pytest.mark.parametrize("overrides, field", [
    ({"reason": ""}, "reason"),
    ({"reason": "x" * 10_000}, "reason"),
    ({"need_to_know": "<script>alert(1)</script>"}, "need_to_know"),
    ({"agencies": []}, "agencies"),
    ({"agencies": ["999999"]}, "agencies"),
    ({"agencies": ["nonsense"]}, "agencies"),
    ({"question": ""}, "question"),
    ({"people": []}, "people"),
])
def test_bad_input_on_the_open_form_writes_nothing(personas, client_for, overrides, field):
    w = world(personas)
    if field in ("question", "people"):
        overrides = {f"{field}_{w.police.pk}": overrides[field]}
        field = f"{field}_{w.police.pk}"
    response = client_for(personas.manager).post(reverse("enquiries:open", args=[w.contact.reference]),
                                                 _open_post(w, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not Enquiry.objects.exists() and not InformationRequest.objects.exists()


def test_health_with_no_basis_on_the_form(personas, client_for):
    w = world(personas, health_basis=False)
    data = _open_post(w, agencies=[w.health.pk], **{f"question_{w.health.pk}": "Any?",
                                                    f"people_{w.health.pk}": [w.child.pk]})
    response = client_for(personas.manager).post(reverse("enquiries:open", args=[w.contact.reference]), data)
    assert response.status_code == 400
    # A blocked agency has no box to tick; posted anyway, it is refused beside its people, saying why.
    assert "health information needs a basis" in response.context["form"].errors[f"people_{w.health.pk}"][0]
    assert not Enquiry.objects.exists()


def test_a_contact_without_an_approved_rating_on_the_form(personas, client_for):
    from consent.tests.helpers import family_contact

    contact = family_contact(personas.screener)
    response = client_for(personas.manager).post(reverse("enquiries:open", args=[contact.reference]),
                                                 {"reason": "r", "need_to_know": "n"})
    assert response.status_code == 400
    assert "approved rating" in " ".join(response.context["form"].non_field_errors())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.just(""), st.just("x" * 10_001), st.just("<b>bold</b>"), st.just("a\x00b")))
def test_bad_input_on_the_return_form_writes_nothing(personas, client_for, enquiry_world, text):
    w = enquiry_world
    police = w.requests[w.police.pk]
    client = client_for(personas.police_partner)
    response = client.post(reverse("enquiries:return", args=[police.pk]), {
        "section_0": text, "brag": "red", "brag_rationale": text, "sensitive": "", "action": "submit"})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not AgencyReturn.objects.filter(request=police).exists()


def test_bad_input_on_the_other_forms(personas, client_for, enquiry_world):
    w = enquiry_world
    police = w.requests[w.police.pk]
    p = client_for(personas.police_partner)
    for reason in ("", "x" * 10_000, "<script>x</script>"):
        response = p.post(reverse("enquiries:decline", args=[police.pk]), {"reason": reason})
        assert response.status_code == 400 and "reason" in response.context["form"].errors
    response = p.post(reverse("enquiries:return", args=[police.pk]), {"brag": "purple", "action": "submit"})
    assert response.status_code == 400 and "brag" in response.context["form"].errors
    other = partner("police-other", w.health, "Hugh", "Health")
    for value in ("", "nonsense", str(personas.health_partner.pk), str(other.pk)):
        response = p.post(reverse("enquiries:give", args=[police.pk]), {"to_user": value})
        assert response.status_code == 400 and "to_user" in response.context["form"].errors
    m = client_for(personas.manager)
    response = m.post(reverse("enquiries:withdraw", args=[police.pk]), {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    response = m.post(reverse("enquiries:close", args=[w.enquiry.pk]), {"reason": "x" * 3000})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    police.refresh_from_db()
    w.enquiry.refresh_from_db()
    assert police.state == "requested" and police.assigned_to is None and w.enquiry.state == "open"


def count_queries(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_inbox_and_board_query_counts_do_not_grow(personas):
    from consent.tests.helpers import family_contact

    from .helpers import approve

    w = world(personas)
    open_enquiry(personas, w)
    partner_client = signed_in(personas.police_partner)
    few_inbox = count_queries(partner_client, reverse("enquiries:inbox"))
    manager_client = signed_in(personas.manager)
    few_board = count_queries(manager_client, reverse("enquiries:board"))
    from consent.tests.helpers import give_consent

    for i in range(6):
        contact = family_contact(personas.screener, surname=f"Family{i}")
        approve(contact, personas)
        give_consent(personas.screener, contact)
        child = contact.subjects.filter(role="subject_child").get().person
        services.enquiry_open(actor=personas.manager, contact=contact, reason="r", need_to_know="n",
                              asks=[services.AskInput(agency_id=w.police.pk, question="q", people=(child.pk,)),
                                    services.AskInput(agency_id=w.education.pk, question="q", people=(child.pk,))])
    # Inbox: session, user, roles, the count, the page (with who has each), agency, unread notifications, ...
    assert count_queries(partner_client, reverse("enquiries:inbox")) == few_inbox
    # Board: session, user, roles, the open enquiries with their contacts, their requests with agencies, ...
    assert count_queries(manager_client, reverse("enquiries:board")) == few_board


def test_a_manager_brings_one_request_forward_with_a_reason(personas, enquiry_world):
    from datetime import timedelta

    from django.utils import timezone

    from contacts.tests.factories import date_boxes

    w = enquiry_world
    police = w.requests[w.police.pk]
    url = reverse("enquiries:shorten", args=[police.pk])
    m = signed_in(personas.manager)
    sooner = timezone.localtime(timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    later = timezone.localtime(police.due_at + timedelta(hours=2))
    for due, reason, field in ((sooner, "", "reason"), (later, "Strategy meeting at 3.", "due_at"),
                               (None, "Strategy meeting at 3.", "due_at")):
        boxes = date_boxes("due_at", due.strftime("%Y-%m-%dT%H:%M") if due else "")
        boxes.update({"due_at-hour": due.strftime("%H") if due else "", "due_at-minute": due.strftime("%M") if due
                      else ""})
        response = m.post(url, {**boxes, "reason": reason})
        assert response.status_code == 400 and field in response.context["form"].errors, (field, due)
    boxes = date_boxes("due_at", sooner.strftime("%Y-%m-%d"))
    boxes.update({"due_at-hour": sooner.strftime("%H"), "due_at-minute": sooner.strftime("%M")})
    assert m.post(url, {**boxes, "reason": "Strategy meeting at 3."}).status_code == 302
    police.refresh_from_db()
    assert police.due_at == sooner and police.shortened_reason == "Strategy meeting at 3."
    assert police.warn_at is None or police.warn_at < police.due_at
    assert signed_in(personas.screener).post(url, {**boxes, "reason": "x"}).status_code == 403


def test_the_board_puts_the_soonest_open_deadline_first(personas):
    from consent.tests.helpers import family_contact, give_consent

    from .helpers import approve

    w = world(personas)
    amber = open_enquiry(personas, w, agencies=(w.police,))
    red_contact = family_contact(personas.screener, surname="Red")
    approve(red_contact, personas, brag="red")
    give_consent(personas.screener, red_contact)
    child = red_contact.subjects.filter(role="subject_child").get().person
    red = services.enquiry_open(actor=personas.manager, contact=red_contact, reason="r", need_to_know="n",
                                asks=[services.AskInput(agency_id=w.police.pk, question="q", people=(child.pk,))])
    html = signed_in(personas.manager).get(reverse("enquiries:board")).content.decode()
    assert html.index(f'data-testid="enquiry-{red.pk}"') < html.index(f'data-testid="enquiry-{amber.pk}"')
    # Red's request answered: nothing of it open, so it goes after Amber's.
    services.nil_return(actor=personas.police_partner, request=red.requests.get())
    red.refresh_from_db()
    assert red.next_due_at is None
    html = signed_in(personas.manager).get(reverse("enquiries:board")).content.decode()
    assert html.index(f'data-testid="enquiry-{amber.pk}"') < html.index(f'data-testid="enquiry-{red.pk}"')


def test_the_contact_page_offers_an_enquiry_once_the_rating_is_approved(personas):
    from consent.tests.helpers import family_contact

    from .helpers import approve

    contact = family_contact(personas.screener)
    m = signed_in(personas.manager)
    page = m.get(contact.get_absolute_url()).content.decode()
    assert "can be opened once the rating is approved" in page
    assert reverse("enquiries:open", args=[contact.reference]) not in page
    approve(contact, personas)
    page = m.get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="enquiry-recommended"' in page
    assert reverse("enquiries:open", args=[contact.reference]) in page
    # A screener sees the panel, but no button.
    assert reverse("enquiries:open", args=[contact.reference]) not in signed_in(personas.screener).get(
        contact.get_absolute_url()).content.decode()


def test_asking_one_more_agency_from_the_page(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    url = reverse("enquiries:ask", args=[enquiry.pk])
    m = signed_in(personas.manager)
    form = m.get(url).content.decode()
    assert f'data-testid="agency-{w.police.pk}"' not in form  # already asked
    assert m.post(url, {"agencies": [w.police.pk], f"question_{w.police.pk}": "q"}).status_code == 400
    response = m.post(url, {"agencies": [w.education.pk], f"question_{w.education.pk}": "Attendance?",
                            f"people_{w.education.pk}": [w.child.pk, w.sibling.pk]})
    assert response.status_code == 302
    assert set(enquiry.requests.values_list("agency_id", flat=True)) == {w.police.pk, w.education.pk}
