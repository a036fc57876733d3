"""National identifiers and the normalised keys people are matched on (see DOMAIN.md section 7)."""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError

POSTCODE_RE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_WEIGHTS = range(10, 1, -1)


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check digit; repeated-digit numbers (0000000000 ...) pass the sum but are refused."""
    if not re.fullmatch(r"\d{10}", digits) or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def normalise_nhs_number(value: str) -> str:
    """'943 476 5919' -> '9434765919'; '' stays ''. Raises ValidationError on an invalid number."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits:
        return ""
    if not nhs_number_is_valid(digits):
        raise ValidationError("Enter a valid 10-digit NHS number, like 943 476 5919", code="nhs_number")
    return digits


def normalise_postcode(value: str) -> str:
    """Upper-case, one space before the last three characters; '' stays ''. Raises on a bad format."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return ""
    if not POSTCODE_RE.match(compact):
        raise ValidationError("Enter a real postcode, like SW1A 1AA", code="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def name_key(value: str) -> str:
    """A name as matching sees it: accents folded, letters only, lower case ('O'Brien-Smith' -> 'obriensmith')."""
    folded = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


# --- the keys a person is found by (stored on Person, indexed; see contacts.matching and contacts.search) -------

def name_sound(value: str) -> str:
    """How a name sounds, as American Soundex (jellyfish): the first letter and three consonant classes.

    It holds spelling variants and most typing slips together (Smith/Smyth, Mohammed/Muhammad, Jonhson/Johnson),
    at the price of some names that merely sound alike (Smith/Schmidt): a match on it is shown as "sounds like",
    ranked after exact matches, never taken as the same person. '' for a name with no letters.
    """
    import jellyfish

    key = name_key(value)
    return jellyfish.soundex(key) if key else ""


# Three sounds Metaphone keeps apart that English names do not: "th" said as "t" before "om"/"am" (Thomas, Thompson:
# Double Metaphone's own rule), the "p" heard or not between "m" and "s" or "t" (Thompson/Thomson/Tomson,
# Simpson/Simson, Sampson/Samson), and the silent "gh" after "u", which Metaphone hears as "k" before a vowel
# (Hughes/Hughs/Hughson/Hewson, Vaughan/Vaughn, Pughe/Pugh, Laughton/Lawton).
_PHONETIC_SPELLINGS = ((re.compile(r"th(?=[oa]m)"), "t"), (re.compile(r"mp(?=[st])"), "m"),
                       (re.compile(r"(?<=u)gh"), ""))


def name_phonetic(value: str) -> str:
    """How a name is pronounced, as Metaphone (jellyfish), cut to 12 letters: it holds together what Soundex
    splits (Catherine/Kathryn, Bankes/Banks, Leigh/Lee, and with the spellings above Tomson/Thompson and
    Hughs/Hughes), and
    splits some Soundex holds (most typing slips), so the two are kept side by side. '' for a name with no
    letters."""
    import jellyfish

    key = name_key(value)
    for spelling, sound in _PHONETIC_SPELLINGS:
        key = spelling.sub(sound, key)
    return jellyfish.metaphone(key)[:12] if key else ""


def birth_key(born: date | None) -> date | None:
    """A date of birth with its day and month in order (the smaller first), so that a date with the two swapped
    (2 April as 4 February: 02/04 typed as 04/02) has the same key. A day past the 12th cannot be a month: the
    date is its own key. None stays None."""
    if born is None:
        return None
    if born.day > 12 or born.day == born.month:
        return born
    low, high = sorted((born.day, born.month))
    return date(born.year, low, high)


def person_keys(*, first_name: str, last_name: str, date_of_birth: date | None) -> dict:
    """Every stored match key of a person, computed here only (Person.refresh_match_keys, seed_bench, the search
    and the match all use it): exact keys (letters only), two phonetic keys (Soundex, Metaphone) and the
    date-swap key beside them."""
    surname, forename = name_key(last_name), name_key(first_name)
    return {
        "surname_key": surname[:100],
        "forename_key": forename[:100],
        "forename_initial": forename[:1],
        "surname_sound": name_sound(last_name),
        "forename_sound": name_sound(first_name),
        "surname_phonetic": name_phonetic(last_name),
        "forename_phonetic": name_phonetic(first_name),
        "birth_key": birth_key(date_of_birth),
    }
