"""Finding people already known. Candidates are shown with their reasons; nobody is ever merged here.

One query, on stored keys with their own indexes (person_match_nhs, person_match_name_dob,
person_match_postcode_dob, and for the fuzzy keys person_match_birth), so a match costs the same at a
million people as at a thousand. It reads through `contacts.selectors.person_visible(user)`: a person the
user may not see is never offered; where a restricted person not granted to them may be the one described, the
candidates say only that (`Candidates.restricted`: "a restricted record may match: ask a manager").

Exact reasons (the same NHS number; the same surname, first initial and date of birth; the same postcode and
date of birth) rank before fuzzy ones: a surname and first name that sound alike (Smyth for Smith, Muhammad
for Mohammed) with the same date of birth, or the same person with the day and month of the date of birth
swapped. "Sounds alike" is either phonetic key: Soundex (which also holds most typing slips together) or
Metaphone (Catherine/Kathryn). The keys are made in one place, `contacts.identifiers.person_keys`.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db.models import Case, Q, Value, When

from mash.access import is_mash_staff

from . import identifiers, selectors
from .models import Person

NHS = ("Same NHS number", 100)
NAME_DOB = ("Same surname, first initial and date of birth", 60)
POSTCODE_DOB = ("Same postcode and date of birth", 40)
# Fuzzy: the names sound alike (or are the same), the date of birth the same or with day and month swapped.
SOUND_DOB = ("Name sounds alike and same date of birth", 20)
SWAPPED_DOB = ("Same name, but the day and month of the date of birth are swapped", 15)
SOUND_SWAPPED_DOB = ("Name sounds alike, and the day and month of the date of birth are swapped", 10)
EXACT_REASONS = frozenset({NHS[0], NAME_DOB[0], POSTCODE_DOB[0]})


RESTRICTED_MAY_MATCH = "A restricted record may match: ask a manager"


class Candidates(list):
    """The candidates `user` may see, and whether a restricted record they may not see may match too (nothing
    more is said about it: not who, not why)."""

    restricted: bool = False
    restricted_message = RESTRICTED_MAY_MATCH


@dataclass
class Candidate:
    person: Person
    reasons: list[str] = field(default_factory=list)
    score: int = 0

    @property
    def exact(self) -> bool:
        """At least one exact reason (an identifier, or name and date of birth as typed)."""
        return any(reason in EXACT_REASONS for reason in self.reasons)


def _sounds_alike(person: Person, keys: dict, part: str) -> bool:
    """Whether a person's surname (or forename) sounds like the one in `keys`, by Soundex or Metaphone."""
    return any(getattr(person, f"{part}_{kind}") == keys[f"{part}_{kind}"] and keys[f"{part}_{kind}"]
               for kind in ("sound", "phonetic"))


def sounds_like(keys: dict, part: str) -> Q:
    """The condition that a surname (or forename) sounds like the one in `keys`, by Soundex or Metaphone."""
    return Q(**{f"{part}_sound": keys[f"{part}_sound"]}) | Q(**{f"{part}_phonetic": keys[f"{part}_phonetic"]})


def _fuzzy_reason(person: Person, keys: dict, date_of_birth: date) -> tuple[str, int] | None:
    """Why `person` may be the one described though no exact key matched, or None."""
    same_name = person.surname_key == keys["surname_key"] and person.forename_key == keys["forename_key"]
    same_dob = person.date_of_birth == date_of_birth
    sounds = _sounds_alike(person, keys, "surname") and (
        _sounds_alike(person, keys, "forename") or person.forename_initial == keys["forename_initial"])
    if person.birth_key != keys["birth_key"] or not (same_name or sounds):
        return None
    if same_dob:
        return None if same_name else SOUND_DOB
    return SWAPPED_DOB if same_name else SOUND_SWAPPED_DOB


@dataclass(frozen=True)
class Described:
    """A person as typed or recorded: who to look for."""

    first_name: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    nhs_number: str = ""
    postcode: str = ""

    @cached_property
    def keys(self) -> dict:
        return identifiers.person_keys(first_name=self.first_name, last_name=self.last_name,
                                       date_of_birth=self.date_of_birth)


def _conditions(described: Described) -> tuple[Q, Q]:
    """(the exact conditions, every condition) that find candidates for one described person."""
    keys = described.keys
    surname, initial, born = keys["surname_key"], keys["forename_initial"], described.date_of_birth
    exact = Q()
    if described.nhs_number:
        exact |= Q(nhs_number=described.nhs_number)
    if surname and initial and born:
        exact |= Q(surname_key=surname, forename_initial=initial, date_of_birth=born)
    if described.postcode and born:
        exact |= Q(postcode=described.postcode, date_of_birth=born)
    conditions = exact
    if surname and initial and born:
        # Fuzzy: a surname that sounds alike, a first name that sounds alike (or the same initial), and the same
        # date of birth or the same with day and month swapped (one birth_key for both).
        conditions |= Q(birth_key=keys["birth_key"]) & sounds_like(keys, "surname") & (
            sounds_like(keys, "forename") | Q(forename_initial=initial))
    return exact, conditions


def _candidate(person: Person, described: Described) -> Candidate | None:
    """`person` as a candidate for `described`, with every reason, or None if none holds."""
    keys = described.keys
    born = described.date_of_birth
    candidate = Candidate(person=person)
    for (reason, score), hit in (
        (NHS, bool(described.nhs_number) and person.nhs_number == described.nhs_number),
        (NAME_DOB, bool(born) and person.surname_key == keys["surname_key"]
         and person.forename_initial == keys["forename_initial"] and person.date_of_birth == born),
        (POSTCODE_DOB, bool(described.postcode and born) and person.postcode == described.postcode
         and person.date_of_birth == born),
    ):
        if hit:
            candidate.reasons.append(reason)
            candidate.score += score
    if born and not candidate.reasons:
        fuzzy = _fuzzy_reason(person, keys, born)
        if fuzzy is not None:
            candidate.reasons.append(fuzzy[0])
            candidate.score += fuzzy[1]
    return candidate if candidate.reasons else None


def find_candidates_for(*, user, described: list[Described], exclude_ids: tuple[int, ...] = (),
                        limit: int = 10) -> list[Candidates]:
    """For each described person, the people `user` may see who may be them, exact reasons first, each with its
    reasons, and whether a restricted person they may not see may be them (`Candidates.restricted`). One query
    for them all (the contact page asks for every person on a contact at once)."""
    exact, conditions = Q(), Q()
    for one in described:
        one_exact, one_conditions = _conditions(one)
        exact |= one_exact
        conditions |= one_conditions
    if not conditions or not is_mash_staff(user):
        return [Candidates() for _ in described]
    people = list(
        Person.objects.filter(conditions, merged_into__isnull=True)
        .exclude(pk__in=exclude_ids)
        .select_related("allocated_worker", "allocated_team")
        # A restricted person not granted: matched, never shown.
        .annotate(hidden=Case(When(selectors.person_visible(user), then=Value(False)), default=Value(True)))
        # Exact matches first, so a crowd of sound-alikes never pushes one off the list.
        .alias(fuzzy=Case(When(exact, then=Value(0)), default=Value(1)) if exact else Value(1))
        .order_by("fuzzy", "id")[: limit * 3 * len(described)]
    )
    found = []
    for one in described:
        candidates = [c for c in (_candidate(person, one) for person in people) if c is not None]
        candidates.sort(key=lambda c: (not c.exact, -c.score, c.person.pk))
        visible = [c for c in candidates if not c.person.hidden]
        shown = Candidates(visible[:limit])
        shown.restricted = len(visible) < len(candidates)
        found.append(shown)
    return found


def find_candidates(
    *,
    user,
    first_name: str = "",
    last_name: str = "",
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
    exclude_ids: tuple[int, ...] = (),
    limit: int = 10,
) -> Candidates:
    """People `user` may see who may be the person described, exact reasons first, each with its reasons (and
    `restricted`: a restricted person they may not see may be them)."""
    described = Described(first_name=first_name, last_name=last_name, date_of_birth=date_of_birth,
                          nhs_number=nhs_number, postcode=postcode)
    return find_candidates_for(user=user, described=[described], exclude_ids=exclude_ids, limit=limit)[0]
