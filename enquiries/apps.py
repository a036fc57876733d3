from django.apps import AppConfig


def agency_partner_ids(agency_id) -> list[int]:
    """The active partners of one agency."""
    from django.contrib.auth import get_user_model

    from mash.access import Role

    return list(get_user_model().objects.filter(agency_id=agency_id, is_active=True, groups__name=Role.PARTNER.value)
                .order_by("pk").values_list("pk", flat=True))


def request_responsible(request, kind: str):
    """Who hears about an information request's clock.

    warning: the partner who has it, and their agency's partners;
    breach: the agency's partners and every MASH manager;
    second_level: the service managers (DEADLINE_SECOND_LEVEL_GROUP), else every MASH manager, and the agency's
        partners again.
    """
    from django.conf import settings

    from mash.deadlines import group_member_ids

    partners = agency_partner_ids(request.agency_id)
    if kind == "warning":
        return [request.assigned_to_id, *partners]
    managers = group_member_ids(settings.DEADLINE_MANAGER_GROUP)
    if kind == "breach":
        return [*partners, *managers]
    return [*(group_member_ids(settings.DEADLINE_SECOND_LEVEL_GROUP) or managers), *partners]


def request_label(request) -> str:
    # No names, no narrative: the reference and that it is an information request (e-mails carry this).
    return f"Information request {request.contact_reference}"


_request_url: str | None = None


def request_url(request) -> str:
    """The partner's request page: MASH staff who follow it are sent on to their own view of the request."""
    global _request_url
    if _request_url is None:
        from django.urls import reverse

        _request_url = reverse("enquiries:partner_request", args=[999999999])
    return _request_url.replace("999999999", str(request.pk))


def request_digest_url(kind: str) -> str:
    """Where a digest of many request escalations links: the partner's inbox (overdue ones for a breach); a MASH
    manager following it is sent on to the enquiry board. Never the at-risk board, which partners cannot open."""
    from django.urls import reverse

    inbox = reverse("enquiries:inbox")
    return inbox if kind == "warning" else f"{inbox}?show=overdue"


def request_advice(kind: str) -> str:
    """What an agency's partner told of a request's breach can do: only the MASH acknowledges a breach."""
    return ("Send your agency's return now (or a nil return if it knows nothing), or tell the MASH why not by "
            "declining the request with a reason. Sign in to see it.")


class EnquiriesConfig(AppConfig):
    name = "enquiries"
    verbose_name = "MASH enquiries"

    def ready(self):
        from contacts import stamps
        from contacts.chronology import register_source
        from contacts.signals import outcome_decided
        from mash import access, deadlines, notify, site
        from mash.access import Role

        from . import actions  # noqa: F401 (registers the audit actions)
        from .models import AgencyReturn, Enquiry, InformationRequest
        from .panel import contact_panel, enquiry_events, outcome_panel, outcome_preview
        from .receivers import basis_withdrawn_flag, outcome_feedback
        from .selectors import requests_visible_to

        # What each kind is called in e-mails (which name no one: the kind, the reference, "sign in").
        notify.register_kinds({
            "information_request": "New information request",
            "information_request_given": "Information request given to you",
            "information_request_chased": "Reminder: information request",
            "information_request_shortened": "Information request now due sooner",
            "information_request_withdrawn": "Information request withdrawn",
            "information_request_paused": "Information request: stop, the basis has changed",
            "information_request_declined": "Information request declined",
            "agency_return": "Agency return received",
            "enquiry_outcome": "Outcome of an enquiry you contributed to",
        })
        site.add_navigation("enquiries:inbox", "Information requests", roles={Role.PARTNER}, order=10)
        site.add_navigation("enquiries:board", "Enquiries", roles={Role.MANAGER}, order=25)
        site.set_home(Role.PARTNER, "enquiries:inbox")
        # After consent's panel (which says who may be asked).
        site.add_panel("contact", "enquiries/_panel.html", context=contact_panel, order=20,
                       scopes=stamps.on_the_contact)
        site.add_panel("outcome", "enquiries/_outcome_panel.html", context=outcome_panel, order=20)
        # What recording the outcome sends the contributing agencies, on the outcome's preview.
        site.add_preview("outcome", "enquiries/_feedback_preview.html", compose=outcome_preview, order=20)
        register_source("enquiry", "MASH enquiries", enquiry_events, order=40)
        # The panel is drawn from these: a change draws the contact's page again.
        stamps.follow(Enquiry, lambda enquiry: enquiry.contact_id)
        stamps.follow(InformationRequest, lambda request: request.enquiry.contact_id)
        stamps.follow(AgencyReturn, lambda answer: answer.request.enquiry.contact_id)
        outcome_decided.connect(outcome_feedback, dispatch_uid="enquiries.outcome_feedback")
        try:
            from consent.signals import basis_withdrawn
        except ImportError:  # pragma: no cover (consent always has it)
            basis_withdrawn = None
        if basis_withdrawn is not None:
            basis_withdrawn.connect(basis_withdrawn_flag, dispatch_uid="enquiries.basis_withdrawn")

        access.grant(Role.MANAGER, ["enquiries.view_enquiry", "enquiries.add_enquiry", "enquiries.change_enquiry",
                                    "enquiries.view_informationrequest", "enquiries.add_informationrequest",
                                    "enquiries.change_informationrequest", "enquiries.view_agencyreturn"])
        access.grant(Role.SCREENER, ["enquiries.view_enquiry", "enquiries.view_informationrequest",
                                     "enquiries.view_agencyreturn"])
        access.grant(Role.PARTNER, ["enquiries.view_informationrequest", "enquiries.add_agencyreturn"])
        access.grant(Role.ADMIN, [f"enquiries.{verb}_returnheading" for verb in ("view", "add", "change")])

        deadlines.register(
            InformationRequest,
            fields=("contact_reference", "agency_id", "assigned_to_id", "rating"),
            responsible=request_responsible,
            rating_from=("rating",),
            label=request_label,
            url=request_url,
            digest_url=request_digest_url,
            related=("agency",),
            visible_to=requests_visible_to,
            assigned_to="assigned_to",
            advice=request_advice,
        )
