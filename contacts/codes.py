"""National codes and local lists used at the front door (see DOMAIN.md)."""

from django.db import models


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
    CLOSED = "closed", "Closed"


class ClockStage(models.TextChoices):
    CONTACT_DECISION = "contact_decision", "Contact decision"
