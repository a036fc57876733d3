"""The threshold document's versions. Levels of need and their criteria are edited in a draft; publishing a draft
makes it the active version (the one new screenings use) and leaves every published version read-only forever,
so a screening always shows the words it was rated against.

The rule "a published version never changes" is `threshold_editable_check`, applied here, by the admin (which
saves through `threshold_part_save` / `threshold_part_delete`) and by the models' own save() and delete(); on
PostgreSQL, triggers refuse the change in the database as well (contacts.models), whatever code tries.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from mash.audit import audit_record
from mash.errors import DomainError, Problems
from mash.rules import Text

from .actions import ContactAction
from .codes import ThresholdStatus
from .models import LevelOfNeed, ThresholdCriterion, ThresholdDocument

VERSION = Text("version", "Version", max_length=32, required_message="Enter the new version's number or name")
TITLE = Text("title", "Title", max_length=200, required_message="Enter the document's title")
PUBLISHED = ("{document} is published, and a published version never changes (screenings were rated against "
             "it). Make a new draft from it, change the draft, and publish that.")
NO_LEVELS = "A threshold document needs at least one level of need before it is published"
ALREADY_PUBLISHED = "This version is already published"


def threshold_editable_check(document) -> None:
    """Refuse (DomainError) if `document` is published. `document`: a ThresholdDocument, its id, or a query of
    document ids (e.g. the document of a level). Reads the database, not the caller's copy."""
    if document is None:
        return
    published = ThresholdDocument.objects.filter(status=ThresholdStatus.PUBLISHED)
    if isinstance(document, QuerySet):
        published = published.filter(pk__in=document)
    else:
        published = published.filter(pk=getattr(document, "pk", document))
    found = published.first()
    if found is not None:
        raise DomainError(PUBLISHED.format(document=found))


def _document_of(obj) -> int | None:
    if isinstance(obj, ThresholdDocument):
        return obj.pk
    if isinstance(obj, LevelOfNeed):
        return obj.document_id
    if isinstance(obj, ThresholdCriterion):
        return LevelOfNeed.objects.filter(pk=obj.level_id).values_list("document_id", flat=True).first()
    raise TypeError(f"not part of a threshold document: {obj!r}")


def threshold_part_save(*, actor, obj) -> None:
    """Save a change to a draft document, one of its levels or one of its criteria (the admin's edits). Refused
    if the document it belongs to, or belonged to, is published."""
    with transaction.atomic():
        if obj.pk is not None:
            before = type(obj).objects.get(pk=obj.pk)
            threshold_editable_check(_document_of(before))
        threshold_editable_check(_document_of(obj))
        obj.save()


def threshold_part_delete(*, actor, obj) -> None:
    """Delete a draft document's level or criterion (or a whole draft). Refused for a published version."""
    with transaction.atomic():
        threshold_editable_check(_document_of(obj))
        obj.delete()


def threshold_draft_create(*, actor, from_document: ThresholdDocument | None = None, version: str,
                           title: str = "") -> ThresholdDocument:
    """A new draft: a copy of `from_document`'s levels and criteria to change (or an empty one), under a new
    version. The copy is not in use until it is published."""
    problems = Problems()
    version = VERSION.check(version, problems)
    title = TITLE.check(title or (from_document.title if from_document else ""), problems)
    problems.raise_if_any()
    try:
        with transaction.atomic():
            draft = ThresholdDocument.objects.create(title=title, version=version, status=ThresholdStatus.DRAFT,
                                                     based_on=from_document)
            if from_document is not None:
                for level in from_document.levels.prefetch_related("criteria"):
                    copy = LevelOfNeed.objects.create(document=draft, number=level.number, name=level.name,
                                                      description=level.description,
                                                      usual_rating=level.usual_rating)
                    for criterion in level.criteria.all():
                        ThresholdCriterion.objects.create(level=copy, code=criterion.code, text=criterion.text)
            audit_record(actor=actor, action=ContactAction.THRESHOLD_DRAFTED, target=draft,
                         changes={"version": version, "based_on": str(from_document or "")})
    except IntegrityError:
        raise DomainError(f"{title} already has a version {version}: choose another version",
                          field="version") from None
    return draft


def threshold_publish(*, actor, document: ThresholdDocument) -> ThresholdDocument:
    """Publish a draft: it becomes the active version new screenings use, and it and every version before it
    are read-only from now on. Screenings keep pointing at the version they were rated against."""
    with transaction.atomic():
        document = ThresholdDocument.objects.select_for_update().get(pk=document.pk)
        if document.is_published:
            raise DomainError(ALREADY_PUBLISHED)
        problems = Problems()
        levels = list(document.levels.prefetch_related("criteria"))
        if not levels:
            problems.add(None, NO_LEVELS)
        for level in levels:
            if not level.criteria.all():
                problems.add(None, f"Level {level.number} ({level.name}) has no criteria: add at least one")
        problems.raise_if_any()
        previous = ThresholdDocument.objects.select_for_update().filter(active=True).first()
        if previous is not None:
            previous.active = False
            previous._publishing = True
            previous.save(update_fields=["active"])
        now = timezone.now()
        document.status = ThresholdStatus.PUBLISHED
        document.published_on = timezone.localdate(now)
        document.published_at = now
        document.published_by = actor
        document.active = True
        document._publishing = True
        document.save()
        audit_record(actor=actor, action=ContactAction.THRESHOLD_PUBLISHED, target=document,
                     changes={"version": document.version, "replaces": str(previous or ""),
                              "levels": len(levels)})
    return document
