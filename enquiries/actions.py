"""The audit actions of enquiries, registered with the kernel's audit log. Each event names the contact as its
target (so the contact's timeline shows every step with who and when) and carries a `summary` in words."""

from django.db import models

from mash.audit import register_actions


class EnquiryAction(models.TextChoices):
    ENQUIRY_OPENED = "enquiry.opened", "MASH enquiry opened"
    ENQUIRY_CLOSED = "enquiry.closed", "MASH enquiry closed"
    REQUEST_SENT = "enquiry.request_sent", "Information request sent"
    REQUEST_WITHDRAWN = "enquiry.request_withdrawn", "Information request withdrawn"
    REQUEST_CLAIMED = "enquiry.request_claimed", "Information request claimed"
    REQUEST_GIVEN = "enquiry.request_given", "Information request given to a colleague"
    REQUEST_SHORTENED = "enquiry.request_shortened", "Information request deadline brought forward"
    REQUEST_CHASED = "enquiry.request_chased", "Information request chased"
    REQUEST_VIEWED = "enquiry.request_viewed", "Information request viewed by the agency"
    RETURN_SAVED = "enquiry.return_saved", "Agency return saved as a draft"
    RETURN_SUBMITTED = "enquiry.return_submitted", "Agency return submitted"
    RETURN_CORRECTED = "enquiry.return_corrected", "Agency return corrected"
    NIL_RETURN = "enquiry.nil_return", "Nil return: nothing known"
    REQUEST_DECLINED = "enquiry.request_declined", "Information request declined"
    SENSITIVE_VIEWED = "enquiry.sensitive_viewed", "Sensitive section of a return read"
    OUTCOME_SHARED = "enquiry.outcome_shared", "Outcome shared with the contributing agencies"
    BASIS_LOST = "enquiry.basis_lost", "Request in flight flagged: its basis was withdrawn"


register_actions(EnquiryAction)
