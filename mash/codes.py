"""The one list of BRAG ratings and of clock stages. Every app, template tag and window uses these.

A rating is the MASH's urgency (DOMAIN.md section 4): Red (may need a child protection response), Amber
(may be a child in need), Green (early help), Blue (universal services, advice or information). Agencies'
own views on a return use the same list.
"""

from django.db import models


class Brag(models.TextChoices):
    """The MASH urgency rating, most urgent first (the declaration order is the order of urgency)."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue"


NO_RATING = ""
NO_RATING_LABEL = "No rating"

# Most urgent first; "" (no rating yet) after every rating.
BRAG_ORDER: tuple[str, ...] = (*Brag.values, NO_RATING)

# The GOV.UK tag modifier for each rating ("" is grey).
BRAG_TAG_CLASS: dict[str, str] = {
    Brag.RED: "govuk-tag--red",
    Brag.AMBER: "govuk-tag--orange",
    Brag.GREEN: "govuk-tag--green",
    Brag.BLUE: "govuk-tag--blue",
    NO_RATING: "govuk-tag--grey",
}

# A response window's rating: a rating, or "" for a window that serves any rating.
WINDOW_RATING_CHOICES = [(NO_RATING, "Any rating"), *Brag.choices]


def brag_rank(value: str) -> int:
    """Sort key: Red 0, Amber 1, Green 2, Blue 3, no rating 4, anything unknown last."""
    return BRAG_ORDER.index(value) if value in BRAG_ORDER else len(BRAG_ORDER)


def brag_label(value: str) -> str:
    return Brag(value).label if value in Brag.values else NO_RATING_LABEL


class Stage(models.TextChoices):
    """What a clock is timing. Each clocked model starts its clocks on one of these."""

    CONTACT_DECISION = "contact_decision", "Contact decision"
    BRAG_RESPONSE = "brag_response", "BRAG response"
    INFORMATION_REQUEST = "information_request", "Information request"
    # A manager's decision on a proposed rating (four eyes), timed per proposed rating.
    RATING_APPROVAL = "rating_approval", "Rating approval"


def stage_label(value: str) -> str:
    return Stage(value).label if value in Stage.values else value
