"""Finding a child: the search box in the header. A selector: it takes the user and reads only what they may see
(`contacts.selectors.people_visible_to`, `contacts_visible_to`).

What a person types is read as a contact reference (C-2026-000123), an NHS number (943 476 5919), a date of
birth (2/4/2019, 02-04-2019 or 2019-04-02), a postcode (AN1 1AA) and names: one name alone (a first name or a
surname: "Ruby" finds Ruby Wright and Tom Ruby), a first name then a surname, or "Surname, First name" (a comma:
KHAN, Zara); everything given must match (AND). Within each, matching is forgiving: names by how they sound
(Soundex or Metaphone, stored on Person: Smyth finds Smith, Muhammad finds Mohammed, Kathryn finds Catherine) and a date
of birth also with its day and month swapped (Person.birth_key). Exact matches rank first, and every result says
why it was found. Three queries, all on indexes: whether a restricted person the user may not see matches (from the
few restricted people), the people (at most SEARCH_LIMIT), then their contacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from mash.access import is_mash_staff
from mash.errors import Problems
from mash.rules import Text

from . import identifiers, matching, selectors
from .codes import ContactState
from .models import ContactSubject, Person

SEARCH_LIMIT = 50
QUERY = Text("q", "Name, contact reference, NHS number, date of birth or postcode", max_length=200,
             required_message="Enter a name, contact reference, NHS number, date of birth or postcode",
             too_long_message="Enter 200 characters or fewer",
             help_text="For example: Ava Smith 2/4/2019, or AN1 1AA, or C-2026-000123")

REFERENCE_RE = re.compile(r"\bC-?(\d{4})-?(\d{1,6})\b", re.IGNORECASE)
NHS_RE = re.compile(r"(?<![\d/.-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d/.-])")
UK_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
POSTCODE_RE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b", re.IGNORECASE)
NAME_RE = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")

SAME_NAME = "Same name"
SAME_SURNAME = "Same surname"
SAME_FIRST_NAME = "Same first name"
NAME_SOUNDS = "Name sounds like “{}”"
SAME_DOB = "Same date of birth"
SWAPPED_DOB = "Date of birth with the day and month swapped"
SAME_NHS = "Same NHS number"
SAME_POSTCODE = "Same postcode"
ON_CONTACT = "Named on contact {}"


@dataclass
class Terms:
    """A search as typed, read into its parts."""

    text: str
    reference: str = ""
    nhs_number: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    name: str = ""  # one name alone: a first name or a surname
    forename: str = ""
    surname: str = ""
    surname_first: bool = False  # "Khan, Zara": the surname first

    def describe(self) -> dict:
        """What was searched for, for the audit log."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


@dataclass
class Result:
    person: Person
    reasons: list[str]
    exact: bool
    open_contacts: list = field(default_factory=list)
    closed_contacts: list = field(default_factory=list)


@dataclass
class Results:
    terms: Terms
    results: list[Result]
    more: bool  # more people matched than are shown
    restricted: bool = False  # a restricted person the user may not see matches too (nothing more is said)
    restricted_message = matching.RESTRICTED_MAY_MATCH


def _date(year: str, month: str, day: str, text: str, problems: Problems) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        problems.add("q", f"“{text}” is not a real date: enter a date of birth like 2/4/2019")
        return None


def terms_read(text: str) -> Terms:
    """Read what was typed. Raises DomainError (on `q`) for what cannot be searched for."""
    problems = Problems()
    text = QUERY.check(text, problems)
    problems.raise_if_any()
    terms = Terms(text=text)
    rest = text
    if match := REFERENCE_RE.search(rest):
        terms.reference = f"C-{match[1]}-{int(match[2]):06d}"
        rest = rest.replace(match[0], " ")
    dates = [(m, (m[3], m[2], m[1])) for m in UK_DATE_RE.finditer(rest)]
    dates += [(m, (m[1], m[2], m[3])) for m in ISO_DATE_RE.finditer(rest)]
    if len(dates) > 1:
        problems.add("q", "Search for one date of birth at a time")
    elif dates:
        found, (year, month, day) = dates[0]
        terms.date_of_birth = _date(year, month, day, found[0], problems)
        rest = rest.replace(found[0], " ")
    if match := NHS_RE.search(rest):
        digits = "".join(match.groups())
        if identifiers.nhs_number_is_valid(digits):
            terms.nhs_number = digits
        else:
            problems.add("q", f"“{match[0]}” is not a valid NHS number: check the 10 digits")
        rest = rest.replace(match[0], " ")
    if match := POSTCODE_RE.search(rest):
        try:
            terms.postcode = identifiers.normalise_postcode(match[0])
        except ValidationError:
            pass  # not a postcode after all: read as words below
        else:
            rest = rest.replace(match[0], " ")
    groups = []  # the words between commas
    for part in rest.split(","):
        words = part.split()
        for word in words:
            if not NAME_RE.match(word):
                problems.add("q", f"“{word}” is not a name, contact reference, NHS number, date of birth or postcode")
        if words:
            groups.append(words)
    problems.raise_if_any()
    names = [word for words in groups for word in words]
    if len(groups) > 1:  # "Khan, Zara": the surname (all of it: "Smith Jones, Ava"), then the first name
        terms.surname, terms.forename, terms.surname_first = " ".join(groups[0]), groups[1][0], True
    elif len(names) == 1:
        terms.name = names[0]
    elif names:
        terms.forename, terms.surname = names[0], names[-1]
    return terms


def _keys(forename: str, surname: str) -> dict:
    return identifiers.person_keys(first_name=forename, last_name=surname, date_of_birth=None)


def _name_conditions(terms: Terms) -> tuple[Q, list]:
    """Names that sound alike (exact ones too: the same letters sound the same), and how exact each is. Each part
    is on an index (the sound keys lead one each: contacts.models.Person)."""
    if terms.name:  # a first name or a surname
        keys = _keys(terms.name, terms.name)
        condition = matching.sounds_like(keys, "surname") | matching.sounds_like(keys, "forename")
        exact = Q(surname_key=keys["surname_key"]) | Q(forename_key=keys["forename_key"])
    else:
        keys = _keys(terms.forename, terms.surname)
        condition = matching.sounds_like(keys, "surname")
        exact = Q(surname_key=keys["surname_key"])
        if len(keys["forename_key"]) == 1:  # an initial
            condition &= Q(forename_initial=keys["forename_initial"])
        else:
            condition &= matching.sounds_like(keys, "forename")
            exact &= Q(forename_key=keys["forename_key"])
    return condition, [Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField())]


def _exact_first(people, terms: Terms, limit: int):
    """A name alone: the people named it exactly, and those whose names sound like it only if the exact ones do
    not fill the page. A common first name sounds like tens of thousands at 1M people (J500: John, Jane, Joan,
    Jenny ...): read and sorted only when they could be shown. One statement: the sound-alikes' part is skipped by
    the database when more than `limit` are named it exactly (PostgreSQL: a one-time filter)."""
    keys = _keys(terms.name, terms.name)
    # Exactly, as the indexes read it: the surname's key leads person_match_name_dob, the first name's its sound.
    exact = people.filter(Q(surname_key=keys["surname_key"]) | Q(
        forename_sound=keys["forename_sound"], forename_key=keys["forename_key"]))
    condition, _ = _name_conditions(terms)
    page_full = Exists(exact.order_by()[limit:limit + 1])
    return people.filter(pk__in=exact.values("pk").union(
        people.filter(condition).filter(~page_full).values("pk"), all=True))


def people_search(*, user, text: str, limit: int = SEARCH_LIMIT) -> Results:
    """The people `user` may see who match what was typed, exact matches first, each with why it was found, and
    their open and closed contacts. Raises DomainError for a search that cannot be read."""
    terms = terms_read(text)
    # Everyone matching what was typed; shown, those the user may see; of a restricted person they may not see,
    # only that a restricted record may match (selectors.people_hidden_from).
    # Not merged, as a condition no index serves: nearly everyone is unmerged, yet SQLite (no statistics) would walk
    # the merged_into index, every person, rather than the keys' indexes.
    people = (Person.objects if is_mash_staff(user) else Person.objects.none()).alias(
        merged=Coalesce("merged_into", Value(0))).filter(merged=0)
    unnamed = people
    penalties = []
    if terms.name or terms.surname:
        condition, name_penalty = _name_conditions(terms)
        people = people.filter(condition)
        penalties += name_penalty
    if terms.date_of_birth:
        people = people.filter(birth_key=identifiers.birth_key(terms.date_of_birth))
        penalties.append(Case(When(date_of_birth=terms.date_of_birth, then=Value(0)), default=Value(1),
                              output_field=IntegerField()))
    if terms.nhs_number:
        people = people.filter(nhs_number=terms.nhs_number)
    if terms.postcode:
        people = people.filter(postcode=terms.postcode)
    if terms.reference:
        people = people.filter(
            pk__in=ContactSubject.objects.filter(
                contact__in=selectors.contacts_visible_to(user).filter(reference=terms.reference)
            ).values("person_id")
        )
    rank = sum(penalties[1:], penalties[0]) if penalties else Value(0)
    restricted = people.filter(pk__in=selectors.people_hidden_from(user)).exists() if is_mash_staff(user) else False
    if terms.name and not (terms.date_of_birth or terms.nhs_number or terms.postcode or terms.reference):
        people = _exact_first(unnamed.filter(selectors.person_visible(user)), terms, limit)
    people = people.filter(selectors.person_visible(user))
    order = ("rank", "last_name", "first_name", "date_of_birth", "id")
    # The page is chosen first, then only its people are joined to their allocated worker and team (joined before
    # the limit, every person matching a common surname was: thousands of joins for a page of 50). One statement.
    page = people.annotate(rank=rank).order_by(*order).values("pk")[: limit + 1]
    found = list(Person.objects.filter(pk__in=page).select_related("allocated_worker", "allocated_team")
                 .annotate(rank=rank).order_by(*order))
    more = len(found) > limit
    found = found[:limit]
    results = [Result(person=p, reasons=reasons, exact=exact)
               for p in found for reasons, exact in [_reasons(p, terms)]]
    _attach_contacts(results, user)
    return Results(terms=terms, results=results, more=more, restricted=restricted)


def _reasons(person: Person, terms: Terms) -> tuple[list[str], bool]:
    """Why `person` was found, and whether every reason is exact (no sound-alike name, no swapped date)."""
    reasons, exact = [], True
    if terms.reference:
        reasons.append(ON_CONTACT.format(terms.reference))
    if terms.nhs_number:
        reasons.append(SAME_NHS)
    if terms.name:
        keys = _keys(terms.name, terms.name)
        if person.surname_key == keys["surname_key"]:
            reasons.append(SAME_SURNAME)
        elif person.forename_key == keys["forename_key"]:
            reasons.append(SAME_FIRST_NAME)
        else:
            reasons.append(NAME_SOUNDS.format(terms.name))
            exact = False
    elif terms.surname:
        keys = _keys(terms.forename, terms.surname)
        if person.surname_key == keys["surname_key"] and (
                person.forename_key == keys["forename_key"] or len(keys["forename_key"]) == 1):
            reasons.append(SAME_NAME)
        else:
            typed = f"{terms.surname}, {terms.forename}" if terms.surname_first else f"{terms.forename} {terms.surname}"
            reasons.append(NAME_SOUNDS.format(typed))
            exact = False
    if terms.date_of_birth:
        same = person.date_of_birth == terms.date_of_birth
        reasons.append(SAME_DOB if same else SWAPPED_DOB)
        exact = exact and same
    if terms.postcode:
        reasons.append(SAME_POSTCODE)
    return reasons, exact


def _attach_contacts(results: list[Result], user) -> None:
    """Each person's contacts that `user` may see, newest first, open and closed apart. One query."""
    if not results:
        return
    by_person: dict[int, Result] = {r.person.pk: r for r in results}
    subjects = (
        ContactSubject.objects.filter(selectors.visible_through(user, "contact"), person_id__in=list(by_person))
        .select_related("contact", "contact__outcome")
        .only("id", "person_id", "role", "contact__id", "contact__reference", "contact__received_at",
              "contact__state", "contact__rating", "contact__outcome__id", "contact__outcome__kind")
        .order_by("-contact__received_at", "-contact_id")
    )
    for subject in subjects:
        result = by_person[subject.person_id]
        if subject.contact.state == ContactState.CLOSED:
            result.closed_contacts.append(subject)
        else:
            result.open_contacts.append(subject)

