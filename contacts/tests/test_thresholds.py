"""The threshold document as published versions: a draft is edited and published; a published version never
changes again, whether through the admin, a service, the models or (on PostgreSQL) the database itself; and a
screening keeps pointing at the version it was rated against."""

import pytest
from django.db import DatabaseError, transaction

from contacts import thresholds
from contacts.models import LevelOfNeed, Screening, ThresholdCriterion, ThresholdDocument
from mash.errors import DomainError
from mash.models import AuditEvent

from .factories import make_contact
from .test_screening_flow import screen

pytestmark = pytest.mark.django_db


def active():
    return ThresholdDocument.objects.get(active=True)


def snapshot(document):
    """Everything a version says, to check that nothing about it changed."""
    levels = [(lvl.number, lvl.name, lvl.description, lvl.usual_rating,
               [(c.code, c.text) for c in lvl.criteria.order_by("code")]) for lvl in document.levels.order_by("number")]
    document.refresh_from_db()
    return (document.title, document.version, document.status, document.published_on, levels)


def new_version(personas, *, change=True):
    draft = thresholds.threshold_draft_create(actor=personas.admin, from_document=active(), version="2")
    if change:
        level = draft.levels.get(number=3)
        level.name = "Complex needs (section 17)"
        thresholds.threshold_part_save(actor=personas.admin, obj=level)
        thresholds.threshold_part_save(actor=personas.admin, obj=ThresholdCriterion(
            level=level, code="3.5", text="Young carer whose caring role harms their health or education"))
    return draft


def test_publishing_a_draft_makes_it_the_version_new_screenings_use(personas):
    first = active()
    rated = make_contact(personas.screener)
    screen(rated, personas.screener, brag="amber", n=3)
    draft = new_version(personas)
    assert (draft.status, draft.active, draft.based_on) == ("draft", False, first)
    assert active() == first  # a draft is not in use

    published = thresholds.threshold_publish(actor=personas.admin, document=draft)
    first.refresh_from_db()
    assert (published.status, published.active, published.published_by) == ("published", True, personas.admin)
    assert (first.status, first.active) == ("published", False)  # kept, read-only, no longer used
    assert AuditEvent.objects.filter(action="threshold.published", target_id=str(published.pk)).exists()
    # The old screening still points at the version it used; a new one uses the new version.
    assert Screening.objects.get(contact=rated).threshold_document == first
    fresh = make_contact(personas.screener)
    lvl = LevelOfNeed.objects.get(document=published, number=3)
    screen(fresh, personas.screener, brag="amber", n=3)
    assert Screening.objects.get(contact=fresh).threshold_document == published
    assert Screening.objects.get(contact=fresh).level == lvl
    assert lvl.name == "Complex needs (section 17)"


def test_a_draft_with_nothing_to_choose_from_cannot_be_published(personas):
    empty = thresholds.threshold_draft_create(actor=personas.admin, version="empty", title="Levels of need")
    with pytest.raises(DomainError, match="at least one level"):
        thresholds.threshold_publish(actor=personas.admin, document=empty)
    LevelOfNeed.objects.create(document=empty, number=1, name="Universal", usual_rating="blue")
    with pytest.raises(DomainError, match="Level 1 \\(Universal\\) has no criteria"):
        thresholds.threshold_publish(actor=personas.admin, document=empty)
    empty.refresh_from_db()
    assert empty.status == "draft" and not empty.active


@pytest.mark.parametrize("change", ["document title", "level name", "level added", "level deleted",
                                    "criterion text", "criterion added", "criterion deleted", "criterion moved",
                                    "document deleted", "republished"])
def test_a_published_version_cannot_be_edited_by_a_service(personas, change):
    document = active()
    draft = new_version(personas, change=False)
    before = snapshot(document)
    level = document.levels.get(number=4)
    criterion = level.criteria.first()
    draft_level = draft.levels.get(number=4)
    attempts = {
        "document title": lambda: thresholds.threshold_part_save(
            actor=personas.admin, obj=_with(document, title="Changed")),
        "level name": lambda: thresholds.threshold_part_save(actor=personas.admin, obj=_with(level, name="Changed")),
        "level added": lambda: thresholds.threshold_part_save(
            actor=personas.admin, obj=LevelOfNeed(document=document, number=9, name="New")),
        "level deleted": lambda: thresholds.threshold_part_delete(actor=personas.admin, obj=level),
        "criterion text": lambda: thresholds.threshold_part_save(
            actor=personas.admin, obj=_with(criterion, text="Changed")),
        "criterion added": lambda: thresholds.threshold_part_save(
            actor=personas.admin, obj=ThresholdCriterion(level=level, code="4.9", text="New")),
        "criterion deleted": lambda: thresholds.threshold_part_delete(actor=personas.admin, obj=criterion),
        # Moving a published criterion into a draft would take it out of the version it belongs to.
        "criterion moved": lambda: thresholds.threshold_part_save(
            actor=personas.admin, obj=_with(criterion, level_id=draft_level.pk)),
        "document deleted": lambda: thresholds.threshold_part_delete(actor=personas.admin, obj=document),
        "republished": lambda: thresholds.threshold_publish(actor=personas.admin, document=document),
    }
    with pytest.raises(DomainError, match="published"):
        attempts[change]()
    assert snapshot(document) == before


def _with(obj, **values):
    obj = type(obj).objects.get(pk=obj.pk)
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def test_the_models_refuse_too_whoever_calls_save(personas):
    """Code that skips the service still meets the rule (this is what holds on SQLite, where no trigger is)."""
    level = active().levels.get(number=1)
    level.name = "Changed"
    with pytest.raises(DomainError, match="published"):
        level.save()
    with pytest.raises(DomainError, match="published"):
        ThresholdCriterion(level=level, code="1.9", text="New").save()
    assert active().levels.get(number=1).name == "Universal"


@pytest.mark.parametrize("sql_change", ["document", "level", "criterion", "level insert", "criterion delete",
                                        "document delete"])
def test_the_database_refuses_a_change_to_a_published_version(personas, sql_change):
    """On PostgreSQL, triggers refuse even a bulk update that bypasses every model method."""
    document = active()
    before = snapshot(document)
    level = document.levels.get(number=2)
    changes = {
        "document": lambda: ThresholdDocument.objects.filter(pk=document.pk).update(title="Changed"),
        "level": lambda: LevelOfNeed.objects.filter(document=document).update(name="Changed"),
        "criterion": lambda: ThresholdCriterion.objects.filter(level=level).update(text="Changed"),
        "level insert": lambda: LevelOfNeed.objects.bulk_create([LevelOfNeed(document=document, number=7,
                                                                             name="New")]),
        "criterion delete": lambda: ThresholdCriterion.objects.filter(level=level).delete(),
        "document delete": lambda: ThresholdDocument.objects.filter(pk=document.pk)._raw_delete("default"),
    }
    with pytest.raises(DatabaseError, match="published threshold document"), transaction.atomic():
        changes[sql_change]()
    assert snapshot(document) == before


def test_the_database_lets_a_published_version_step_down_and_drafts_change(personas):
    document = active()
    draft = new_version(personas, change=False)
    LevelOfNeed.objects.filter(document=draft).update(description="Changed in the draft")  # a draft is editable
    thresholds.threshold_publish(actor=personas.admin, document=draft)  # the old one's `active` is cleared
    document.refresh_from_db()
    assert not document.active and document.is_published


def test_the_admin_shows_a_published_version_read_only_and_refuses_changes(personas, client_for):
    client = client_for(personas.admin)
    personas.admin.is_superuser = True
    personas.admin.save()
    document = active()
    level = document.levels.get(number=4)
    criterion = level.criteria.first()
    before = snapshot(document)
    page = client.get(f"/admin/contacts/thresholddocument/{document.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "Levels of need (starter)" in html
    assert 'name="_save"' not in html and 'name="levels-0-name"' not in html  # read-only, inlines too
    posts = [
        (f"/admin/contacts/thresholddocument/{document.pk}/change/", {"title": "Changed", "version": "1"}),
        (f"/admin/contacts/levelofneed/{level.pk}/change/", {"document": document.pk, "number": 4, "name": "X"}),
        (f"/admin/contacts/thresholdcriterion/{criterion.pk}/change/", {"level": level.pk, "code": "x",
                                                                         "text": "x"}),
        (f"/admin/contacts/levelofneed/{level.pk}/delete/", {"post": "yes"}),
        (f"/admin/contacts/thresholddocument/{document.pk}/delete/", {"post": "yes"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    # Adding a level or criterion to a published version: it is not offered, and a forged choice is refused.
    response = client.post("/admin/contacts/levelofneed/add/", {
        "document": document.pk, "number": 8, "name": "Forged", "criteria-TOTAL_FORMS": "0",
        "criteria-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = client.post("/admin/contacts/thresholdcriterion/add/", {"level": level.pk, "code": "4.9",
                                                                        "text": "Forged"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert snapshot(document) == before


def test_the_admin_makes_a_draft_edits_it_and_publishes_it(personas, client_for):
    personas.admin.is_superuser = True
    personas.admin.save()
    client = client_for(personas.admin)
    first = active()
    response = client.post("/admin/contacts/thresholddocument/", {
        "action": "make_draft", "_selected_action": [first.pk]})
    assert response.status_code == 302
    draft = ThresholdDocument.objects.get(status="draft")
    assert draft.version == "2" and draft.levels.count() == first.levels.count()
    level = draft.levels.get(number=1)
    response = client.post(f"/admin/contacts/levelofneed/{level.pk}/change/", {
        "document": draft.pk, "number": 1, "name": "Universal services", "description": "", "usual_rating": "blue",
        "criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0", "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post("/admin/contacts/thresholddocument/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.active and draft.levels.get(number=1).name == "Universal services"
    assert client.post(f"/admin/contacts/levelofneed/{level.pk}/change/", {"name": "Again"}).status_code == 403
