"""What consent shows on other apps' pages: the consent panel on the contact page, and links on a person's page.
Registered with `mash.site.add_panel` from ConsentConfig.ready, so contacts imports nothing of consent."""

from django.urls import reverse

from contacts.codes import CHILD_ROLES
from mash.access import is_mash_staff

from . import selectors
from .codes import ConsentState, DecisionState


def contact_panel(request, contact) -> dict | None:
    """The consent panel: each person's consent, each agency's position, the decisions with their reasons, the
    referrer's hearsay answer, and any flag that a basis was lost. MASH staff only.

    Queries: the sharing position (agencies, consent records, decisions; their children and agencies only when
    there are records), the open flags, and the referrer's anonymity (not for referral source 9). The contact's
    subjects come prefetched with the contact page.
    """
    if not is_mash_staff(request.user):
        return None
    position = selectors.sharing_position(contact)
    open_contact = contact.state != "closed"
    return {
        "contact": contact,
        "position": position,
        "records": position.records,
        "decisions": position.decisions,
        "pending": [d for d in position.decisions if d.state == DecisionState.PROPOSED],
        "flags": selectors.open_flags(contact),
        "anonymous": selectors.referrer_is_anonymous(contact),
        "people": list(contact.subjects.all()),
        "children": [s.person for s in contact.subjects.all() if s.role in CHILD_ROLES],
        "given": ConsentState.GIVEN,
        "proposed": DecisionState.PROPOSED,
        "open_contact": open_contact,
    }


def person_panel(request, person) -> dict | None:
    """Links from a person's page to what has been shared about them. No query."""
    if not is_mash_staff(request.user):
        return None
    return {"person": person, "shared_url": reverse("consent:shared", args=[person.pk]),
            "export_url": reverse("consent:export", args=[person.pk])}
