"""Who may open what: anonymous users are sent to sign in everywhere; roles are enforced."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from contacts.tests.factories import make_contact

pytestmark = pytest.mark.django_db

# Pages open to everyone (signing in, the load balancer's health check) and Django admin's own login.
PUBLIC = {"login", "healthz", "admin:login", "admin:logout"}


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def concrete_path(name: str, pattern: URLPattern, reference: str) -> str | None:
    """A real path for each named URL, filling converters with a real record's key."""
    from django.urls import NoReverseMatch, reverse

    keys = list(pattern.pattern.converters)
    kwargs = {}
    for key in keys:
        kwargs[key] = {"reference": reference}.get(key, "1")
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def all_app_paths(reference):
    paths = {}
    for name, pattern in named_urls():
        if name in PUBLIC or name.startswith("admin:"):
            continue
        path = concrete_path(name, pattern, reference)
        if path:
            paths[name] = path
    return paths


def test_anonymous_is_sent_to_sign_in_from_every_page(personas, client):
    contact = make_contact(personas.screener)
    paths = all_app_paths(contact.reference)
    assert {"home", "contacts:queue", "contacts:new", "contacts:detail", "enquiries:inbox"} <= set(paths)
    for name, path in paths.items():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 302, f"{method.upper()} {name} {path}"
            assert response["Location"].startswith("/sign-in/?next="), f"{name}: {response['Location']}"


def test_anonymous_admin_goes_to_admin_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_partner_cannot_open_the_screening_queue(personas, client_for):
    for partner in (personas.police_partner, personas.health_partner):
        client = client_for(partner)
        assert client.get("/contacts/").status_code == 403
        assert client.get("/contacts/new/").status_code == 403
        assert client.post("/contacts/new/", {}).status_code == 403


def test_outsider_without_a_role_gets_403_on_work_pages(personas, client_for):
    client = client_for(personas.outsider)
    assert client.get("/contacts/").status_code == 403
    assert client.get("/partner/").status_code == 403
    assert client.get("/").status_code == 302  # sent to the "no role yet" page
    assert client.get("/no-role/").status_code == 403


def test_contact_page_is_404_for_people_outside_the_mash(personas, client_for):
    contact = make_contact(personas.screener)
    for user in (personas.police_partner, personas.health_partner, personas.outsider):
        assert client_for(user).get(contact.get_absolute_url()).status_code == 404
    assert client_for(personas.manager).get(contact.get_absolute_url()).status_code == 200
    assert client_for(personas.screener).get("/contacts/C-2000-999999/").status_code == 404


def test_wrong_method_is_405(personas, client_for):
    contact = make_contact(personas.screener)
    client = client_for(personas.screener)
    assert client.post("/contacts/").status_code == 405
    assert client.post(contact.get_absolute_url()).status_code == 405
    assert client.put("/contacts/new/").status_code == 405
    assert client.delete("/").status_code == 405
    assert client_for(personas.police_partner).post("/partner/").status_code == 405


def test_each_role_starts_on_its_own_page(personas, client_for):
    # Issue 11: a screener's day starts with their own work, a manager's with what awaits their decision.
    assert client_for(personas.screener).get("/")["Location"] == "/contacts/mine/"
    assert client_for(personas.manager).get("/")["Location"] == "/contacts/manage/"
    assert client_for(personas.police_partner).get("/")["Location"] == "/partner/"
    assert client_for(personas.admin).get("/")["Location"] == "/admin/"


def test_partner_inbox_names_only_their_agency(personas, client_for):
    html = client_for(personas.police_partner).get("/partner/").content.decode()
    assert "Testshire Police" in html and "Testshire Health" not in html


def test_admin_role_can_configure_agencies_in_django_admin(personas, client_for):
    client = client_for(personas.admin)
    assert client.get("/admin/agencies/agency/").status_code == 200
    assert client_for(personas.screener).get("/admin/agencies/agency/").status_code == 302  # not staff


def test_records_written_by_services_are_read_only_in_the_admin_even_for_a_superuser(personas, client_for):
    from agencies.models import User

    root = User.objects.create_superuser("root", "root@example.gov.uk", "x", agency=personas.social_care)
    client = client_for(root)
    contact = make_contact(personas.screener)
    for model in ("mash/escalation", "mash/sweeprun"):
        assert client.get(f"/admin/{model}/").status_code == 200, model
        assert client.get(f"/admin/{model}/add/").status_code == 403, model
    # Issue 13: children's records and notifications are not in the admin at all (agencies/tests/test_admin_users.py)
    assert client.post(f"/admin/contacts/contact/{contact.pk}/delete/", {"post": "yes"}).status_code == 404
    assert client.get("/admin/mash/responsewindow/add/").status_code == 200  # configuration stays editable
