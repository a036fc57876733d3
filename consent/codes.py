"""The fixed lists of the consent app (DOMAIN.md section 2). Lists a council changes (lawful bases, reasons for
sharing without consent, which agency kinds count as health) are admin-maintained models, not codes."""

from django.db import models


class Capacity(models.TextChoices):
    """In what capacity the person decided."""

    PARENT = "parent", "Parent or carer with parental responsibility"
    GILLICK = "gillick", "Child judged competent to decide for themselves (Gillick)"
    YOUNG_PERSON = "young_person", "Young person aged 16 or 17, for themselves"
    ADULT_SELF = "adult_self", "Adult, for themselves"


# Capacities in which someone decides about their own information only.
FOR_THEMSELVES = frozenset({Capacity.GILLICK, Capacity.YOUNG_PERSON, Capacity.ADULT_SELF})


class ConsentState(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Only these are offered when consent is first recorded; a withdrawal is recorded on a given consent.
RECORDABLE_STATES = ((ConsentState.GIVEN.value, "They agreed (consent given)"),
                     (ConsentState.REFUSED.value, "They refused"))


class Method(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    WRITTEN = "written", "In writing (a letter, an e-mail or a signed form)"
    VIA_REFERRER = "via_referrer", "Through the referrer"


class Explained(models.TextChoices):
    """What the person was told before they decided: consent is informed only when all of it was explained."""

    WHO = "who", "Who will be asked (which agencies)"
    WHAT_FOR = "what_for", "What the information is for"
    HOW_LONG = "how_long", "How long the information is kept"
    MAY_REFUSE = "may_refuse", "That they may refuse, and may withdraw their consent at any time"


class InfoKind(models.TextChoices):
    """Kinds of information a consent covers. A health agency may be asked only with consent covering HEALTH."""

    INVOLVEMENT = "involvement", "Whether the agency knows the family, and what its involvement is"
    HEALTH = "health", "Health information (physical and mental health, medical records)"
    EDUCATION = "education", "Education (attendance, behaviour, welfare at school)"
    POLICE = "police", "Police information (incidents, offences, intelligence)"
    FAMILY = "family", "Family circumstances (housing, money, relationships)"


class Threshold(models.TextChoices):
    """Which threshold applies (the Haringey judgment: always record it)."""

    BELOW_S17 = "below_s17", "Below section 17: universal services or early help"
    S17 = "s17", "Section 17: a child who may be in need"
    S47 = "s47", "Section 47: reasonable cause to suspect significant harm"


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", "Awaiting a manager's decision"
    APPROVED = "approved", "Decided: share"
    DECLINED = "declined", "Decided: do not share"


class DecisionOutcome(models.TextChoices):
    """What a manager decides on a proposal."""

    SHARE = "share", "Share without consent"
    DO_NOT_SHARE = "do_not_share", "Do not share"


class FamilyTold(models.TextChoices):
    TOLD = "told", "Yes: they have been told"
    WILL_BE_TOLD = "will_be_told", "Yes: they will be told"
    NOT_TOLD = "not_told", "No: they will not be told"


class DisclosureBasis(models.TextChoices):
    """On what footing information left the MASH. CONSENT and SHARING_DECISION name the record; the others are the
    MASH's own feedback duties (Working Together: tell the referrer and the receiving service the outcome)."""

    CONSENT = "consent", "Consent"
    SHARING_DECISION = "sharing_decision", "A manager's decision to share without consent"
    REFERRER_FEEDBACK = "referrer_feedback", "Feedback to the referrer"
    OUTCOME_TO_RECEIVING_TEAM = "outcome_to_receiving_team", "Outcome to the receiving team"
    ALLOCATED_WORKER = "allocated_worker", "Passed to the child's allocated social worker"
    # The council's statutory returns: Ofsted's Annex A lists (inspection), the DfE's children in need census.
    STATUTORY_RETURN = "statutory_return", "A statutory return (Ofsted's Annex A lists, the DfE's census)"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
