"""Finding people already known. Candidates are shown with their reasons; nobody is ever merged here.

One query, on stored keys with their own indexes (person_match_nhs, person_match_name_dob,
person_match_postcode_dob), so a match costs the same at a million people as at a thousand.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from . import identifiers
from .models import Person

NHS = ("Same NHS number", 100)
NAME_DOB = ("Same surname, first initial and date of birth", 60)
POSTCODE_DOB = ("Same postcode and date of birth", 40)


@dataclass
class Candidate:
    person: Person
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def find_candidates(
    *,
    first_name: str = "",
    last_name: str = "",
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
    exclude_ids: tuple[int, ...] = (),
    limit: int = 10,
) -> list[Candidate]:
    surname = identifiers.name_key(last_name)
    initial = identifiers.name_key(first_name)[:1]
    conditions = Q()
    if nhs_number:
        conditions |= Q(nhs_number=nhs_number)
    if surname and initial and date_of_birth:
        conditions |= Q(surname_key=surname, forename_initial=initial, date_of_birth=date_of_birth)
    if postcode and date_of_birth:
        conditions |= Q(postcode=postcode, date_of_birth=date_of_birth)
    if not conditions:
        return []
    people = (
        Person.objects.filter(conditions, merged_into__isnull=True)
        .exclude(pk__in=exclude_ids)
        .select_related("allocated_worker", "allocated_team")
        .order_by("id")[: limit * 3]
    )
    candidates = []
    for person in people:
        candidate = Candidate(person=person)
        for (reason, score), hit in (
            (NHS, bool(nhs_number) and person.nhs_number == nhs_number),
            (NAME_DOB, bool(date_of_birth) and person.surname_key == surname
             and person.forename_initial == initial and person.date_of_birth == date_of_birth),
            (POSTCODE_DOB, bool(postcode and date_of_birth) and person.postcode == postcode
             and person.date_of_birth == date_of_birth),
        ):
            if hit:
                candidate.reasons.append(reason)
                candidate.score += score
        if candidate.reasons:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, c.person.pk))
    return candidates[:limit]
