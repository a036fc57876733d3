"""A child's facts for the national returns (contacts.census): the UPN rule, intake and the record's own page."""

import string

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from contacts import census
from contacts.actions import ContactAction
from contacts.models import Contact, Person
from contacts.services import SubjectInput, contact_create, person_census_facts_record
from mash.errors import DomainError, Problems
from mash.models import AuditEvent

from .factories import contact_post, make_contact

# The DfE's own worked example of a UPN (check letter H), and a temporary UPN ending in a letter.
GOOD_UPN = "H801200001001"
GOOD_TEMPORARY_UPN = "U80120000100A"

bodies = st.tuples(st.text(string.digits, min_size=11, max_size=11),
                   st.sampled_from(string.digits + census.UPN_ALPHABET)).map("".join)


def test_known_upns_pass():
    assert census.upn_check(GOOD_UPN) == GOOD_UPN
    assert census.upn_check(" u80120000100a ") == GOOD_TEMPORARY_UPN  # trimmed, upper case
    assert census.upn_check("") == ""


@given(body=bodies)
def test_a_upn_with_its_check_letter_passes(body):
    upn = census.upn_check_letter(body) + body
    assert census.upn_check(upn) == upn


@given(body=bodies, wrong=st.sampled_from(census.UPN_ALPHABET))
def test_any_other_check_letter_is_refused_on_the_field(body, wrong):
    if wrong == census.upn_check_letter(body):
        wrong = census.UPN_ALPHABET[(census.UPN_ALPHABET.index(wrong) + 1) % 23]
    with pytest.raises(DomainError) as raised:
        census.upn_check(wrong + body, field="children-0-upn")
    assert raised.value.field == "children-0-upn"
    assert raised.value.message == census.UPN_CHECK_LETTER


@given(body=bodies, position=st.integers(1, 11), delta=st.integers(1, 9))
def test_a_single_mistyped_digit_is_caught(body, position, delta):
    """Weights 2 to 13 modulo 23 (a prime): changing one digit always changes the check letter."""
    upn = census.upn_check_letter(body) + body
    digit = upn[position]
    typo = upn[:position] + str((int(digit) + delta) % 10) + upn[position + 1:]
    with pytest.raises(DomainError):
        census.upn_check(typo)


@given(value=st.text(max_size=30))
def test_anything_else_is_a_clean_upn_or_a_domain_error_on_upn(value):
    try:
        upn = census.upn_check(value)
    except DomainError as error:
        assert error.field == "upn"
        assert error.message in (census.UPN_FORMAT, census.UPN_CHECK_LETTER)
    else:
        assert upn == "" or (len(upn) == 13 and upn[0] == census.upn_check_letter(upn[1:]))


@pytest.mark.parametrize("bad", ["H80120000100", "H8012000010011", "I801200001001", "H80120000X001", "1801200001001",
                                 "H80120000100I", "<b>H80120000</b>"])
def test_wrong_formats_are_refused(bad):
    with pytest.raises(DomainError) as raised:
        census.upn_check(bad)
    assert raised.value.message == census.UPN_FORMAT


def test_facts_rules_collect_every_problem_on_its_field():
    problems = Problems()
    census.census_facts_clean(sex="X", ethnicity="WHITE", disabilities=["NONE", "MOB"], upn=GOOD_UPN,
                              upn_unknown="UN4", la_child_id="has spaces!", problems=problems, prefix="children-0-")
    fields = sorted(field for field, _ in problems.errors)
    assert fields == ["children-0-disabilities", "children-0-ethnicity", "children-0-la_child_id",
                      "children-0-sex", "children-0-upn_unknown"]
    problems = Problems()
    census.census_facts_clean(la_child_id="A" * 21, disabilities=["XYZ"], problems=problems)
    assert sorted(field for field, _ in problems.errors) == ["disabilities", "la_child_id"]


@pytest.mark.django_db
def test_intake_records_the_facts_when_known_and_never_needs_them(personas, client_for):
    client = client_for(personas.screener)
    post = contact_post(children=[
        {"first_name": "Ava", "last_name": "Brown", "date_of_birth": "2019-04-02"},
        {"first_name": "Ben", "last_name": "Brown", "date_of_birth": "2017-01-09", "role": "sibling"},
    ])
    post.update({"children-0-sex": "F", "children-0-ethnicity": "WBRI", "children-0-upn": "h8012 0000 1001",
                 "children-0-match": "new", "children-1-match": "new"})
    response = client.post("/contacts/new/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    ava, ben = (s.person for s in Contact.objects.get().subjects.order_by("position"))
    assert (ava.sex, ava.ethnicity, ava.upn) == ("F", "WBRI", GOOD_UPN)
    assert (ben.sex, ben.ethnicity, ben.upn, ben.disabilities) == ("", "", "", [])


@pytest.mark.django_db
def test_intake_refuses_a_wrong_upn_beside_it_and_saves_nothing(personas, client_for):
    client = client_for(personas.screener)
    post = contact_post()
    post.update({"children-0-upn": "A801200001001", "children-0-match": "new"})
    response = client.post("/contacts/new/", post)
    assert response.status_code == 400
    page = response.content.decode()
    assert census.UPN_CHECK_LETTER.replace("'", "&#x27;") in page
    assert 'id="id_children-0-upn_error"' in page
    post.update({"children-0-upn": "", "children-0-sex": "Q"})
    page = client.post("/contacts/new/", post).content.decode()
    assert "Select the child&#x27;s sex from the list" in page and 'id="id_children-0-sex_error"' in page
    assert Contact.objects.count() == 0 and Person.objects.count() == 0


@pytest.mark.django_db
def test_a_linked_child_keeps_what_is_known_and_gains_what_is_new(personas):
    first = make_contact(actor=personas.screener)
    child = first.subjects.get().person
    person_census_facts_record(actor=personas.screener, person=child, sex="M", upn_unknown="UN6")
    contact_create(actor=personas.screener, received_at=timezone.now(), channel="phone", referrer_name="GP",
                   referral_source="3A", concern="Worried", consent_answer="given",
                   children=[SubjectInput(first_name=child.first_name, last_name=child.last_name,
                                          person_id=child.pk, sex="F", ethnicity="AIND", upn=GOOD_UPN)])
    child.refresh_from_db()
    # Sex was known (kept); ethnicity and the UPN were not (filled), and a known UPN needs no reason.
    assert (child.sex, child.ethnicity, child.upn, child.upn_unknown) == ("M", "AIND", GOOD_UPN, "")


@pytest.mark.django_db
def test_the_record_page_saves_the_facts_audited(personas, client_for):
    child = make_contact(actor=personas.screener).subjects.get().person
    client = client_for(personas.screener)
    url = f"/contacts/people/{child.pk}/returns/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"sex": "U", "ethnicity": "NOBT", "disabilities": ["AUT", "COMM"],
                                 "upn_unknown": "UN2", "la_child_id": "LA12345"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.sex, child.ethnicity, child.disabilities, child.upn_unknown, child.la_child_id) == (
        "U", "NOBT", ["AUT", "COMM"], "UN2", "LA12345")
    event = AuditEvent.objects.get(action=ContactAction.PERSON_CENSUS_FACTS_RECORDED)
    assert event.actor == personas.screener and event.changes["fields"] == [
        "disabilities", "ethnicity", "la_child_id", "sex", "upn_unknown"]
    page = client.get(child.get_absolute_url()).content.decode()
    assert "Autism, Communication" in page and "LA12345" in page


@pytest.mark.django_db
@pytest.mark.parametrize("post, field", [
    ({"upn": "H801200001002"}, "upn"),
    ({"upn": GOOD_UPN, "upn_unknown": "UN1"}, "upn_unknown"),
    ({"la_child_id": "<script>x</script>"}, "la_child_id"),
    ({"ethnicity": "ZZZZ"}, "ethnicity"),
    ({"disabilities": ["NONE", "VIS"]}, "disabilities"),
])
def test_the_record_page_refuses_bad_input_and_changes_nothing(personas, client_for, post, field):
    child = make_contact(actor=personas.screener).subjects.get().person
    response = client_for(personas.manager).post(f"/contacts/people/{child.pk}/returns/", post)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    child.refresh_from_db()
    assert (child.upn, child.upn_unknown, child.la_child_id, child.ethnicity, child.disabilities) == (
        "", "", "", "", [])
    assert not AuditEvent.objects.filter(action=ContactAction.PERSON_CENSUS_FACTS_RECORDED).exists()
