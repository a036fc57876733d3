"""What each BRAG rating means and how long it allows, read from the council's own configuration: the threshold
document's levels (each level's usual rating) and the response windows an administrator sets. Shown beside the
rating options on the screening, decision and revision forms, so the person choosing sees the consequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mash.clock import Unit
from mash.codes import Brag, Stage
from mash.models import ResponseWindow

from .models import LevelOfNeed, ThresholdDocument

UNIT_WORDS = {
    Unit.CLOCK_HOURS: ("hour", "hours"),
    Unit.WORKING_HOURS: ("working hour", "working hours"),
    Unit.WORKING_DAYS: ("working day", "working days"),
}


def amount_words(amount: Decimal, unit: str) -> str:
    """'4 hours', '1 working day', '1.5 hours'."""
    number = amount.normalize()
    text = f"{number:f}"
    one, many = UNIT_WORDS.get(unit, (unit.replace("_", " "), unit.replace("_", " ")))
    return f"{text} {one if number == 1 else many}"


def window_words(window: ResponseWindow | None) -> str:
    """A response window in words: 'within 36 hours (target 24 hours)'."""
    if window is None:
        return "no response window is configured: ask an administrator"
    words = f"within {amount_words(window.limit, window.unit)}"
    if window.target is not None:
        words += f" (target {amount_words(window.target, window.target_unit or window.unit)})"
    return words


@dataclass(frozen=True)
class RatingGuide:
    brag: str
    label: str
    levels: tuple[LevelOfNeed, ...]
    window: str

    @property
    def hint(self) -> str:
        """The hint under a rating's option: the levels it is usual for, and its timescale. E.g. "Level 4 (Acute:
        child protection). Reasonable cause to suspect significant harm. Once approved, the outcome is due within
        4 hours (target 3 hours)." """
        sentences = [f"Level {lvl.number} ({lvl.name}). {lvl.description}".strip() for lvl in self.levels]
        sentences.append(f"Once approved, the outcome is due {self.window}.")
        return " ".join(s if s.endswith(".") else f"{s}." for s in sentences)


def rating_guidance(document: ThresholdDocument | None) -> dict[str, RatingGuide]:
    """Each rating's guide, most urgent first. Two queries: the document's levels, the active windows."""
    levels = list(document.levels.all()) if document is not None else []
    windows = {w.rating: w for w in ResponseWindow.objects.filter(stage=Stage.BRAG_RESPONSE, active=True)}
    guides = {}
    for brag in Brag:
        guides[brag.value] = RatingGuide(
            brag=brag.value, label=brag.label,
            levels=tuple(lvl for lvl in levels if lvl.usual_rating == brag.value),
            window=window_words(windows.get(brag.value) or windows.get("")),
        )
    return guides


def rating_hints(document: ThresholdDocument | None) -> dict[str, str]:
    return {brag: guide.hint for brag, guide in rating_guidance(document).items()}


@dataclass(frozen=True)
class Suggestion:
    """The rating the ticked criteria suggest: their highest level's usual rating (contacts.rules)."""

    level: LevelOfNeed
    brag: str

    @property
    def text(self) -> str:
        if not self.brag:
            return (f"The criteria ticked point to level {self.level.number} ({self.level.name}), which has no "
                    "usual rating: choose one.")
        return (f"The criteria ticked suggest {Brag(self.brag).label}: the usual rating for level "
                f"{self.level.number} ({self.level.name}).")


def criteria_suggestion(document: ThresholdDocument | None, criterion_ids) -> Suggestion | None:
    """The suggestion for criteria chosen by id (as a form posts them); ids from another document are ignored.
    One query."""
    from . import rules
    from .models import ThresholdCriterion

    ids = [int(i) for i in criterion_ids or [] if str(i).isdigit()]
    if document is None or not ids:
        return None
    criteria = list(ThresholdCriterion.objects.filter(pk__in=ids, level__document=document).select_related("level"))
    level = rules.suggested_level(criteria)
    return Suggestion(level=level, brag=level.usual_rating) if level is not None else None


def criteria_map(document: ThresholdDocument | None) -> dict:
    """For static/js/screening.js: each criterion's level and that level's usual rating, so the suggestion follows
    the ticks without a request (the service decides again on submit). One query."""
    from .models import ThresholdCriterion

    if document is None:
        return {"criteria": {}, "ratings": dict(Brag.choices)}
    rows = ThresholdCriterion.objects.filter(level__document=document).select_related("level")
    return {
        "criteria": {str(c.pk): {"level": c.level.number, "level_id": str(c.level_id), "rating": c.level.usual_rating,
                                 "level_name": c.level.name} for c in rows},
        "ratings": dict(Brag.choices),
    }
