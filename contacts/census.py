"""What the national returns need to know about a child, and the rules for it (DOMAIN.md section 3; the CIN census
schema for 2025/26, vendored at reports/specs/CIN_schema_2026.xsd). Field names follow the census: Sex (M/F/U,
since 2024/25 in place of GenderCurrent), Ethnicity, Disability, UPN or UPNunknown, LAchildID.

Every fact is optional: a contact is never refused because a child's ethnicity or UPN is not known yet. What is
given must be right, and a wrong value is refused on its own field (`DomainError(field=...)`).
"""

from __future__ import annotations

import re

from django.db import models

from mash.errors import DomainError, Problems
from mash.rules import Choice, choices_check


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known or not recorded"


class Ethnicity(models.TextChoices):
    """The DfE's 18 ethnicity codes, then refused and not yet obtained."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Caribbean"
    BAFR = "BAFR", "African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Disability(models.TextChoices):
    NONE = "NONE", "No disability"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Autism"
    DDA = "DDA", "Other"


class UpnUnknown(models.TextChoices):
    """Why a child has no UPN (CIN census UPNunknown)."""

    UN1 = "UN1", "UN1 Child is now adopted"
    UN2 = "UN2", "UN2 Child has never attended school or early years setting"
    UN3 = "UN3", "UN3 Child is educated outside England"
    UN4 = "UN4", "UN4 Child is newly arrived and UPN not yet issued"
    UN5 = "UN5", "UN5 Sources collating UPNs reflect a discrepancy"
    UN6 = "UN6", "UN6 Child aged under 6 and not yet in school"
    UN7 = "UN7", "UN7 Referral with no further action"


# --- the rules -----------------------------------------------------------------------------------------------

# The check letter's alphabet: A to Z without I, O and S (DfE "Unique pupil numbers" guidance). A temporary UPN
# ends in a letter from the same alphabet in place of its last digit.
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
UPN_RE = re.compile(rf"[{UPN_ALPHABET}]\d{{11}}[\d{UPN_ALPHABET}]")
UPN_FORMAT = "Enter a UPN of 13 characters: a letter, 11 digits, then a digit or letter, like A123456789012"
UPN_CHECK_LETTER = "The UPN's first letter does not match the rest of the number: check it was copied correctly"
UPN_AND_REASON = "Give a UPN or the reason it is not known, not both"
LA_CHILD_ID_INVALID = "The local child ID must be letters and digits only, 20 characters or fewer"
DISABILITIES_INVALID = "Select disabilities from the list"
NONE_AND_DISABILITY = "Select 'No disability' on its own, or the disabilities the child has"

SEX = Choice("sex", "Sex", tuple(Sex.choices), required=False, required_message="",
             invalid_message="Select the child's sex from the list")
ETHNICITY = Choice("ethnicity", "Ethnicity", tuple(Ethnicity.choices), required=False, required_message="",
                   invalid_message="Select the child's ethnicity from the list")
UPN_UNKNOWN = Choice("upn_unknown", "Why the UPN is not known", tuple(UpnUnknown.choices), required=False,
                     required_message="", invalid_message="Select why the UPN is not known from the list")


def upn_check_letter(body: str) -> str:
    """The check letter for a UPN's last 12 characters: each times its position (2 to 13), summed, modulo 23."""
    total = 0
    for position, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else UPN_ALPHABET.index(char)
        total += value * position
    return UPN_ALPHABET[total % 23]


def upn_check(value, *, field: str = "upn") -> str:
    """A UPN as stored: trimmed, spaces removed, upper case; '' stays ''. Raises DomainError on `field` when the
    format or the check letter is wrong."""
    upn = re.sub(r"\s+", "", "" if value is None else str(value)).upper()
    if not upn:
        return ""
    if not UPN_RE.fullmatch(upn):
        raise DomainError(UPN_FORMAT, field=field)
    if upn_check_letter(upn[1:]) != upn[0]:
        raise DomainError(UPN_CHECK_LETTER, field=field)
    return upn


def la_child_id_check(value, *, field: str = "la_child_id") -> str:
    value = "" if value is None else str(value).strip()
    if value and not re.fullmatch(r"[A-Za-z0-9]{1,20}", value):
        raise DomainError(LA_CHILD_ID_INVALID, field=field)
    return value


def census_facts_clean(*, sex="", ethnicity="", disabilities=(), upn="", upn_unknown="", la_child_id="",
                       problems: Problems, prefix: str = "") -> dict:
    """The census facts about one child, cleaned; every problem added to `problems` on its field (`prefix` names a
    person within a form, like 'children-0-'). All are optional."""

    def at(name):
        return f"{prefix}{name}"

    clean = {
        "sex": SEX.check(sex, problems, field=at("sex")),
        "ethnicity": ETHNICITY.check(ethnicity, problems, field=at("ethnicity")),
        "disabilities": choices_check(disabilities, Disability.values, problems, field=at("disabilities"),
                                      message=DISABILITIES_INVALID),
        "upn_unknown": UPN_UNKNOWN.check(upn_unknown, problems, field=at("upn_unknown")),
    }
    if Disability.NONE in clean["disabilities"] and len(clean["disabilities"]) > 1:
        problems.add(at("disabilities"), NONE_AND_DISABILITY)
    for name, check in (("upn", upn_check), ("la_child_id", la_child_id_check)):
        value = upn if name == "upn" else la_child_id
        try:
            clean[name] = check(value, field=at(name))
        except DomainError as error:
            problems.extend(error.errors)
            clean[name] = ""
    if clean["upn"] and clean["upn_unknown"]:
        problems.add(at("upn_unknown"), UPN_AND_REASON)
    return clean
