"""National identifiers and the normalised keys people are matched on (see DOMAIN.md section 7)."""

import re
import unicodedata

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
