"""Drafts of the long forms: saved on the server for their author alone, restored after a sign-out, deleted on
submit or discard; bad requests get a clear answer and write nothing."""

import json

import pytest

from conftest import PASSWORD
from contacts import services
from contacts.models import Contact, FormDraft
from mash.models import AuditEvent

from .factories import contact_post, make_contact
from .test_screening_flow import screen, screening_post

pytestmark = pytest.mark.django_db


def save_url(form, contact=None):
    return f"/contacts/drafts/{form}/save/{contact.reference}/" if contact else f"/contacts/drafts/{form}/save/"


def sign_in_again(client, user):
    """A real sign-out and sign-in, through the pages a person uses."""
    assert client.post("/sign-out/").status_code == 302
    assert client.get(f"/contacts/{'x'}/").status_code == 302  # signed out: sent to sign in
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_a_screening_draft_survives_a_sign_out(personas, client_for):
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)  # theirs to screen
    client = client_for(personas.screener)
    answers = screening_post(worries="Bruise on the cheek; Ava is scared of dad.", rationale="")
    response = client.post(save_url("screening", contact), {**answers, "save_draft": "1"})
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.reference}/screen/"
    draft = FormDraft.objects.get()
    assert (draft.user, draft.form, draft.contact) == (personas.screener, "screening", contact)
    assert "save_draft" not in draft.data and "csrfmiddlewaretoken" not in draft.data

    sign_in_again(client, personas.screener)
    html = client.get(f"/contacts/{contact.reference}/screen/").content.decode()
    assert 'data-testid="draft-restored"' in html
    assert "Bruise on the cheek; Ava is scared of dad." in html
    assert "There is a problem" not in html  # a draft is shown as it was left, not judged
    # The criteria and level ticked come back ticked.
    criterion = answers["criteria"][0]
    assert f'value="{criterion}" id="id_criteria_' in html and "checked" in html

    # Submitting the screening uses the draft up.
    assert client.post(f"/contacts/{contact.reference}/screen/", screening_post()).status_code == 302
    assert not FormDraft.objects.exists()


def test_a_new_contact_draft_keeps_half_typed_answers(personas, client_for):
    client = client_for(personas.screener)
    post = contact_post(concern="Ava said she is scared to go home.")
    post["children-0-date_of_birth-month"] = ""  # half-typed: a draft keeps it as it is
    response = client.post(save_url("contact"), post)
    assert response.status_code == 302 and response["Location"] == "/contacts/new/"
    assert Contact.objects.count() == 0
    client.logout()
    client.force_login(personas.screener)
    html = client.get("/contacts/new/").content.decode()
    assert "Ava said she is scared to go home." in html and 'value="Jo Teacher"' in html
    assert 'name="children-0-date_of_birth-year" value="2019"' in html
    assert "There is a problem" not in html
    # Recording the contact uses the draft up.
    assert client.post("/contacts/new/", contact_post()).status_code == 302
    assert not FormDraft.objects.exists()


def test_nobody_reads_another_persons_draft(personas, client_for):
    contact = make_contact(personas.screener)
    client_for(personas.screener).post(save_url("screening", contact), screening_post(worries="Only mine."))
    other = client_for(personas.screener2)
    assert "Only mine." not in other.get(f"/contacts/{contact.reference}/screen/").content.decode()
    # Their own draft of the same form is theirs alone, and leaves the first one as it was.
    other.post(save_url("screening", contact), screening_post(worries="Mine, not yours."))
    assert {d.user.username: d.data["worries"] for d in FormDraft.objects.all()} == {
        "screener": ["Only mine."], "screener2": ["Mine, not yours."]}


@pytest.mark.parametrize(
    ("who", "form", "target", "status"),
    [
        ("police_partner", "screening", "contact", 404),  # a partner may not learn the contact exists
        ("outsider", "screening", "contact", 404),
        ("screener", "screening", "restricted", 404),  # a record they may not see
        ("screener", "screening", "missing", 404),
        ("screener", "decide", "contact", 403),  # a form they may not submit
        ("screener", "outcome", "contact", 403),
        ("screener", "nonsense", "contact", 404),
        ("screener", "contact", "contact", 404),  # a new contact's draft is about no contact
        ("screener", "screening", None, 404),  # a screening draft is about a contact
    ],
)
def test_a_draft_for_a_record_or_form_not_theirs_is_refused_and_writes_nothing(personas, client, who, form, target,
                                                                              status):
    contact = make_contact(personas.screener)
    hidden = make_contact(personas.screener)
    Contact.objects.filter(pk=hidden.pk).update(restricted=True)
    reference = {"contact": contact.reference, "restricted": hidden.reference, "missing": "C-1999-999999",
                 None: None}[target]
    client.force_login(getattr(personas, who))
    before = AuditEvent.objects.count()
    url = f"/contacts/drafts/{form}/save/{reference}/" if reference else f"/contacts/drafts/{form}/save/"
    assert client.post(url, {"worries": "x"}).status_code == status
    assert not FormDraft.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"worries": "x" * 25_001}, "An answer in a draft can be at most 25,000 characters"),
        ({f"field{i}": "x" for i in range(501)}, "This draft is too big to save"),
        ({"bad name!": "x"}, "This draft is too big to save"),
    ],
)
def test_a_draft_too_big_gets_a_clear_message_and_writes_nothing(personas, client_for, answers, message):
    contact = make_contact(personas.screener)
    client = client_for(personas.screener)
    response = client.post(save_url("screening", contact), answers)
    assert response.status_code == 400 and message in response.content.decode()
    response = client.post(save_url("screening", contact), answers, headers={"Accept": "application/json"})
    assert response.status_code == 400 and message in response.json()["error"]
    assert not FormDraft.objects.exists()


def test_autosave_answers_json_and_keeps_one_draft(personas, client_for):
    contact = make_contact(personas.screener)
    client = client_for(personas.screener)
    for worries in ("First words", "First words and more"):
        response = client.post(save_url("screening", contact), {"worries": worries, "nul": "a\x00b"},
                               headers={"Accept": "application/json"})
        assert response.status_code == 200
        answer = json.loads(response.content)
        assert set(answer) == {"saved_at", "saved_at_text", "expires_at", "expires_in"}
    draft = FormDraft.objects.get()
    assert draft.data == {"worries": ["First words and more"], "nul": ["ab"]}
    # Started once: one audit row, not one per save.
    assert AuditEvent.objects.filter(action="draft.saved").count() == 1


def test_discarding_a_draft(personas, client_for):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener)
    client = client_for(personas.manager)
    client.post(save_url("return", contact), {"comments": "Check the school's records."})
    html = client.get(f"/contacts/{contact.reference}/decide/").content.decode()
    assert "Check the school&#x27;s records." in html
    response = client.post(f"/contacts/drafts/return/discard/{contact.reference}/", {"comments": "whatever"})
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.reference}/decide/"
    assert not FormDraft.objects.exists()
    assert AuditEvent.objects.filter(action="draft.discarded", actor=personas.manager).count() == 1
    assert "Check the school" not in client.get(f"/contacts/{contact.reference}/decide/").content.decode()


def test_old_drafts_and_drafts_of_closed_contacts_are_purged(personas, settings):
    """What someone typed about a family is kept only while it can still be used: beat's purge deletes drafts
    not saved for DRAFT_KEEP_DAYS and drafts about a closed contact, and nothing else."""
    from datetime import timedelta

    from django.utils import timezone

    from contacts.codes import ContactState
    from contacts.drafts import draft_save
    from contacts.tasks import purge_drafts

    settings.DRAFT_KEEP_DAYS = 14
    open_contact, closed_contact, old_contact = (make_contact(personas.screener) for _ in range(3))
    for contact in (open_contact, closed_contact, old_contact):
        services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
        draft_save(actor=personas.screener, form="screening", contact=contact, data={"worries": ["typed"]})
    new = draft_save(actor=personas.screener, form="contact", data={"concern": ["typed"]})
    Contact.objects.filter(pk=closed_contact.pk).update(state=ContactState.CLOSED)
    now = timezone.now()
    FormDraft.objects.filter(contact=old_contact).update(saved_at=now - timedelta(days=15))
    FormDraft.objects.filter(pk=new.pk).update(saved_at=now - timedelta(days=13))

    assert purge_drafts() == 2
    kept = set(FormDraft.objects.values_list("form", "contact"))
    assert kept == {("screening", open_contact.pk), ("contact", None)}
    assert purge_drafts() == 0  # run again (a late or repeated message): nothing more
