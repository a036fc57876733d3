"""The audit actions consent records, registered with the kernel's audit log.

Consent and sharing events are written with the contact as their target, so the contact's timeline shows each
one with who and when; `changes` carries what happened (and a `summary` in words for the timeline).
"""

from django.db import models

from mash.audit import register_actions


class ConsentAction(models.TextChoices):
    CONSENT_GIVEN = "consent.given", "Consent given"
    CONSENT_REFUSED = "consent.refused", "Consent refused"
    CONSENT_WITHDRAWN = "consent.withdrawn", "Consent withdrawn"
    SHARING_PROPOSED = "sharing.proposed", "Sharing without consent proposed"
    SHARING_APPROVED = "sharing.approved", "Sharing without consent decided: share"
    SHARING_DECLINED = "sharing.declined", "Sharing without consent decided: do not share"
    BASIS_FLAG_RAISED = "sharing.flag_raised", "Basis for sharing lost: managers told"
    BASIS_FLAG_CLEARED = "sharing.flag_cleared", "Lost basis checked by a manager"
    DISCLOSED = "disclosure.recorded", "Information shared"
    REFERRER_ANONYMOUS = "referrer.anonymous", "Referrer asked to stay anonymous"
    SHARED_VIEWED = "subject_access.viewed", "What has been shared viewed"
    SUBJECT_ACCESS_EXPORTED = "subject_access.exported", "Subject access export produced"


register_actions(ConsentAction)
