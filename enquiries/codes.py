"""The states and lists of MASH enquiries (DOMAIN.md: enquiry, information request, agency return)."""

from django.db import models

from agencies.models import AgencyKind


class EnquiryState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RequestState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    IN_PROGRESS = "in_progress", "In progress"
    RETURNED = "returned", "Returned"
    NIL_RETURN = "nil_return", "Nil return"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# A request the agency still has to answer: its clock runs.
OPEN_REQUEST_STATES = (RequestState.REQUESTED, RequestState.IN_PROGRESS)
# The agency gave information (or said it knows nothing): it hears the outcome.
CONTRIBUTED_STATES = (RequestState.RETURNED, RequestState.NIL_RETURN)

REQUEST_TAG_CLASS = {
    RequestState.REQUESTED: "govuk-tag--blue",
    RequestState.IN_PROGRESS: "govuk-tag--light-blue",
    RequestState.RETURNED: "govuk-tag--green",
    RequestState.NIL_RETURN: "govuk-tag--turquoise",
    RequestState.DECLINED: "govuk-tag--red",
    RequestState.WITHDRAWN: "govuk-tag--grey",
}


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


# The headings of a return per agency kind, until an admin sets their own (enquiries.models.ReturnHeading).
DEFAULT_HEADINGS: dict[str, list[str]] = {
    AgencyKind.POLICE: ["Incidents", "Intelligence", "Offences", "Domestic abuse history"],
    AgencyKind.HEALTH: ["GP registration", "Health visiting", "Hospital attendances"],
    AgencyKind.EDUCATION: ["Attendance", "Concerns", "Special educational needs"],
    AgencyKind.PROBATION: ["Supervision", "Risk assessments"],
    AgencyKind.HOUSING: ["Tenancy", "Concerns and complaints"],
}
GENERAL_HEADINGS = ["What the agency knows"]
