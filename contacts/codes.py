"""National codes and local lists used at the front door (see DOMAIN.md). Ratings and clock stages are the
kernel's (`mash.codes`), shared with every app."""

from django.db import models

from mash.codes import Brag  # noqa: F401 (the one list of ratings, named here for the contacts code using it)


class ReferralSource(models.TextChoices):
    """CIN census ReferralSource codes (2024 schema)."""

    INDIVIDUAL_FAMILY = "1A", "1A Individual: family, relative or carer"
    INDIVIDUAL_ACQUAINTANCE = "1B", "1B Individual: acquaintance (neighbour, childminder)"
    INDIVIDUAL_SELF = "1C", "1C Individual: self"
    INDIVIDUAL_OTHER = "1D", "1D Individual: other (including strangers)"
    SCHOOLS = "2A", "2A Schools"
    EDUCATION_SERVICES = "2B", "2B Education services"
    HEALTH_GP = "3A", "3A Health: GP"
    HEALTH_VISITOR = "3B", "3B Health: health visitor"
    HEALTH_SCHOOL_NURSE = "3C", "3C Health: school nurse"
    HEALTH_OTHER_PRIMARY = "3D", "3D Health: other primary health"
    HEALTH_AE = "3E", "3E Health: A&E"
    HEALTH_OTHER = "3F", "3F Health: other (for example a hospice)"
    HOUSING = "4", "4 Housing (council or housing association)"
    LA_SOCIAL_CARE = "5A", "5A Council: social care (for example adult social care)"
    LA_OTHER_INTERNAL = "5B", "5B Council: other internal (for example youth offending)"
    LA_EXTERNAL = "5C", "5C Council: another local authority"
    LA_EARLY_HELP = "5D", "5D Council: early help"
    POLICE = "6", "6 Police"
    OTHER_LEGAL = "7", "7 Other legal agency (courts, probation, immigration, Cafcass, prison)"
    OTHER = "8", "8 Other (children's centres, voluntary or independent)"
    ANONYMOUS = "9", "9 Anonymous"
    UNKNOWN = "10", "10 Unknown"

    @classmethod
    def professional(cls) -> set[str]:
        """Sources that are professionals (they hear the outcome, not only an acknowledgement)."""
        return {c.value for c in cls} - {"1A", "1B", "1C", "1D", "9", "10"}


class Channel(models.TextChoices):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "E-mail"
    ONLINE_FORM = "online_form", "Online form"
    POLICE_NOTIFICATION = "police_notification", "Police notification"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"


class SubjectRole(models.TextChoices):
    SUBJECT_CHILD = "subject_child", "Subject child"
    SIBLING = "sibling", "Sibling"
    PARENT_CARER = "parent_carer", "Parent or carer"
    HOUSEHOLD_ADULT = "household_adult", "Other household adult"
    SOURCE_OF_HARM = "source_of_harm", "Alleged source of harm"


class ContactState(models.TextChoices):
    AWAITING_SCREENING = "awaiting_screening", "Awaiting screening"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting manager approval"
    AWAITING_OUTCOME = "awaiting_outcome", "Rating approved: awaiting outcome"
    CLOSED = "closed", "Closed"


class ConsentAnswer(models.TextChoices):
    """What the referrer said about the parents' consent to the referral."""

    GIVEN = "given", "Parents know and agree"
    REFUSED = "refused", "Parents refused"
    NOT_ASKED = "not_asked", "Parents not asked"


class Recommendation(models.TextChoices):
    ROUTE = "route", "Route the contact (decide an outcome)"
    ENQUIRY = "enquiry", "Open a MASH enquiry with partner agencies"


class ThresholdStatus(models.TextChoices):
    """A threshold document version: edited as a draft, then published (and never changed again)."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class RatingDecision(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    CHANGED = "changed", "Changed by manager"
    RETURNED = "returned", "Returned to screener"
    WITHDRAWN = "withdrawn", "Revision withdrawn by its proposer"


class OutcomeKind(models.TextChoices):
    STRATEGY_S47 = "strategy_s47", "Strategy discussion / section 47 enquiry"
    S17_ASSESSMENT = "s17_assessment", "Section 17 child-in-need assessment"
    EARLY_HELP = "early_help", "Early help"
    SUPPORTING_FAMILIES = "supporting_families", "Supporting Families"
    UNIVERSAL_ADVICE = "universal_advice", "Universal services / advice"
    NFA = "nfa", "No further action"
    ALLOCATED_WORKER = "allocated_worker", "Passed to allocated worker"


class PresentingFactor(models.TextChoices):
    """CIN census factor codes (2024 schema), used at the front door as presenting factors."""

    ALCOHOL_CHILD = "1A", "1A Alcohol misuse: child"
    ALCOHOL_PARENT = "1B", "1B Alcohol misuse: parent or carer"
    ALCOHOL_OTHER = "1C", "1C Alcohol misuse: other person"
    DRUGS_CHILD = "2A", "2A Drug misuse: child"
    DRUGS_PARENT = "2B", "2B Drug misuse: parent or carer"
    DRUGS_OTHER = "2C", "2C Drug misuse: other person"
    DV_CHILD = "3A", "3A Domestic violence: child"
    DV_PARENT = "3B", "3B Domestic violence: parent or carer"
    DV_OTHER = "3C", "3C Domestic violence: other person"
    MH_CHILD = "4A", "4A Mental health: child"
    MH_PARENT = "4B", "4B Mental health: parent or carer"
    MH_OTHER = "4C", "4C Mental health: other person"
    LD_CHILD = "5A", "5A Learning disability: child"
    LD_PARENT = "5B", "5B Learning disability: parent or carer"
    LD_OTHER = "5C", "5C Learning disability: other person"
    PD_CHILD = "6A", "6A Physical disability or illness: child"
    PD_PARENT = "6B", "6B Physical disability or illness: parent or carer"
    PD_OTHER = "6C", "6C Physical disability or illness: other person"
    YOUNG_CARER = "7A", "7A Young carer"
    PRIVATE_FOSTERING = "8F", "8F Private fostering: other"
    UASC = "9A", "9A Unaccompanied asylum-seeking child"
    MISSING = "10A", "10A Missing"
    CSE = "11A", "11A Child sexual exploitation"
    TRAFFICKING = "12A", "12A Trafficking"
    GANGS = "13A", "13A Gangs"
    BEHAVIOUR = "14A", "14A Socially unacceptable behaviour"
    SELF_HARM = "15A", "15A Self-harm"
    NEGLECT = "16A", "16A Neglect"
    EMOTIONAL = "17A", "17A Emotional abuse"
    PHYSICAL_CHILD = "18B", "18B Physical abuse: child on child"
    PHYSICAL_ADULT = "18C", "18C Physical abuse: adult on child"
    SEXUAL_CHILD = "19B", "19B Sexual abuse: child on child"
    SEXUAL_ADULT = "19C", "19C Sexual abuse: adult on child"
    OTHER = "20", "20 Other"
    FGM = "22A", "22A Female genital mutilation"
    FAITH = "23A", "23A Abuse linked to faith or belief"
    CCE = "24A", "24A Child criminal exploitation"


CHILD_ROLES = {SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING}
