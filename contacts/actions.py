"""The audit actions contacts records, registered with the kernel's audit log."""

from django.db import models

from mash.audit import register_actions


class ContactAction(models.TextChoices):
    CONTACT_CREATED = "contact.created", "Contact recorded"
    CONTACT_VIEWED = "contact.viewed", "Contact viewed"
    PERSON_VIEWED = "person.viewed", "Person record viewed"
    PERSON_MERGED = "person.merged", "People merged"
    RATING_PROPOSED = "rating.proposed", "Rating proposed"
    RATING_APPROVED = "rating.approved", "Rating approved"
    RATING_CHANGED = "rating.changed", "Rating changed by manager"
    RATING_RETURNED = "rating.returned", "Returned to screener"
    RATING_REVISION_WITHDRAWN = "rating.revision_withdrawn", "Rating revision withdrawn"
    OUTCOME_DECIDED = "outcome.decided", "Outcome decided"
    NOTIFICATIONS_IMPORTED = "contact.imported", "Imported from a police notification"
    # Issue 11: drafts, the threshold document's versions, the child's chronology.
    DRAFT_SAVED = "draft.saved", "Draft started"
    DRAFT_DISCARDED = "draft.discarded", "Draft discarded"
    THRESHOLD_DRAFTED = "threshold.drafted", "Threshold document draft made"
    THRESHOLD_PUBLISHED = "threshold.published", "Threshold document published"
    CHRONOLOGY_VIEWED = "chronology.viewed", "Child's chronology viewed"
    PEOPLE_SEARCHED = "people.searched", "Searched for a child"
    CONTACT_ASSIGNED = "contact.assigned", "Assigned"
    CONTACT_TAKEN_OVER = "contact.taken_over", "Taken over from another screener"
    # Issue 12: the child's facts for the national returns.
    PERSON_CENSUS_FACTS_RECORDED = "person.census_facts", "Child's details for national returns recorded"
    # Issue 13: every look at a child is on record, lists and search results included.
    CONTACT_LISTED = "contact.listed", "Contact shown in a work queue"
    PERSON_FOUND = "person.found", "Shown in search results"
    LOOKS_VIEWED = "looks.viewed", "Who has looked at this child viewed"
    CONTACT_RESTRICTED = "contact.restricted", "Restricted: only the people named may see it"
    PERSON_RESTRICTED = "person.restricted", "Person restricted: only the people named may see them"
    CONTACT_BREAK_GLASS = "contact.break_glass", "Restricted record opened without a grant (break-glass)"


register_actions(ContactAction)

# Looks, not steps of the work: left off a contact's timeline (or a much-viewed contact's steps would be crowded out).
NOT_IN_TIMELINE = frozenset({ContactAction.CONTACT_VIEWED, ContactAction.PERSON_VIEWED, ContactAction.CONTACT_LISTED,
                             ContactAction.DRAFT_SAVED, ContactAction.DRAFT_DISCARDED})
