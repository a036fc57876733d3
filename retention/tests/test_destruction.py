"""Destruction leaves no trace of the person in any table (every text, character and JSON column searched) and
one destruction-log row; the audit keeps its rows, cleared; the audit table still refuses every other rewrite."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import transaction
from django.db.utils import ProgrammingError

from contacts.models import Contact, Person
from mash.models import AuditEvent
from retention import services
from retention.models import DestructionLog, DestructionReview

from .helpers import CHILD, MARKER, family_with_everything, manager2, quiet_contact, where_found

pytestmark = pytest.mark.django_db

LATER = datetime(2040, 1, 2, 12, tzinfo=UTC)  # past every rule for a child born in 2014 and a contact closed now


def destroy(personas, family):
    """In 2040 (the clock moved: the child is 21 by then), the beat job lists it, one manager approves, another
    confirms."""
    second = manager2(personas)
    with time_machine.travel(LATER, tick=False):
        assert services.reviews_list_due() >= 1
        review = DestructionReview.objects.get(contact=family.contact)
        services.review_approve(actor=personas.manager, review=review)
        return services.destruction_confirm(actor=second, review=review), second


def test_destruction_leaves_no_trace_of_the_person_and_one_log_row(personas, client):
    family = family_with_everything(personas, client)
    reference = family.contact.reference
    words = family.words()
    # The family is everywhere before: the search below finds what it is looking for.
    assert len(where_found(CHILD[1])) > 5
    assert where_found(MARKER) and where_found(reference)
    other = quiet_contact(personas.screener, surname="Unrelated")  # not theirs: untouched

    log, second = destroy(personas, family)

    leftovers = {word: where_found(word, skip={"retention_destructionlog"}) for word in words}
    assert {word: hits for word, hits in leftovers.items() if hits} == {}
    assert DestructionLog.objects.count() == 1
    assert where_found(reference) == ["retention_destructionlog.reference"]
    for word in words[1:]:
        assert not where_found(word), word  # the log holds the reference, and no name
    assert (log.reference, log.record_kind, log.outcome) == (reference, "contact", "s17_assessment")
    assert (log.approved_by, log.confirmed_by) == (personas.manager, second)
    assert log.counts["people"] == 3 and log.counts["contacts"] == 1
    assert not Contact.objects.filter(reference=reference).exists()
    assert not Person.objects.filter(last_name=CHILD[1]).exists()
    assert Contact.objects.filter(pk=other.pk).exists()
    # The audit keeps its rows (who did what, when), cleared of the details; the decision is on record.
    assert AuditEvent.objects.filter(target_label="[destroyed]").count() > 10
    destroyed = AuditEvent.objects.get(action="retention.destroyed")
    assert destroyed.actor == second and destroyed.target_id == str(log.pk)
    assert AuditEvent.objects.filter(action="retention.approved", actor=personas.manager).exists()


def test_a_person_another_record_names_stays(personas, client):
    family = family_with_everything(personas, client)
    from contacts.services import SubjectInput, contact_create

    again = contact_create(actor=personas.screener, received_at=family.contact.received_at, channel="phone",
                           referrer_name="R", referral_source="2A", concern="Again.", consent_answer="given",
                           children=[SubjectInput(first_name="x", last_name="y", person_id=family.child.pk)])
    destroy(personas, family)
    assert Person.objects.filter(pk=family.child.pk).exists()  # still on `again`
    assert not Person.objects.filter(pk__in=[family.sibling.pk, family.mother.pk]).exists()
    assert again.subjects.get().person_id == family.child.pk


def test_the_audit_and_the_log_still_refuse_every_other_rewrite(personas, client):
    family = family_with_everything(personas, client)
    log, _ = destroy(personas, family)

    def refused(statement) -> bool:
        try:
            with transaction.atomic():
                statement()
        except ProgrammingError as error:
            return "Cannot update or delete rows" in str(error)
        return False

    assert refused(lambda: AuditEvent.objects.filter(target_label="[destroyed]").update(target_label="x"))
    assert refused(lambda: AuditEvent.objects.all().delete())
    assert refused(lambda: DestructionLog.objects.filter(pk=log.pk).update(reference="x"))
    assert refused(lambda: DestructionLog.objects.filter(pk=log.pk).delete())


def test_every_model_with_a_key_to_a_contact_or_a_person_is_provided_for():
    """A new model pointing at a contact must be added to the destruction (or it would block it, or outlive it);
    one pointing at a person is checked generically (a person it names is kept)."""
    from django.apps import apps
    from simple_history.models import HistoricalChanges

    from retention import destruction

    handled = set(destruction.ON_THE_CONTACT) | set(destruction.ALSO_ON_THE_CONTACT)
    pointing = {model for model in apps.get_models(include_auto_created=True)
                if not issubclass(model, HistoricalChanges)
                and any(f.is_relation and f.concrete and f.related_model is Contact for f in model._meta.fields)}
    assert pointing - handled == set()
    to_people = {model for model, _ in destruction._person_references()}
    assert {m._meta.label for m in to_people} >= {"contacts.ContactSubject", "consent.ConsentRecord",
                                                   "reports.Referral", "enquiries.InformationRequest_people",
                                                   "consent.Disclosure_about"}
