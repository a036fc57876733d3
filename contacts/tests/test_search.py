"""Find a child: names that sound alike, swapped dates, identifiers; exact first; reasons; audited; never merges."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import identifiers, matching, search
from contacts.models import Contact, Person
from contacts.services import SubjectInput, contact_create
from mash.errors import DomainError
from mash.models import AuditEvent

from .factories import contact_post, make_contact

pytestmark = pytest.mark.django_db


def person(first, last, born=None, **extra):
    return Person.objects.create(first_name=first, last_name=last, date_of_birth=born, **extra)


def found(user, text):
    return [(r.person, r.exact, r.reasons) for r in search.people_search(user=user, text=text).results]


def test_keys_are_made_in_one_place_and_stored():
    ava = person("Ava", "O'Smith-Jones", date(2019, 4, 2))
    assert identifiers.person_keys(first_name="Ava", last_name="O'Smith-Jones", date_of_birth=date(2019, 4, 2)) == {
        "surname_key": "osmithjones", "forename_key": "ava", "forename_initial": "a", "surname_sound": "O253",
        "forename_sound": "A100", "surname_phonetic": "OSM0JNS", "forename_phonetic": "AF",
        "birth_key": date(2019, 2, 4),
    }
    stored = Person.objects.values("surname_key", "forename_key", "surname_sound", "forename_sound", "birth_key").get(
        pk=ava.pk)
    assert stored["surname_sound"] == "O253" and stored["birth_key"] == date(2019, 2, 4)
    # A day past the 12th cannot be a month: the date is its own key.
    assert identifiers.birth_key(date(2019, 4, 20)) == date(2019, 4, 20)
    assert identifiers.birth_key(date(2019, 2, 4)) == identifiers.birth_key(date(2019, 4, 2))


def test_smyth_finds_smith_with_the_reason_and_exact_first(personas):
    smith = person("Ava", "Smith", date(2019, 4, 2))
    smyth = person("Ava", "Smyth", date(2018, 1, 30))
    other = person("Ava", "Jones", date(2019, 4, 2))
    results = found(personas.screener, "Smyth")
    assert [p for p, _, _ in results] == [smyth, smith]
    assert results[0][1:] == (True, ["Same surname"])
    assert results[1][1:] == (False, ["Name sounds like “Smyth”"])
    assert other not in [p for p, _, _ in found(personas.screener, "ava smyth")]


def test_mohammed_finds_muhammad_and_a_swapped_date_of_birth(personas):
    exact = person("Mohammed", "Ali", date(2016, 3, 7))
    variant = person("Muhammad", "Aly", date(2016, 7, 3))  # the day and month swapped
    person("Mohammed", "Ali", date(2016, 3, 8))  # another day: not him
    results = found(personas.screener, "Mohammed Ali 7/3/2016")
    assert [p for p, _, _ in results] == [exact, variant]
    assert results[0][1:] == (True, ["Same name", "Same date of birth"])
    assert results[1][1:] == (False, ["Name sounds like “Mohammed Ali”",
                                      "Date of birth with the day and month swapped"])
    # An ISO date reads the same.
    assert [p for p, _, _ in found(personas.screener, "2016-03-07")] == [exact, variant]


def test_either_phonetic_key_finds_a_variant(personas):
    catherine = person("Catherine", "Banks", date(2015, 6, 20))  # Soundex splits these; Metaphone holds them
    person("Kate", "Jones", date(2015, 6, 20))
    assert [(p, exact) for p, exact, _ in found(personas.screener, "Kathryn Bankes")] == [(catherine, False)]
    assert [p for p, _, _ in found(personas.screener, "Kathrin Banks 20/6/2015")] == [catherine]  # a typo


def test_tomson_finds_thompson_after_an_exact_tomson(personas):
    """Metaphone alone keeps these apart (TH, and the P of MPS): the phonetic key hears them alike (issue 11)."""
    thompson = person("Ava", "Thompson", date(2016, 3, 7))
    thomson = person("Ben", "Thomson", date(2012, 1, 20))
    tomson = person("Cal", "Tomson", date(2014, 5, 30))
    person("Dee", "Tate", date(2016, 3, 7))  # a T: not a sound-alike
    results = found(personas.screener, "Tomson")
    assert results[0] == (tomson, True, ["Same surname"])  # the exact one first
    assert {p for p, exact, _ in results[1:]} == {thompson, thomson} and not any(e for _, e, _ in results[1:])
    assert found(personas.screener, "Ava Tomson 7/3/2016") == [(thompson, False, ["Name sounds like “Ava Tomson”",
                                                                                   "Same date of birth"])]
    # Matching a new contact's child the same way: a sound-alike, shown with its reason, never merged.
    candidates = matching.find_candidates(user=personas.screener, first_name="Ava", last_name="Tomson",
                                          date_of_birth=date(2016, 3, 7))
    assert [(c.person, c.reasons) for c in candidates] == [(thompson, [matching.SOUND_DOB[0]])]


def test_one_name_alone_finds_first_names_and_surnames_exact_first(personas):
    """A name alone is a first name or a surname: "Ruby" found nobody when it was read as a surname only, and a
    false "Nobody matches" invites a duplicate record."""
    ruby = person("Ruby", "Wright", date(2017, 5, 2))
    jade = person("Jade", "Khan", date(2016, 1, 20))
    tom_ruby = person("Tom", "Ruby", date(2015, 3, 3))
    rubie = person("Rubie", "Shaw", date(2014, 8, 14))  # sounds alike
    person("Rose", "Jones", date(2017, 5, 2))
    results = found(personas.screener, "Ruby")
    assert results[:2] == [(tom_ruby, True, ["Same surname"]), (ruby, True, ["Same first name"])]
    assert results[2:] == [(rubie, False, ["Name sounds like “Ruby”"])]
    assert [p for p, _, _ in found(personas.screener, "jade")] == [jade]
    assert found(personas.screener, "Ruby 2/5/2017") == [(ruby, True, ["Same first name", "Same date of birth"])]
    assert [p for p, _, _ in found(personas.screener, "Wright 2/5/2017")] == [ruby]


def test_a_name_alone_reads_sound_alikes_only_if_the_exact_ones_do_not_fill_the_page(personas):
    """A common first name sounds like tens of thousands (J500: John, Jane, Joan ...): they are read only when they
    could be shown, after every exact one."""
    rubies = [person("Ruby", last, date(2017, 5, 2)) for last in ("Adams", "Brown", "Cole")]
    rubie = person("Rubie", "Able", date(2014, 8, 14))
    page = search.people_search(user=personas.screener, text="Ruby", limit=2)
    assert [r.person for r in page.results] == rubies[:2] and page.more
    page = search.people_search(user=personas.screener, text="Ruby", limit=3)
    assert [r.person for r in page.results] == rubies and page.more  # and the sound-alike after them
    page = search.people_search(user=personas.screener, text="Ruby", limit=4)
    assert [r.person for r in page.results] == [*rubies, rubie] and not page.more


def test_surname_comma_first_name(personas):
    zara = person("Zara", "Khan", date(2016, 1, 20))
    khan = person("Khan", "Zara", date(2010, 1, 1))  # the same two names the other way round
    person("Zara", "Jones", date(2016, 1, 20))
    assert found(personas.screener, "Khan, Zara") == [(zara, True, ["Same name"])]
    assert found(personas.screener, "KHAN, Zarah 20/1/2016") == [
        (zara, False, ["Name sounds like “KHAN, Zarah”", "Same date of birth"])]
    assert found(personas.screener, "Khan Zara") == [(khan, True, ["Same name"])]  # no comma: first name first
    smith_jones = person("Ava", "Smith-Jones", date(2019, 4, 2))
    assert [p for p, _, _ in found(personas.screener, "Smith Jones, Ava")] == [smith_jones]
    terms = search.terms_read("Khan, Zara 20/1/2016")
    assert (terms.surname, terms.forename, terms.surname_first, terms.name) == ("Khan", "Zara", True, "")


@pytest.mark.parametrize("text", ["Ruby", "Ruby 2/5/2017", "Zara Khan", "Khan, Zara", "Z Khan"])
def test_names_are_an_index_lookup(personas, text):
    """Each arm of the name condition has an index leading with its key (the surname's keys lead the pair indexes,
    the first name's their own, migration 0021): among a few thousand people, never a scan of them all."""
    firsts = ["Ava", "Ben", "Cal", "Dee", "Eli", "Fay", "Gus", "Ivy", "Max", "Noa"]
    lasts = ["Smith", "Jones", "Brown", "Patel", "Evans", "Lewis", "Clark", "Young", "Moore", "Baker"]
    people = [Person(first_name=f"{firsts[i % 10]}{'abcdefghij'[i // 10 % 10]}", last_name=f"{lasts[i // 100 % 10]}"
                     f"{'klmnopqrst'[i // 1000]}", date_of_birth=date(2010 + i % 10, 1 + i % 12, 1 + i % 28))
              for i in range(3000)]
    for one in people:
        one.refresh_match_keys()
    Person.objects.bulk_create(people)
    person("Ruby", "Wright", date(2017, 5, 2))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_person")
    with CaptureQueriesContext(connection) as queries:
        search.people_search(user=personas.screener, text=text)
    people_query = next(q["sql"] for q in queries.captured_queries if 'FROM "contacts_person"' in q["sql"]
                        and "ORDER BY" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {people_query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on contacts_person" not in plan, plan


def test_hughs_finds_hughes(personas):
    """Soundex splits these (H200, H220), and Metaphone heard the "gh" before a vowel as "k": it is silent after
    "u" now (contacts.identifiers.name_phonetic), for the search and the match alike."""
    hughes = person("Ava", "Hughes", date(2016, 3, 7))
    vaughan = person("Ben", "Vaughan", date(2015, 1, 20))
    assert identifiers.name_phonetic("Hughs") == identifiers.name_phonetic("Hughes") == "HS"
    assert found(personas.screener, "Hughs") == [(hughes, False, ["Name sounds like “Hughs”"])]
    assert [p for p, _, _ in found(personas.screener, "Ben Vaughn")] == [vaughan]
    candidates = matching.find_candidates(user=personas.screener, first_name="Ava", last_name="Hughs",
                                          date_of_birth=date(2016, 3, 7))
    assert [c.person for c in candidates] == [hughes]


def test_identifiers_postcode_and_reference(personas):
    contact = make_contact(personas.screener)
    child = contact.subjects.get().person
    Person.objects.filter(pk=child.pk).update(nhs_number="9434765919", postcode="AN1 1AA")
    neighbour = person("Zed", "Zulu", date(2015, 1, 1), postcode="AN1 1AA")
    assert found(personas.screener, "943 476 5919")[0][:2] == (child, True)
    assert {p for p, _, _ in found(personas.screener, "an11aa")} == {child, neighbour}
    by_reference = found(personas.screener, contact.reference.lower())
    assert by_reference == [(child, True, [f"Named on contact {contact.reference}"])]


def test_results_show_age_address_and_open_and_closed_contacts(personas, client_for):
    first = make_contact(personas.screener)
    child = first.subjects.get().person
    child.first_name, child.last_name, child.address, child.postcode = "Ava", "Brown", "1 High Street", "AN1 1AA"
    child.save()
    later = contact_create(actor=personas.screener, received_at=first.received_at, channel="phone",
                           referrer_name="R", referral_source="2A", concern="Again.", consent_answer="given",
                           children=[SubjectInput(first_name="x", last_name="y", person_id=child.pk)])
    Contact.objects.filter(pk=first.pk).update(state="closed")
    html = client_for(personas.screener).get("/contacts/search/", {"q": "Ava Brown"}).content.decode()
    row = re.search(r'data-testid="search-result".*?</tr>', html, re.S)[0]
    assert "1 High Street" in row and "AN1 1AA" in row and "age " in row
    assert later.reference in re.search(r'data-testid="open-contacts".*?</ul>', row, re.S)[0]
    assert first.reference in re.search(r'data-testid="closed-contacts".*?</ul>', row, re.S)[0]
    assert "Exact match" in row


def test_every_search_is_audited_with_who_and_what(personas, client_for):
    person("Ava", "Smith", date(2019, 4, 2))
    client_for(personas.manager).get("/contacts/search/", {"q": "Smyth 2/4/2019"})
    event = AuditEvent.objects.get(action="people.searched")
    assert event.actor == personas.manager
    assert event.changes == {"text": "Smyth 2/4/2019", "name": "Smyth", "date_of_birth": "2019-04-02",
                             "found": 1, "more": False}


@pytest.mark.parametrize(("text", "message"), [
    ("", "Enter a name, contact reference, NHS number, date of birth or postcode"),
    ("x" * 10_000, "Enter 200 characters or fewer"),
    ("<script>alert(1)</script>", "Remove the HTML tags"),
    ("Ava 31/2/2019", "“31/2/2019” is not a real date"),
    ("943 476 5918", "“943 476 5918” is not a valid NHS number"),
    ("Ava 1/1/2019 2/2/2019", "Search for one date of birth at a time"),
    ("Ava 12345", "“12345” is not a name"),
])
def test_bad_searches_say_why_and_record_nothing(personas, client_for, text, message):
    response = client_for(personas.screener).get("/contacts/search/", {"q": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="people.searched").exists()


def test_search_never_merges_and_never_shows_a_merged_record(personas):
    keep = person("Ava", "Smith", date(2019, 4, 2))
    merged = person("Ava", "Smith", date(2019, 4, 2), merged_into=keep)
    twin = person("Ava", "Smyth", date(2019, 4, 2))
    results = found(personas.screener, "Ava Smith")
    assert [p for p, _, _ in results] == [keep, twin]
    assert Person.objects.filter(merged_into__isnull=False).get() == merged  # nothing else merged


def test_search_is_for_the_mash_only(personas):
    person("Ava", "Smith", date(2019, 4, 2))
    assert found(personas.police_partner, "Smith") == []
    with pytest.raises(DomainError):
        search.people_search(user=personas.screener, text="   ")


def test_a_search_is_three_queries_however_many_match(personas):
    from mash.access import is_mash_staff

    for i in range(30):
        contact = make_contact(personas.screener, children=2)
        Person.objects.filter(subject_of__contact=contact).update(last_name="Smith" if i % 2 else "Smyth")
    for p in Person.objects.all():
        p.save()  # keys
    assert is_mash_staff(personas.screener)  # the user's roles, read once a request (the access checks read them)
    with CaptureQueriesContext(connection) as queries:
        results = search.people_search(user=personas.screener, text="Smith")
    # 1 whether a restricted person not granted matches (from the few restricted), 2 the people (with allocated
    # worker and team), 3 their contacts (visible ones, with outcomes)
    assert len(queries.captured_queries) == 3
    assert len(results.results) == 50 and results.more
    assert all(r.exact for r in results.results[:30]) and not results.results[-1].exact


def test_too_many_matches_say_so(personas, client_for):
    for name in ("Ava", "Bea", "Cat"):
        person(name, "Smith", date(2019, 4, 2))
    html = client_for(personas.screener).get("/contacts/search/", {"q": "Smith"}).content.decode()
    assert "3 people match" in html
    search_limit = search.SEARCH_LIMIT
    try:
        search.SEARCH_LIMIT = 2
        results = search.people_search(user=personas.screener, text="Smith", limit=2)
    finally:
        search.SEARCH_LIMIT = search_limit
    assert results.more and len(results.results) == 2


# --- the match while recording a contact: exact before fuzzy, never merged ------------------------------------


def test_match_ranks_exact_before_fuzzy_and_gives_the_reasons(personas):
    exact = person("Ava", "Smith", date(2019, 4, 2))
    sounds = person("Ava", "Smyth", date(2019, 4, 2))
    swapped = person("Ava", "Smith", date(2019, 2, 4))
    person("Ava", "Smith", date(2019, 2, 5))  # not a match: another day
    person("Bob", "Smith", date(2019, 4, 2))  # not a match: another first name
    found_ = matching.find_candidates(user=personas.screener, first_name="Ava", last_name="Smith",
                                      date_of_birth=date(2019, 4, 2))
    assert [(c.person, c.exact, c.reasons) for c in found_] == [
        (exact, True, ["Same surname, first initial and date of birth"]),
        (sounds, False, ["Name sounds alike and same date of birth"]),
        (swapped, False, ["Same name, but the day and month of the date of birth are swapped"]),
    ]
    muhammad = person("Muhammad", "Aly", date(2016, 7, 3))
    found_ = matching.find_candidates(user=personas.screener, first_name="Mohammed", last_name="Ali",
                                      date_of_birth=date(2016, 3, 7))
    assert [(c.person, c.reasons) for c in found_] == [
        (muhammad, ["Name sounds alike, and the day and month of the date of birth are swapped"])]
    assert matching.find_candidates(user=personas.police_partner, first_name="Ava", last_name="Smith",
                                    date_of_birth=date(2019, 4, 2)) == []


def test_match_is_one_query(personas):
    person("Ava", "Smith", date(2019, 4, 2), nhs_number="9434765919", postcode="AN1 1AA")
    from mash.access import is_mash_staff

    assert is_mash_staff(personas.screener)  # the user's roles, read once a request
    with CaptureQueriesContext(connection) as queries:
        found_ = matching.find_candidates(user=personas.screener, first_name="Ava", last_name="Smyth",
                                          date_of_birth=date(2019, 4, 2), nhs_number="9434765919",
                                          postcode="AN1 1AA")
    assert len(queries.captured_queries) == 1
    assert found_[0].reasons == ["Same NHS number", "Same postcode and date of birth"]


def test_a_fuzzy_match_is_offered_when_recording_and_never_linked_on_its_own(personas, client_for):
    known = person("Ava", "Smith", date(2019, 4, 2))
    client = client_for(personas.screener)
    post = contact_post(children=[{"first_name": "Ava", "last_name": "Smyth", "date_of_birth": "2019-04-02"}])
    first = client.post("/contacts/new/", post)
    html = first.content.decode()
    assert first.status_code == 400 and "Name sounds alike and same date of birth" in html
    assert f'value="{known.pk}"' in html
    client.post("/contacts/new/", {**post, "children-0-match": "new"})
    contact = Contact.objects.get()
    assert contact.subjects.get().person != known
    assert not Person.objects.filter(merged_into__isnull=False).exists()
