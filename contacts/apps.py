from django.apps import AppConfig


def contact_label(contact) -> str:
    return contact.reference


def contact_responsible(contact, kind: str):
    """Who hears about a contact's clock.

    warning: the assigned screener (if any) and the duty manager(s): members of the
        DEADLINE_DUTY_MANAGER_GROUP group, or every MASH manager when nobody is on duty;
    breach: every active MASH manager;
    second_level: members of DEADLINE_SECOND_LEVEL_GROUP (service managers), or every MASH manager
        when that group is empty, so a further escalation is never sent to nobody.
    """
    from django.conf import settings

    from mash.deadlines import group_member_ids

    managers = group_member_ids(settings.DEADLINE_MANAGER_GROUP)
    if kind == "warning":
        duty = group_member_ids(settings.DEADLINE_DUTY_MANAGER_GROUP) or managers
        return [contact.assigned_screener_id, *duty]
    if kind == "breach":
        return managers
    return group_member_ids(settings.DEADLINE_SECOND_LEVEL_GROUP) or managers


def rating_responsible(rating, kind: str):
    """Who hears about a proposed rating's approval clock: the duty manager(s) of a warning (members of
    DEADLINE_DUTY_MANAGER_GROUP, else every MASH manager), every MASH manager of a breach, the service managers
    (else every MASH manager) of a second-level escalation. The screener who proposed it is not: the decision
    is a manager's."""
    from django.conf import settings

    from mash.deadlines import group_member_ids

    managers = group_member_ids(settings.DEADLINE_MANAGER_GROUP)
    if kind == "warning":
        return group_member_ids(settings.DEADLINE_DUTY_MANAGER_GROUP) or managers
    if kind == "breach":
        return managers
    return group_member_ids(settings.DEADLINE_SECOND_LEVEL_GROUP) or managers


def rating_label(rating) -> str:
    return f"{rating.contact_reference} proposed {rating.proposed_brag.title()}"


def rating_url(rating) -> str:
    """The manager's decide page for the rating's contact."""
    return contact_path(rating.contact_reference) + "decide/"


def contact_url(contact) -> str:
    """The contact page's address."""
    return contact_path(contact.reference)


def contact_path(reference: str) -> str:
    """A contact page's address by reference (reversed once: the sweep names a thousand contacts a pass)."""
    global _detail_url
    if _detail_url is None:
        from django.urls import reverse

        _detail_url = reverse("contacts:detail", args=["REFERENCE"])
    return _detail_url.replace("REFERENCE", reference)


_detail_url: str | None = None


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts and screening"

    def ready(self):
        from mash import access, deadlines, notify, site
        from mash.access import Role

        notify.register_kinds({
            "contact": "New contact", "contact_assigned": "Contact assigned to you",
            "contact_reassigned": "Contact reassigned", "contact_taken_over": "Contact taken over",
            "contact_immediate_risk": "Immediate risk",
            "contact_for_allocated_worker": "Contact for an allocated worker",
            "rating": "Rating to approve", "rating_returned": "Rating returned to you", "outcome": "Outcome",
            "outcome_received": "New case from the MASH", "significant": "Significant event",
            "break_glass": "Restricted record opened",
        })

        from . import (
            actions,  # noqa: F401 (registers the contacts audit actions)
            stamps,
        )
        from .models import Contact, Rating
        from .selectors import contacts_visible_to, ratings_visible_to

        stamps.connect()
        site.add_navigation("contacts:mine", "My work", roles={Role.SCREENER}, order=5)
        site.add_navigation("contacts:queue", "Screening queue", roles=access.MASH_ROLES, order=10)
        site.add_navigation("contacts:manager_queue", "Approvals and outcomes", roles={Role.MANAGER}, order=20)
        site.add_navigation("contacts:new", "Record a contact", roles=access.MASH_ROLES, order=30)
        # A screener's day starts with their own work; a manager's with what awaits their decision.
        site.set_home(Role.SCREENER, "contacts:mine")
        site.set_home(Role.MANAGER, "contacts:manager_queue")
        site.set_search("contacts:search", "Find a child", roles=access.MASH_ROLES,
                        hint="Name, reference, NHS number, date of birth or postcode")
        screener = ["contacts.view_contact", "contacts.add_contact", "contacts.view_person", "contacts.add_screening",
                    "contacts.add_rating"]
        access.grant(Role.SCREENER, screener)
        access.grant(Role.MANAGER, [*screener, "contacts.decide_rating", "contacts.add_outcome",
                                    "contacts.merge_person"])
        # Issue 12: the child's facts for the national returns, recorded at screening (contacts.census).
        access.grant(Role.SCREENER, ["contacts.change_person"])
        access.grant(Role.MANAGER, ["contacts.change_person"])
        access.grant(Role.ADMIN, [
            f"contacts.{verb}_{model}" for model in ("thresholddocument", "levelofneed", "thresholdcriterion")
            for verb in ("view", "add", "change")
        ])

        deadlines.register(
            Contact,
            # What the callables below read: the sweep loads only these besides the clock columns.
            fields=("reference", "rating", "proposed_rating", "assigned_screener_id"),
            responsible=contact_responsible,
            # Approved, else proposed (so the at-risk board shows a proposed Red as Red, not "No rating").
            rating_from=("rating", "proposed_rating"),
            label=contact_label,
            url=contact_url,
            related=("assigned_screener",),
            visible_to=contacts_visible_to,
            # A screener's own at-risk board (where their digests link) lists the contacts assigned to them.
            assigned_to="assigned_screener",
        )
        # A proposed rating's own clock: a manager's decision is due within the window for the proposed rating.
        deadlines.register(
            Rating,
            fields=("contact_reference", "proposed_brag", "proposed_by_id"),
            responsible=rating_responsible,
            rating_from=("proposed_brag",),
            label=rating_label,
            url=rating_url,
            related=("contact",),
            visible_to=ratings_visible_to,
            # A screener's own at-risk board lists the proposals they made that await a decision.
            assigned_to="proposed_by",
        )
